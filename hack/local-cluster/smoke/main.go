// Command smoke proves a cluster's networking from inside a pod: `smoke serve` answers HTTP on
// :8080; `smoke probe NAME` resolves NAME through the cluster's DNS and fetches http://NAME/.
package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: smoke serve | smoke probe NAME")
		os.Exit(2)
	}
	switch os.Args[1] {
	case "serve":
		http.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "smoke-ok") })
		fmt.Println("serving on :8080")
		if err := http.ListenAndServe(":8080", nil); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	case "probe":
		name := os.Args[2]
		// A new connection each try: a request sent before kube-proxy has written the Service's
		// rules leaves the node un-translated, and whatever answers there (on our machines an
		// egress proxy answers any address on port 80 with an empty 404) must not be asked again
		// over a kept-alive connection for every later try.
		client := http.Client{
			Timeout:   3 * time.Second,
			Transport: &http.Transport{DisableKeepAlives: true},
		}
		// Tries for 75 s (the Job's deadline is 90 s): after an API-server restart the
		// controllers' watches back off, and the Service can have no endpoints for a while.
		var last error
		for deadline := time.Now().Add(75 * time.Second); time.Now().Before(deadline); {
			last = probe(&client, name)
			if last == nil {
				return
			}
			fmt.Println(last)
			time.Sleep(time.Second)
		}
		fmt.Fprintln(os.Stderr, "probe failed:", last)
		os.Exit(1)
	}
}

// probe resolves name and fetches http://name/ once; nil when the smoke server answered.
func probe(client *http.Client, name string) error {
	addrs, err := net.LookupHost(name)
	if err != nil {
		return err
	}
	resp, err := client.Get("http://" + name + "/")
	if err != nil {
		return fmt.Errorf("resolved %s to %v: %w", name, addrs, err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || string(body) != "smoke-ok\n" {
		return fmt.Errorf("resolved %s to %v, got %s %q from server %q", name, addrs, resp.Status, body, resp.Header.Get("Server"))
	}
	fmt.Printf("resolved %s to %v, got %s %q\n", name, addrs, resp.Status, body)
	return nil
}
