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
	c.Run = func(ctx context.Context, streams *IOStreams, env Env, args []string) error {
		fs := newFlagSet(c, streams)
		rest, err := parseFlags(c, streams, fs, args)
		if err != nil {
			return err
		}
		if len(rest) > 0 {
			return usageErrorf("action run takes no arguments; inputs come from INPUT_* variables")
		}
		a := githubactions.New(githubactions.WithGetenv(githubactions.GetenvFunc(env)), githubactions.WithWriter(streams.Out))
		logger := slog.New(slog.NewTextHandler(streams.ErrOut, &slog.HandlerOptions{Level: slog.LevelInfo}))
		_, err = actions.Run(ctx, actionDeps(env, actions.Deps{Action: a, Log: streams.Out, Logger: logger}))
		if err == nil {
			return nil
		}
		a.Errorf("%s", err)
		if errors.Is(err, actions.ErrBadInputs) {
			return &ExitError{Code: ExitUsage, Err: err}
		}
		return &ExitError{Code: ExitInvalid, Err: err}
	}
	return c
}
