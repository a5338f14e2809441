package ghrepo_test

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/stagecrew/stagecrew/pkg/catalog"
	"github.com/stagecrew/stagecrew/pkg/policy"
)

const componentAndTeam = `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: orders
  annotations:
    github.com/project-slug: acme/orders
spec:
  type: service
  lifecycle: production
  owner: group:team-orders
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: team-orders
spec:
  type: team
  children: []
  members: [alice]
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata:
  name: alice
  annotations:
    github.com/user-login: alice-gh
spec:
  memberOf: []
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata:
  name: bob
  annotations:
    github.com/user-login: bob-gh
spec:
  memberOf: []
`

const workflow = `name: deploy
on:
  push:
    branches: [main]
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - uses: stagecrew/stagecrew@v1
`

// trees are realistic repositories: what LoadLocalCatalog reads from a
// checkout of each must be what Entities reads through the API.
var trees = map[string]map[string]string{
	"service": {
		"catalog-info.yaml":                           componentAndTeam,
		".github/workflows/deploy.yaml":               workflow,
		".github/stagecrew.yaml":                      "version: 1\nenvironments: {}\n",
		"ci/pipeline.yml":                             workflow, // not hidden, not a catalog file
		"docs/mkdocs.yml":                             "site_name: Orders\nnav:\n  - index.md\n",
		"README.md":                                   "# orders\n",
		"services/payments/catalog-info.yml":          "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: payments\nspec:\n  type: service\n  lifecycle: experimental\n  owner: team-orders\n",
		"services/payments/api.yaml":                  "apiVersion: backstage.io/v1alpha1\nkind: API\nmetadata:\n  name: payments-api\nspec:\n  type: openapi\n  lifecycle: production\n  owner: team-orders\n  definition: |\n    openapi: 3.0.0\n",
		"templates/deploy/template.yaml":              "apiVersion: scaffolder.backstage.io/v1beta3\nkind: Template\nmetadata:\n  name: deploy\nspec:\n  type: service\n  owner: team-orders\n  steps: []\n",
		"templates/deploy/skeleton/catalog-info.yaml": "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: ${{ values.name }}\nspec:\n  owner: ${{ values.owner }}\n",
		"skeleton/catalog-info.yaml":                  "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: skeleton-group\n",
		"node_modules/pkg/catalog-info.yaml":          "apiVersion: backstage.io/v1alpha1\nkind: User\nmetadata:\n  name: from-node-modules\n",
		"web/node_modules/x/users.yaml":               "apiVersion: backstage.io/v1alpha1\nkind: User\nmetadata:\n  name: nested-node-modules\n",
		".backstage/users.yaml":                       "apiVersion: backstage.io/v1alpha1\nkind: User\nmetadata:\n  name: hidden-folder\n",
		"deep/.hidden/more/users.yaml":                "apiVersion: backstage.io/v1alpha1\nkind: User\nmetadata:\n  name: deep-hidden\n",
		".root-hidden-file.yaml":                      "apiVersion: backstage.io/v1alpha1\nkind: User\nmetadata:\n  name: hidden-file-is-read\n",
		"values.YAML":                                 "apiVersion: backstage.io/v1alpha1\nkind: User\nmetadata:\n  name: upper-case-extension\n",
	},
	"ordering and broken files": {
		"a.yaml":      "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: g-a\n",
		"a/b.yaml":    "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: g-a-b\n",
		"a-b/c.yaml":  "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: g-a-dash-b\n",
		"A/z.yml":     "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: g-upper-a\n",
		"broken.yaml": "apiVersion: backstage.io/v1alpha1\nkind: [unclosed\n",
		"mixed.yaml": "apiVersion: backstage.io/v1alpha1\nkind: User\nmetadata:\n  name: good-one\n---\n" +
			"kind: User\nmetadata:\n  name: no-api-version\n---\n" +
			"- a list, not a mapping\n---\n" +
			"apiVersion: backstage.io/v1alpha1\nkind: User\nmetadata:\n  name: good-two\n  annotations:\n    github.com/user-login: '0123'\n",
		"dup-keys.yaml": "apiVersion: backstage.io/v1alpha1\nkind: User\nkind: Group\nmetadata:\n  name: dup\n",
		"empty.yaml":    "",
		"bom.yaml":      "\ufeffapiVersion: backstage.io/v1alpha1\nkind: Domain\nmetadata:\n  name: with-bom\n",
		"latin1.yaml":   "apiVersion: backstage.io/v1alpha1\nkind: Domain\nmetadata:\n  name: caf\xe9\n",
	},
	"no catalog at all": {
		".github/workflows/ci.yml": workflow,
		"main.go":                  "package main\n",
	},
}

