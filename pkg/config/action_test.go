package config

import (
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	yaml "go.yaml.in/yaml/v3"

	"github.com/stagecrew/stagecrew/internal/testenv"
)

// actionMeta is the part of action.yml the tests look at.
type actionMeta struct {
	Name    string `yaml:"name"`
	Inputs  yaml.Node
	Outputs map[string]struct {
		Description string `yaml:"description"`
		Value       string `yaml:"value"`
	} `yaml:"outputs"`
	Runs struct {
		Using string `yaml:"using"`
		Steps []struct {
			ID    string            `yaml:"id"`
			Uses  string            `yaml:"uses"`
			Run   string            `yaml:"run"`
			Shell string            `yaml:"shell"`
			Env   map[string]string `yaml:"env"`
			With  map[string]string `yaml:"with"`
		} `yaml:"steps"`
	} `yaml:"runs"`
}

type inputMeta struct {
	Description string  `yaml:"description"`
	Required    bool    `yaml:"required"`
	Default     *string `yaml:"default"`
}

func parseAction(t *testing.T, b []byte) (actionMeta, []string, map[string]inputMeta) {
	t.Helper()
	var m actionMeta
	if err := yaml.Unmarshal(b, &m); err != nil {
		t.Fatalf("action.yml is not YAML: %v", err)
	}
	var raw struct {
		Inputs yaml.Node `yaml:"inputs"`
	}
	if err := yaml.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	var order []string
	for i := 0; i+1 < len(raw.Inputs.Content); i += 2 {
		order = append(order, raw.Inputs.Content[i].Value)
	}
	inputs := map[string]inputMeta{}
	if err := raw.Inputs.Decode(&inputs); err != nil {
		t.Fatal(err)
	}
	return m, order, inputs
}

var expr = regexp.MustCompile(`\$\{\{`)

// checkComposite checks what every composite action of ours must do: map
// every input into env: as INPUT_<NAME>, and keep expressions out of run:
// scripts, so no input can inject shell.
func checkComposite(t *testing.T, file string, m actionMeta, inputs map[string]inputMeta) {
	t.Helper()
	if m.Runs.Using != "composite" {
		t.Errorf("%s: runs.using = %q, want composite", file, m.Runs.Using)
	}
	mapped := map[string]bool{}
	for i, s := range m.Runs.Steps {
		if s.Run != "" {
			if expr.MatchString(s.Run) {
				t.Errorf("%s: step %d pastes an expression into its run: script (script injection); pass it through env:", file, i)
			}
			if s.Shell == "" {
				t.Errorf("%s: step %d has no shell (composite run steps need one)", file, i)
			}
		}
		for k, v := range s.Env {
			if name, ok := strings.CutPrefix(v, "${{ inputs."); ok {
				name = strings.TrimSuffix(name, " }}")
				if k != EnvName(name) {
					t.Errorf("%s: step %d maps input %s to %s, want %s", file, i, name, k, EnvName(name))
				}
				mapped[name] = true
			}
		}
	}
	for name := range inputs {
		if !mapped[name] {
			t.Errorf("%s: input %s is not mapped into env: as %s", file, name, EnvName(name))
		}
	}
}

func TestActionYAML(t *testing.T) {
	b, err := ActionYAML()
	if err != nil {
		t.Fatal(err)
	}
	m, order, inputs := parseAction(t, b)
	if !slices.Equal(order, InputNames()) {
		t.Errorf("inputs of action.yml = %q\nwant the fields of Inputs %q", order, InputNames())
	}
	checkComposite(t, "action.yml", m, inputs)

	// Required and defaults agree with what Read does with no input.
	def, _ := Read(action(map[string]string{"environment": "e"}))
	for _, f := range mustFields(t).inputs {
		in := inputs[f.Name]
		if in.Description == "" {
			t.Errorf("input %s has no description", f.Name)
		}
		if in.Required != (f.Name == "environment") {
			t.Errorf("input %s: required = %v", f.Name, in.Required)
		}
		if in.Default == nil || strings.Contains(*in.Default, "${{") {
			continue
		}
		one, err := Read(action(map[string]string{"environment": "e", f.Name: *in.Default}))
		if err != nil || !equalInputs(one, def) {
			t.Errorf("input %s: passing its action.yml default %q reads differently from passing nothing (%v)", f.Name, *in.Default, err)
		}
	}
	if d := inputs["github-token"].Default; d == nil || *d != "${{ github.token }}" {
		t.Errorf("github-token default = %v", d)
	}

	// Every output is declared with the run step's value.
	for _, f := range mustFields(t).outputs {
		o, ok := m.Outputs[f.Name]
		if !ok || o.Description == "" || o.Value != "${{ steps.run.outputs."+f.Name+" }}" {
			t.Errorf("output %s = %+v", f.Name, o)
		}
	}
	if len(m.Outputs) != len(mustFields(t).outputs) {
		t.Errorf("action.yml has %d outputs, Outputs has %d fields", len(m.Outputs), len(mustFields(t).outputs))
	}

	// The release binary the ref pins is installed first; setup-go and the
	// build from the action's checkout (its go.mod's Go) run only when the
	// ref has no release; the binary is run directly (exec: the job's
	// cancel signal reaches it). RenderAction's own tests check the rest.
	steps := m.Runs.Steps
	if len(steps) != 4 || steps[0].ID != "install" || !strings.HasPrefix(steps[1].Uses, "actions/setup-go@") ||
		steps[1].With["go-version-file"] != "${{ github.action_path }}/go.mod" ||
		!strings.Contains(steps[2].Run, "go build") || steps[3].ID != "run" ||
		!strings.Contains(steps[3].Run, `exec "$STAGECREW_BIN" action run`) {
		t.Errorf("runs.steps are not install, setup-go, build, run:\n%s", b)
	}
}

func equalInputs(a, b Inputs) bool { return reflect.DeepEqual(a, b) }

func mustFields(t *testing.T) *fieldSet {
	t.Helper()
	fs, err := fields()
	if err != nil {
		t.Fatal(err)
	}
	return fs
}

// TestSubActions checks the hand-written sub-actions under actions/ the same
// way.
func TestSubActions(t *testing.T) {
	root := testenv.RepoRoot(t)
	files, err := filepath.Glob(filepath.Join(root, "actions", "*", "action.yml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no actions/*/action.yml")
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(root, f)
		m, _, inputs := parseAction(t, b)
		checkComposite(t, rel, m, inputs)
		for i, s := range m.Runs.Steps {
			if v := s.With["go-version-file"]; v != "" && v != "${{ github.action_path }}/../../go.mod" {
				t.Errorf("%s: step %d reads go.mod from %s", rel, i, v)
			}
		}
	}
}
