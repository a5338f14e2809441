// Command stagecrew validates Backstage catalogs, generates JSON Schemas and
// templates, and runs the GitHub Action that deploys catalog entities to AWS
// Step Functions and ECS. Run 'stagecrew help' for its commands.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/stagecrew/stagecrew/internal/cli"
)

// version is the release version, set by release builds with
// -ldflags "-X main.version=v1.2.3"; empty means the version the Go
// toolchain recorded (a module version for go install ...@v1.2.3, the
// commit for a build from a checkout).
var version = ""

// stopGrace is how long a command may take to wind down after SIGINT or
// SIGTERM (the action stops what it started with stop-on-cancel; the
// runner sends SIGTERM 7.5 s after SIGINT and kills 2.5 s later).
const stopGrace = 10 * time.Second

func main() {
	// A short-lived command: trade a little memory for less GC work.
	// Validating 10,000 entities (bench/validate.sh) took the least CPU at
	// 200: 0.45 s, peak 47 MB, against 0.49 s and 60 MB at 400 (more page
	// faults on a larger heap) and 0.47 s and 40 MB at 100.
	debug.SetGCPercent(200)
	ctx, cancel := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		sig := <-sigs
		cancel()
		// A second signal ends the process at once, and so does a command
		// that does not wind down in time: a signal always stops stagecrew.
		signal.Reset(os.Interrupt, syscall.SIGTERM)
		time.Sleep(stopGrace)
		fmt.Fprintf(os.Stderr, "stagecrew: still running %s after %s; stopping\n", stopGrace, sig)
		os.Exit(exitCode(sig))
	}()
	code := cli.MainVersion(ctx, &cli.IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}, os.Getenv, os.Args[1:], version)
	os.Exit(code)
}

// exitCode is the shell's code for death by sig: 128 + its number.
func exitCode(sig os.Signal) int {
	if s, ok := sig.(syscall.Signal); ok {
		return 128 + int(s)
	}
	return 1
}
