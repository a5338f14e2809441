package policy_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/stagecrew/stagecrew/internal/testenv"
	"github.com/stagecrew/stagecrew/pkg/backstage"
	"github.com/stagecrew/stagecrew/pkg/catalog"
	"github.com/stagecrew/stagecrew/pkg/policy"
)

// TestBackstageCatalogDecidesLikeLocal loads the same catalog into a real
// Backstage backend and into a LocalCatalog, and checks that every decision
// comes out the same through both.
func TestBackstageCatalogDecidesLikeLocal(t *testing.T) {
	abs, err := filepath.Abs("testdata/catalog.yaml")
	if err != nil {
		t.Fatal(err)
	}
	local, err := policy.LoadLocalCatalog(abs)
	if err != nil {
		t.Fatal(err)
	}
	srv := testenv.NewBackstage(t, testenv.BackstageOptions{CatalogFile: abs})
	for _, e := range local.Entities() {
		srv.WaitForEntity(t, e.Ref().String(), 60*time.Second)
	}
	client, err := backstage.New(srv.URL, srv.Token)
	if err != nil {
		t.Fatal(err)
	}
	remote := policy.BackstageCatalog{Client: client}
	pol, err := policy.LoadPolicy("testdata/policy.yaml")
	if err != nil {
		t.Fatal(err)
	}

	var components []*catalog.Entity
	var logins []string
	for _, e := range local.Entities() {
		switch e.Kind {
		case "Component":
			components = append(components, e)
		case "User":
			logins = append(logins, e.Metadata.Name)
			if l := e.Metadata.Annotations[catalog.AnnotationGitHubUser]; l != "" {
				logins = append(logins, l)
			}
		}
	}
	logins = append(logins, "stranger")
	ctx := context.Background()
	compared := 0
	for _, c := range components {
		slug := c.Metadata.Annotations[catalog.AnnotationGitHubSlug]
		for _, env := range []string{"staging", "production"} {
			for _, login := range logins {
				for _, ref := range []string{"refs/heads/main", "refs/heads/feature"} {
					in := policy.Input{Entity: c, Environment: env, Action: policy.ActionStepFunctionsStart, Actor: login,
						Repository: slug, Event: "push", Ref: ref, GitHubEnvironment: env, DefaultBranch: "main"}
					in.Catalog = local
					want := policy.Decide(ctx, in, pol)
					in.Catalog = remote
					got := policy.Decide(ctx, in, pol)
					if got.Allowed != want.Allowed || got.User != want.User || len(got.Groups) != len(want.Groups) {
						t.Errorf("%s %s %s %s: Backstage catalog gave %+v, local gave %+v", c.Metadata.Name, env, login, ref, got, want)
					}
					compared++
				}
			}
		}
	}
	t.Logf("%d decisions compared", compared)
	if compared < 20 {
		t.Errorf("only %d decisions compared; the test catalog is too small", compared)
	}
}
