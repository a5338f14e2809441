// Command stagecrew validates Backstage catalogs, generates JSON Schemas and
// templates, and runs the GitHub Action that deploys catalog entities to AWS
// Step Functions and ECS. Run 'stagecrew help' for its commands.
package main

import (
	"context"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/stagecrew/stagecrew/internal/cli"
)

func main() {
	// A short-lived command: trade a little memory for less GC work
	// (validating 10,000 entities peaks near 50 MB with this setting).
	debug.SetGCPercent(400)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, &cli.IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}, os.Getenv, os.Args[1:])
	stop()
	os.Exit(code)
}
