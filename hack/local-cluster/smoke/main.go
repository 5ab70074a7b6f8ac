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
		var last error
		for i := 0; i < 30; i++ {
			addrs, err := net.LookupHost(name)
			if err == nil {
				client := http.Client{Timeout: 3 * time.Second}
				resp, err := client.Get("http://" + name + "/")
				if err == nil {
					body, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					fmt.Printf("resolved %s to %v, got %q\n", name, addrs, string(body))
					if string(body) == "smoke-ok\n" {
						return
					}
				}
				last = err
			} else {
				last = err
			}
			time.Sleep(time.Second)
		}
		fmt.Fprintln(os.Stderr, "probe failed:", last)
		os.Exit(1)
	}
}
