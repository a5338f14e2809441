package config

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	yaml "go.yaml.in/yaml/v3"

	"github.com/stagecrew/stagecrew/internal/testenv"
)

type stepMeta struct {
	Name  string            `yaml:"name"`
	ID    string            `yaml:"id"`
	If    string            `yaml:"if"`
	Uses  string            `yaml:"uses"`
	Run   string            `yaml:"run"`
	Shell string            `yaml:"shell"`
	Env   map[string]string `yaml:"env"`
	With  map[string]string `yaml:"with"`
}

// TestRenderActions checks every action.yml stagecrew ships: the steps that
// install the verified release binary (or build it only when the ref has no
// release), the inputs each sub-action takes, and that the files committed
// are the ones the generator writes.
func TestRenderActions(t *testing.T) {
	root := testenv.RepoRoot(t)
	specs := Actions()
	if specs[0].Dir != "" || specs[0].File() != "action.yml" {
		t.Fatalf("the root action is not first: %+v", specs[0])
	}
	var dirs []string
	for _, s := range specs {
		dirs = append(dirs, s.Dir)
	}
	for _, want := range []string{"actions/start-execution", "actions/deploy-service", "actions/run-task", "actions/credentials", "actions/validate"} {
		if !slices.Contains(dirs, want) {
			t.Errorf("no sub-action %s", want)
		}
	}
	for _, s := range specs {
		b, err := RenderAction(s)
		if err != nil {
			t.Fatalf("%s: %v", s.File(), err)
		}
		on, err := os.ReadFile(filepath.Join(root, s.File()))
		if err != nil || !bytes.Equal(on, b) {
			t.Errorf("%s is not what the generator writes (%v); run go generate ./pkg/config", s.File(), err)
		}
		m, order, inputs := parseAction(t, b)
		checkComposite(t, s.File(), m, inputs)
		// The runner refuses an action whose metadata has an expression
		// where none is allowed ("A template expression is not allowed in
		// this context"): only an input's default may hold one.
		for name, in := range inputs {
			if strings.Contains(in.Description, "${{") {
				t.Errorf("%s: the description of input %s holds an expression", s.File(), name)
			}
		}
		for name, o := range m.Outputs {
			if strings.Contains(o.Description, "${{") {
				t.Errorf("%s: the description of output %s holds an expression", s.File(), name)
			}
		}
		var doc struct {
			Runs struct {
				Steps []stepMeta `yaml:"steps"`
			} `yaml:"runs"`
		}
		if err := yaml.Unmarshal(b, &doc); err != nil {
			t.Fatal(err)
		}
		steps := doc.Runs.Steps
		if len(steps) != 4 {
			t.Fatalf("%s: %d steps, want install, setup-go, build, run", s.File(), len(steps))
		}
		up := strings.Repeat("/..", strings.Count(s.Dir, "/")+1)
		if s.Dir == "" {
			up = ""
		}
		install := steps[0]
		if install.ID != "install" || install.Env["STAGECREW_CHECKSUMS"] != "${{ github.action_path }}"+up+"/checksums.txt" ||
			install.Run != "bash \"$GITHUB_ACTION_PATH"+up+"/install-stagecrew.sh\"\n" {
			t.Errorf("%s: install step = %+v", s.File(), install)
		}
		if _, err := os.Stat(filepath.Join(root, s.Dir, filepath.FromSlash(strings.TrimPrefix(up+"/install-stagecrew.sh", "/")))); err != nil {
			t.Errorf("%s: the install script is not where the step runs it: %v", s.File(), err)
		}
		for _, st := range steps[1:3] {
			if st.If != "steps.install.outputs.path == ''" {
				t.Errorf("%s: step %q runs even with a release (if: %q)", s.File(), st.Name, st.If)
			}
		}
		if !strings.HasPrefix(steps[1].Uses, "actions/setup-go@") || steps[1].With["go-version-file"] != "${{ github.action_path }}"+up+"/go.mod" ||
			steps[2].ID != "build" || !strings.Contains(steps[2].Run, `cd "$GITHUB_ACTION_PATH`+up+`"`) {
			t.Errorf("%s: fallback steps = %+v", s.File(), steps[1:3])
		}
		run := steps[3]
		if run.Env["STAGECREW_BIN"] != "${{ steps.install.outputs.path || steps.build.outputs.path }}" || !strings.Contains(run.Run, `"$STAGECREW_BIN"`) {
			t.Errorf("%s: run step = %+v", s.File(), run)
		}
		if s.Mode != "" && run.Env["INPUT_MODE"] != s.Mode {
			t.Errorf("%s: INPUT_MODE = %q, want %q", s.File(), run.Env["INPUT_MODE"], s.Mode)
		}
		if s.Mode != "" && slices.Contains(order, "mode") {
			t.Errorf("%s stands for mode %s but takes a mode input", s.File(), s.Mode)
		}
		for _, name := range order {
			if modes, ok := onlyFor[name]; ok && s.Mode != "" && !slices.Contains(modes, s.Mode) {
				t.Errorf("%s (mode %s) takes %s, which only %v read", s.File(), s.Mode, name, modes)
			}
		}
		for name, o := range m.Outputs {
			if o.Value != "${{ steps.run.outputs."+name+" }}" || o.Description == "" {
				t.Errorf("%s: output %s = %+v", s.File(), name, o)
			}
		}
	}
}

