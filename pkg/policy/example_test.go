package policy_test

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/stagecrew/stagecrew/pkg/catalog"
	"github.com/stagecrew/stagecrew/pkg/policy"
)

func ExampleDecide() {
	cat, err := policy.LoadLocalCatalog("testdata/catalog.yaml")
	if err != nil {
		panic(err)
	}
	checkout, _ := cat.Lookup(context.Background(), catalog.Ref{Kind: "Component", Name: "checkout"})
	pol, err := policy.LoadPolicy("testdata/policy.yaml")
	if err != nil {
		panic(err)
	}
	in := policy.Input{
		Entity:        checkout,
		Environment:   "production",
		Action:        policy.ActionStepFunctionsStart,
		Actor:         "JohnDoe-GH", // the OIDC token's claims
		Repository:    "acme/checkout",
		Event:         "push",
		Ref:           "refs/heads/feature/quick-fix",
		DefaultBranch: "main",
		Catalog:       cat,
	}
	d := policy.Decide(context.Background(), in, pol)
	fmt.Println("allowed:", d.Allowed)
	fmt.Println("reason:", d.Reason)
	fmt.Println("remedy:", d.Remedy)

	// Every decision is recorded.
	audit := policy.NewAuditWriter(os.Stdout, policy.WithClock(func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) }))
	rec := policy.NewRecord(in, d, policy.RunDetails{RoleARN: "arn:aws:iam::123456789012:role/checkout-deployer"})
	rec.Reason, rec.Remedy, rec.Groups = "(as above)", "(as above)", nil
	_ = audit.Write(rec)
	// Output:
	// allowed: false
	// reason: JohnDoe-GH (user:default/jdoe) may not stepfunctions:start component:default/checkout in production: ref refs/heads/feature/quick-fix is not refs/heads/main or refs/tags/v*; environment production requires the job to run in GitHub environment "production", and it ran in no GitHub environment (closest rule: production/owner-from-main)
	// remedy: run from refs/heads/main or refs/tags/v* and run the job in GitHub environment "production" (environment: production)
	// {"time":"2026-01-02T03:04:05Z","actor":"JohnDoe-GH","requester":"user:default/jdoe","user":"user:default/jdoe","entity":"component:default/checkout","environment":"production","action":"stepfunctions:start","roleArn":"arn:aws:iam::123456789012:role/checkout-deployer","decision":"deny","reason":"(as above)","rule":"production/owner-from-main","remedy":"(as above)","repository":"acme/checkout","ref":"refs/heads/feature/quick-fix","event":"push"}
}
