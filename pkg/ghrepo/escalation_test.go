package ghrepo_test

import (
	"context"
	"maps"
	"strings"
	"testing"

	"github.com/stagecrew/stagecrew/pkg/catalog"
	"github.com/stagecrew/stagecrew/pkg/policy"
)

// TestPullRequestCannotGrantItself is the escalation of issue 8 at library
// level: a pull request's checkout adds catalog files that put bob in the
// entity's owner group, or loosens the policy file. Decided on the
// checkout, bob is allowed; decided on the default branch read through
// the API, he is denied.
func TestPullRequestCannotGrantItself(t *testing.T) {
	gh, c := startGitHub(t)
	ctx := context.Background()
	strict := "version: 1\nenvironments:\n  \"*\":\n    allow:\n      - name: owner\n        principals: [owner]\n"
	loose := "version: 1\nenvironments:\n  \"*\":\n    allow:\n      - name: anyone\n        principals: [anyone]\n"
	base := map[string]string{"catalog-info.yaml": componentAndTeam, ".github/stagecrew.yaml": strict}
	attacks := map[string]map[string]string{
		// A new group under the owner group, with bob in it.
		"child group": {"users.yaml": "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: sneaky\nspec:\n  type: team\n  parent: team-orders\n  children: []\n  members: [bob]\n"},
		// Bob's User and the owner group, redefined where the default
		// branch's catalog-info.yaml is replaced.
		"rewritten catalog": {"catalog-info.yaml": componentAndTeam[:len(componentAndTeam)-len("spec:\n  memberOf: []\n")] + "spec:\n  memberOf: [team-orders]\n"},
		// The policy file itself.
		"loose policy": {".github/stagecrew.yaml": loose},
	}
	gh.SetRepository("acme", "orders", "main", base)
	s := open(t, c, "acme", "orders")

	decide := func(cat *policy.LocalCatalog, pol *policy.Policy) policy.Decision {
		t.Helper()
		entity, err := cat.Lookup(ctx, catalog.Ref{Kind: "Component", Namespace: "default", Name: "orders"})
		if err != nil {
			t.Fatal(err)
		}
		return policy.Decide(ctx, policy.Input{
			Entity: entity, Environment: "staging", Action: policy.ActionStepFunctionsStart,
			Actor: "bob-gh", Repository: "acme/orders", Event: "pull_request", Ref: "refs/pull/7/merge",
			DefaultBranch: "main", Catalog: cat,
		}, pol)
	}
	// Trusted: the snapshot's entities and policy file.
	ents, err := s.Entities(ctx)
	if err != nil {
		t.Fatal(err)
	}
	trusted, err := policy.NewLocalCatalog(ents...)
	if err != nil {
		t.Fatal(err)
	}
	data, err := s.ReadFile(ctx, ".github/stagecrew.yaml")
	if err != nil {
		t.Fatal(err)
	}
	trustedPolicy, err := policy.ParsePolicy(s.Location(".github/stagecrew.yaml"), data)
	if err != nil {
		t.Fatal(err)
	}
	d := decide(trusted, trustedPolicy)
	if d.Allowed || d.User != "user:default/bob" {
		t.Fatalf("default branch: %+v, want bob denied", d)
	}

	for name, change := range attacks {
		t.Run(name, func(t *testing.T) {
			workspace := maps.Clone(base)
			maps.Copy(workspace, change)
			dir := writeTree(t, workspace)
			local, err := policy.LoadLocalCatalog(dir)
			if err != nil {
				t.Fatal(err)
			}
			localPolicy, err := policy.LoadPolicy(dir + "/.github/stagecrew.yaml")
			if err != nil {
				t.Fatal(err)
			}
			// The old way: the checkout decides, and the pull request wins.
			if d := decide(local, localPolicy); !d.Allowed {
				t.Fatalf("the attack does not work on the checkout (%s); the test proves nothing", d.Reason)
			}
			// The new way: the default branch decides; the pull request's
			// branch, pushed to the repository, is not seen at all.
			gh.PushBranch("acme", "orders", "pr-"+strings.ReplaceAll(name, " ", "-"), workspace)
			if again := open(t, c, "acme", "orders"); again.SHA != s.SHA || again.Branch != "main" {
				t.Fatalf("snapshot at %s@%s after the push, want main@%s", again.Branch, again.SHA, s.SHA)
			}
			if d := decide(trusted, trustedPolicy); d.Allowed {
				t.Errorf("default branch allowed bob: %s", d.Reason)
			} else {
				t.Logf("denied: %s", d.Reason)
			}
		})
	}
}
