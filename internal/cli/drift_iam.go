package cli

import (
	"github.com/stagecrew/stagecrew/pkg/annotations"
	"github.com/stagecrew/stagecrew/pkg/catalog"
	"github.com/stagecrew/stagecrew/pkg/iam"
)

// driftPermissionsRun prints 'iam permissions --drift': the read-only
// policy of the environment's role, in its account and in the regions of
// the entity's targets there.
func driftPermissionsRun(opts *IAMOptions, e *catalog.Entity, env annotations.Environment) error {
	o := iam.DriftPermissionOptions{Partition: env.Role.Partition, Account: env.Role.Account}
	for _, t := range []struct{ partition, account, region string }{
		{env.StateMachine.Partition, env.StateMachine.Account, env.StateMachine.Region},
		{env.Service.Partition, env.Service.Account, env.Service.Region},
	} {
		if t.account == "" {
			continue
		}
		if o.Account == "" {
			o.Partition, o.Account = t.partition, t.account
		}
		o.Regions = append(o.Regions, t.region)
	}
	if o.Account == "" {
		return invalidf("%s has no role and no ARN in %q to take the account from: set %s or %s",
			e.Ref(), opts.Environment, annotations.KeyRoleARN, annotations.KeyRoleARNFor(opts.Environment))
	}
	doc, err := iam.DriftPermissions(o)
	if err != nil {
		return invalidf("%s in %q: %v", e.Ref(), opts.Environment, err)
	}
	return printPolicy(opts.IO, doc, iam.Validate)
}
