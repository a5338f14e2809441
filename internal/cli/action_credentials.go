package cli

import (
	"context"

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
	c.Run = runAction(c, func(ctx context.Context, d actions.Deps) error {
		_, err := actions.Credentials(ctx, d)
		return err
	})
	return c
}
