package templates

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/stagecrew/stagecrew/pkg/catalog"
	"github.com/stagecrew/stagecrew/pkg/config"
	"github.com/stagecrew/stagecrew/pkg/scaffolder"
)

// TestCommittedTemplatesAreFresh fails when template.yaml files differ from
// what templates.go generates.
func TestCommittedTemplatesAreFresh(t *testing.T) {
	dir := t.TempDir()
	if err := Write(dir); err != nil {
		t.Fatal(err)
	}
	for folder := range All() {
		want, err := os.ReadFile(filepath.Join(dir, folder, "template.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join(folder, "template.yaml"))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("templates/%s/template.yaml is stale; run go generate ./templates", folder)
		}
	}
}

// TestTemplatesValidAndLintClean checks each template with the catalog's
// validation and with stagecrew's own lint.
func TestTemplatesValidAndLintClean(t *testing.T) {
	for folder := range All() {
		data, err := os.ReadFile(filepath.Join(folder, "template.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		problems, n, err := scaffolder.Lint(folder+"/template.yaml", data)
		if err != nil || n != 1 {
			t.Fatalf("%s: Lint: %v, %d templates", folder, err, n)
		}
		for _, p := range problems {
			t.Errorf("%s: %s", folder, p)
		}
	}
}

// TestLocationListsEveryTemplate checks templates/catalog-info.yaml, the one
// file an admin registers.
func TestLocationListsEveryTemplate(t *testing.T) {
	data, err := os.ReadFile("catalog-info.yaml")
	if err != nil {
		t.Fatal(err)
	}
	docs, err := catalog.Decode("catalog-info.yaml", data, catalog.DecodeOptions{})
	if err != nil || len(docs) != 1 || docs[0].Err != nil {
		t.Fatalf("decode: %v %v", err, docs)
	}
	if err := catalog.Validate(docs[0].Entity); err != nil {
		t.Fatal(err)
	}
	spec, _ := catalog.SpecAs[catalog.LocationSpec](docs[0].Entity)
	listed := map[string]bool{}
	for _, target := range spec.Targets {
		listed[target] = true
	}
	for folder := range All() {
		if !listed["./"+folder+"/template.yaml"] {
			t.Errorf("catalog-info.yaml does not list %s", folder)
		}
	}
}

// TestDeployFormMatchesWorkflows: every field of the deploy form is a
// workflow_dispatch input of the deploy workflows the other templates write,
// so github:actions:dispatch never sends an input the workflow refuses.
func TestDeployFormMatchesWorkflows(t *testing.T) {
	page, err := scaffolder.PageFor("x", Deploy{})
	if err != nil {
		t.Fatal(err)
	}
	dispatch := All()["deploy-entity"].Spec.Steps[1].Input["workflowInputs"].(map[string]any)
	for _, skeleton := range []string{"stepfunctions-workflow", "ecs-service"} {
		wf, err := os.ReadFile(filepath.Join(skeleton, "skeleton/.github/workflows/deploy.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		for name := range dispatch {
			if _, ok := page.Schema.Properties.Get(name); !ok && name != TaskInput {
				t.Errorf("dispatch sends %q, which the form does not ask for", name)
			}
			if !regexp.MustCompile(`(?m)^      ` + regexp.QuoteMeta(name) + `:$`).Match(wf) {
				t.Errorf("%s's deploy workflow has no workflow_dispatch input %q", skeleton, name)
			}
		}
	}
}

// TestDeployFormMatchesActionInputs: the values the deploy form collects reach
// the stagecrew action under the same names (the deploy workflow passes them
// through), so the form and the action share one vocabulary.
func TestDeployFormMatchesActionInputs(t *testing.T) {
	inputs := map[string]bool{}
	for _, n := range config.InputNames() {
		inputs[n] = true
	}
	dispatch := All()["deploy-entity"].Spec.Steps[1].Input["workflowInputs"].(map[string]any)
	for name := range dispatch {
		if !inputs[name] {
			t.Errorf("the deploy form sends %q, which is not an input of the stagecrew action", name)
		}
	}
}
