package cli

import (
	"context"
	"errors"
	"log/slog"

	"github.com/sethvargo/go-githubactions"

	"github.com/stagecrew/stagecrew/actions"
)

func actionCredentialsCommand() *Command {
	c := &Command{
		Name:    "action credentials",
		Summary: "Run the stagecrew credentials action (actions/credentials; reads INPUT_* variables)",
		Usage:   "action credentials",
		Examples: `  # what actions/credentials/action.yml runs; inputs come from the environment:
  INPUT_ENVIRONMENT=staging INPUT_EXPORT=env stagecrew action credentials

It verifies the workflow's OIDC token, asks the policy whether the actor may have the
credentials of the entity's role in the environment (action aws:credentials), writes the
audit record and, when allowed, exports the role's credentials to the job's later steps:
masked AWS_* variables (export: env) or a named profile (export: profile).`,
	}
	c.Run = func(ctx context.Context, streams *IOStreams, env Env, args []string) error {
		fs := newFlagSet(c, streams)
		rest, err := parseFlags(c, streams, fs, args)
		if err != nil {
			return err
		}
		if len(rest) > 0 {
			return usageErrorf("action credentials takes no arguments; inputs come from INPUT_* variables")
		}
		a := githubactions.New(githubactions.WithGetenv(githubactions.GetenvFunc(env)), githubactions.WithWriter(streams.Out))
		logger := slog.New(slog.NewTextHandler(streams.ErrOut, &slog.HandlerOptions{Level: slog.LevelInfo}))
		_, err = actions.Credentials(ctx, actionDeps(env, actions.Deps{Action: a, Log: streams.Out, Logger: logger}))
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