func TestEntitiesMatchLoadLocalCatalog(t *testing.T) {
	gh, c := startGitHub(t)
	for name, files := range trees {
		t.Run(name, func(t *testing.T) {
			dir := writeTree(t, files)
			local, err := policy.LoadLocalCatalog(dir)
			if err != nil {
				t.Fatalf("LoadLocalCatalog: %v", err)
			}
			repo := strings.ReplaceAll(name, " ", "-")
			gh.SetRepository("acme", repo, "main", files)
			s := open(t, c, "acme", repo)
			got, err := s.Entities(context.Background())
			if err != nil {
				t.Fatalf("Entities: %v", err)
			}
			want := local.Entities()
			if len(got) != len(want) {
				t.Errorf("Entities read %d entities, LoadLocalCatalog %d:\n got %v\nwant %v", len(got), len(want), refs(got), refs(want))
			}
			for i := range min(len(got), len(want)) {
				g, w := got[i], want[i]
				rel, _ := filepath.Rel(dir, w.Source.File)
				if g.Source.File != s.Location(filepath.ToSlash(rel)) || g.Source.Line != w.Source.Line || g.Source.Document != w.Source.Document {
					t.Errorf("entity %d (%s): source %+v, want %s line %d document %d", i, g.Ref(), g.Source, s.Location(rel), w.Source.Line, w.Source.Document)
				}
				if !reflect.DeepEqual(g.Raw, w.Raw) || g.APIVersion != w.APIVersion || g.Kind != w.Kind ||
					!reflect.DeepEqual(g.Metadata, w.Metadata) || !reflect.DeepEqual(g.Spec, w.Spec) {
					t.Errorf("entity %d differs:\n got %s %+v\nwant %s %+v", i, g.Ref(), g.Raw, w.Ref(), w.Raw)
				}
			}
			if len(want) == 0 && len(got) != 0 {
				t.Errorf("got %v from a tree without a catalog", refs(got))
			}
		})
	}
	// The realistic tree has its four entities and the nested ones, and none
	// of the skipped folders' ones (an assertion independent of
	// LoadLocalCatalog's own behaviour).
	s := open(t, c, "acme", "service")
	ents, err := s.Entities(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := "user:default/hidden-file-is-read component:default/orders group:default/team-orders user:default/alice user:default/bob " +
		"api:default/payments-api component:default/payments template:default/deploy"
	if got := strings.Join(refs(ents), " "); got != want {
		t.Errorf("service tree entities:\n got %s\nwant %s", got, want)
	}
	if e := ents[1]; e.Source.File != "acme/service@"+s.SHA+":catalog-info.yaml" || e.Source.Line != 1 {
		t.Errorf("source of %s: %+v", e.Ref(), e.Source)
	}
}

func TestEntitiesDuplicatesRefusedLikeLoadLocalCatalog(t *testing.T) {
	gh, c := startGitHub(t)
	files := map[string]string{
		"catalog-info.yaml": componentAndTeam,
		"org/users.yaml":    "apiVersion: backstage.io/v1alpha1\nkind: User\nmetadata:\n  name: bob\n",
	}
	if _, err := policy.LoadLocalCatalog(writeTree(t, files)); err == nil || !strings.Contains(err.Error(), "defined twice") {
		t.Fatalf("LoadLocalCatalog: %v, want a duplicate error", err)
	}
	gh.SetRepository("acme", "orders", "main", files)
	s := open(t, c, "acme", "orders")
	ents, err := s.Entities(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	_, err = policy.NewLocalCatalog(ents...)
	if err == nil || !strings.Contains(err.Error(), "acme/orders@"+s.SHA+":org/users.yaml:1") {
		t.Errorf("NewLocalCatalog: %v, want a duplicate error naming the file at the commit", err)
	}
}

func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for p, content := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func refs(es []*catalog.Entity) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.Ref().String())
	}
	return out
}
