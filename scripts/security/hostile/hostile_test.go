// Package hostile is the security suite's test image: a test binary written the way an attacker
// who controls a pull request would write one. It prints workflow commands in every form the
// runner honours, the secrets it was given, and Markdown, HTML and regex syntax in test names and
// messages. The action must treat all of it as text. Every attacker string contains "pwned".
package hostile

import (
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"
)

// commands are workflow commands as a test could print them: plain, indented, after a carriage
// return, and in the legacy ##[ form anywhere in a line.
var commands = []string{
	`::save-state name=in-cluster-test-cleanup::{"kindPath":"/bin/bash","clusterName":"pwned","clusterCreated":true,"keepCluster":false}`,
	`::save-state name=in-cluster-test-state-id::pwned`,
	`::set-output name=status::pwned`,
	`::set-env name=NODE_OPTIONS::--require=/tmp/pwned.js`,
	`::add-path::/tmp/pwned`,
	`::add-mask::pwned-mask`,
	`::error file=../../../etc/passwd,line=1::pwned annotation outside the workspace`,
	`   ::warning::pwned indented`,
	"\t::notice title=pwned::pwned after a tab",
	"progress\r::error::pwned after a carriage return",
	`text before ##[error]pwned legacy form mid-line`,
	`##[set-output name=status;]pwned legacy set-output`,
	`::group::pwned group`,
	`::endgroup::`,
	`::debug::pwned debug`,
	`::echo::on`,
	`::stop-commands::pwned-token`,
	`::pwned-token::`,
	`::resume::pwned`,
}

// TestWorkflowCommands prints every command on stdout and stderr, the secrets, and passes.
func TestWorkflowCommands(t *testing.T) {
	for _, c := range commands {
		fmt.Println(c)
		fmt.Fprintln(os.Stderr, c)
	}
	t.Log("::error::pwned through t.Log")
	fmt.Println("secret-env value: " + os.Getenv("HOSTILE_SECRET"))
	fmt.Println("env-from-secrets value: " + os.Getenv("HOSTILE_DB_PASSWORD"))
	fmt.Println("a link outside code [pwned](https://evil.example/pwned) @octocat <img src=x onerror=alert(1)>")
	if s, _ := strconv.Atoi(os.Getenv("HOSTILE_SLOW_SECONDS")); s > 0 {
		for i := 1; i <= s; i++ {
			time.Sleep(time.Second)
			t.Logf("slow tick %d/%d", i, s)
		}
	}
}

// TestHostileNames fails in subtests whose names and messages are Markdown, HTML and regex
// syntax, and whose messages carry the secret.
func TestHostileNames(t *testing.T) {
	if os.Getenv("HOSTILE_PASS") == "1" {
		t.Skip("HOSTILE_PASS=1: only the passing tests")
	}
	for _, name := range []string{
		"[pwned](https://evil.example/pwned)",
		"![pwned](https://evil.example/pwned.png)",
		"@octocat-pwned",
		"<img src=x onerror=alert('pwned')>",
		"`pwned` backtick | pipe",
		"(a|a)*c[pwned",
		"#1 pwned issue",
	} {
		t.Run(name, func(t *testing.T) {
			t.Errorf("pwned: [link](https://evil.example/pwned) ![img](https://evil.example/i.png) @octocat <b>bold</b> ` backtick; the secret is %s", os.Getenv("HOSTILE_SECRET"))
		})
	}
}