// TestCredentialsActionInputs: the credentials action takes who, where and
// the facts, plus export and profile, and nothing that starts or reports.
func TestCredentialsActionInputs(t *testing.T) {
	var spec ActionSpec
	for _, s := range Actions() {
		if s.Dir == "actions/credentials" {
			spec = s
		}
	}
	b, err := RenderAction(spec)
	if err != nil {
		t.Fatal(err)
	}
	_, order, inputs := parseAction(t, b)
	for _, want := range []string{"environment", "role-session-duration", "export", "profile", "audit-log", "policy-file"} {
		if !slices.Contains(order, want) {
			t.Errorf("credentials lacks input %s", want)
		}
	}
	for _, not := range []string{"mode", "wait", "comment", "check-run", "image", "input", "timeout", "notify"} {
		if slices.Contains(order, not) {
			t.Errorf("credentials takes %s", not)
		}
	}
	if d := inputs["export"].Default; d == nil || *d != ExportEnv {
		t.Errorf("export default = %v", d)
	}
}

func TestReadCredentials(t *testing.T) {
	in, err := ReadCredentials(action(map[string]string{}))
	if err != nil || in.Export != ExportEnv || in.Profile != "stagecrew" {
		t.Errorf("defaults = %+v, %v", in, err)
	}
	in, err = ReadCredentials(action(map[string]string{"export": "profile", "profile": "deploy-prod"}))
	if err != nil || in.Export != ExportProfile || in.Profile != "deploy-prod" {
		t.Errorf("profile = %+v, %v", in, err)
	}
	for _, bad := range []map[string]string{{"export": "file"}, {"profile": "a]b"}, {"profile": "x\n[default]"}, {"profile": strings.Repeat("a", 65)}} {
		if _, err := ReadCredentials(action(bad)); err == nil {
			t.Errorf("%v was accepted", bad)
		}
	}
}

// TestDeployServiceOutputs: deploy-service declares every output an ECS
// deploy writes (actions' ecsDeployOutputs), so a workflow can read the
// revision and the blue/green deployment without ${{ steps.x.outputs }}
// of an undeclared name resolving to "".
func TestDeployServiceOutputs(t *testing.T) {
	for _, s := range Actions() {
		if s.Dir != "actions/deploy-service" {
			continue
		}
		for _, want := range []string{"status", "deployment-id", "task-definition-arn", "codedeploy-deployment-id", "console-url", "audit-record"} {
			if !slices.Contains(s.Outputs, want) {
				t.Errorf("deploy-service outputs %v lack %s", s.Outputs, want)
			}
		}
		return
	}
	t.Fatal("no actions/deploy-service")
}
