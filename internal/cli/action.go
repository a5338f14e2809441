package cli

import (
	"context"
	"errors"
	"log/slog"

	"github.com/sethvargo/go-githubactions"

	"github.com/stagecrew/stagecrew/actions"
)

func actionRunCommand() *Command {
	c := &Command{
		Name:    "action run",
		Summary: "Run the stagecrew GitHub Action (reads INPUT_* variables, as action.yml sets them)",
		Usage:   "action run",
		Examples: `  # what action.yml runs; inputs come from the environment:
  INPUT_ENVIRONMENT=staging stagecrew action run

It verifies the workflow's OIDC token, asks the policy whether the actor may act on the
entity in the environment, assumes the environment's role, starts the Step Functions
execution, ECS deployment or task, waits, and writes outputs, the job summary, the audit
record and (with backstage-url) a notification to the entity's owners.`,
	}
	c.Run = runAction(c, func(ctx context.Context, d actions.Deps) error {
		_, err := actions.Run(ctx, d)
		return err
	})
	return c
}

// runAction is the Run of an action command: no arguments (inputs come
// from INPUT_* variables), the action's writer on stdout, slog on stderr,
// the error as a workflow error, exit 2 for bad inputs and 1 otherwise.
func runAction(c *Command, run func(context.Context, actions.Deps) error) func(context.Context, *IOStreams, Env, []string) error {
	return func(ctx context.Context, streams *IOStreams, env Env, args []string) error {
		fs := newFlagSet(c, streams)
		rest, err := parseFlags(c, streams, fs, args)
		if err != nil {
			return err
		}
		if len(rest) > 0 {
			return usageErrorf("%s takes no arguments; inputs come from INPUT_* variables", c.Name)
		}
		a := githubactions.New(githubactions.WithGetenv(githubactions.GetenvFunc(env)), githubactions.WithWriter(streams.Out))
		logger := slog.New(slog.NewTextHandler(streams.ErrOut, &slog.HandlerOptions{Level: slog.LevelInfo}))
		err = run(ctx, actionDeps(env, actions.Deps{Action: a, Log: streams.Out, Logger: logger}))
		if err == nil {
			return nil
		}
		a.Errorf("%s", err)
		if errors.Is(err, actions.ErrBadInputs) {
			return &ExitError{Code: ExitUsage, Err: err}
		}
		return &ExitError{Code: ExitInvalid, Err: err}
	}
}
