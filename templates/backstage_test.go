package templates

// Proof in a real Backstage: the shipped templates are registered through
// the real catalog, run by the real scaffolder (dry-run) with realistic
// values, and their rendered files checked with stagecrew's validation, the
// real catalog and actionlint; their form pages are checked with Ajv as
// Backstage's form checks them.
//
// One Backstage serves every test of the package. It reads
// testdata/catalog-info.yaml (the entity the deploy template deploys), so it
// is started here rather than through testenv.Backstage, whose catalog is
// the shared seed.

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rhysd/actionlint"
	"go.yaml.in/yaml/v3"

	"github.com/stagecrew/stagecrew/internal/testenv"
	"github.com/stagecrew/stagecrew/pkg/annotations"
	aslpkg "github.com/stagecrew/stagecrew/pkg/asl"
	"github.com/stagecrew/stagecrew/pkg/catalog"
	"github.com/stagecrew/stagecrew/pkg/stepfunctions"
)

func TestMain(m *testing.M) {
	code := m.Run()
	server.mu.Lock()
	if server.srv != nil {
		if err := server.srv.Close(); err != nil {
			fmt.Fprintf(os.Stderr, "templates: stopping Backstage: %v\n", err)
		}
	}
	server.mu.Unlock()
	os.Exit(code)
}

// server is the package's one Backstage, started by the first test that
// asks for it.
var server struct {
	mu      sync.Mutex
	started bool
	srv     *testenv.BackstageServer
	err     error
}

// backstage returns the package's Backstage server. Without node or the
// install of test/backstage the test fails under CI=true and is skipped,
// loudly, otherwise (testenv.NPM); a server that does not start fails it.
func backstage(t *testing.T) *testenv.BackstageServer {
	t.Helper()
	dir := testenv.NPM(t, "test/backstage")
	if t.Skipped() || t.Failed() {
		return nil
	}
	catalogFile, err := filepath.Abs(filepath.Join("testdata", "catalog-info.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	server.mu.Lock()
	if !server.started {
		server.started = true
		server.srv, server.err = testenv.StartBackstage(dir, testenv.BackstageOptions{CatalogFile: catalogFile})
		if server.err == nil {
			t.Logf("Backstage ready at %s in %v (pid %d)", server.srv.URL, server.srv.Startup.Round(time.Millisecond), server.srv.Pid)
		}
	}
	srv, err := server.srv, server.err
	server.mu.Unlock()
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("tail of Backstage's log (%s):\n%s", srv.LogPath, logTail(srv.LogPath, 8<<10))
		}
	})
	return srv
}

func logTail(path string, n int) []byte {
	b, err := os.ReadFile(path)
	if err != nil {
		return []byte(err.Error())
	}
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return b
}

// templateEntity reads folder/template.yaml as Backstage reads it, as JSON.
func templateEntity(t *testing.T, folder string) map[string]any {
	t.Helper()
	return decodeOne(t, filepath.Join(folder, "template.yaml"), nil).Raw
}

// decodeOne decodes a file of one entity (data, or the file at path when
// data is nil) and checks it with catalog.Validate.
func decodeOne(t *testing.T, path string, data []byte) *catalog.Entity {
	t.Helper()
	if data == nil {
		var err error
		if data, err = os.ReadFile(path); err != nil {
			t.Fatal(err)
		}
	}
	docs, err := catalog.Decode(path, data, catalog.DecodeOptions{})
	if err != nil || len(docs) != 1 || docs[0].Err != nil {
		t.Fatalf("%s: decode: %v, %d documents %v\n%s", path, err, len(docs), docs, data)
	}
	if err := catalog.Validate(docs[0].Entity); err != nil {
		t.Fatalf("%s: stagecrew's catalog.Validate: %v\n%s", path, err, data)
	}
	return docs[0].Entity
}

// validateEntity asks the real catalog about entity and returns its status
// and body.
func validateEntity(t *testing.T, bs *testenv.BackstageServer, entity map[string]any, location string) (int, string) {
	t.Helper()
	resp, body := bs.Do(t, http.MethodPost, "/api/catalog/validate-entity", map[string]any{"entity": entity, "location": location})
	return resp.StatusCode, string(body)
}

// file is one entry of a dry run's directoryContents.
type file struct {
	Path          string `json:"path"`
	Executable    bool   `json:"executable,omitempty"`
	Base64Content string `json:"base64Content"`
}

// skeletonContents is folder/skeleton as the directoryContents of a dry
// run: paths relative to the template, so fetch:template's url ./skeleton
// finds them.
func skeletonContents(t *testing.T, folder string) []file {
	t.Helper()
	files := []file{} // the scaffolder wants an array, even an empty one
	root := filepath.Join(folder, "skeleton")
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(folder, path)
		if err != nil {
			return err
		}
		files = append(files, file{Path: filepath.ToSlash(rel), Base64Content: base64.StdEncoding.EncodeToString(data)})
		return nil
	})
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return files
}

// dryRunResult is the answer of POST /api/scaffolder/v2/dry-run.
type dryRunResult struct {
	Log []struct {
		Body struct {
			StepID  string `json:"stepId"`
			Status  string `json:"status"`
			Message string `json:"message"`
		} `json:"body"`
	} `json:"log"`
	DirectoryContents []file `json:"directoryContents"`
	Output            struct {
		Links []struct {
			Title, URL, EntityRef string
		} `json:"links"`
		Text []struct{ Title, Content string } `json:"text"`
	} `json:"output"`
	Steps []struct{ ID, Name, Action string } `json:"steps"`

	files map[string][]byte
}

func dryRun(t *testing.T, bs *testenv.BackstageServer, tmpl map[string]any, values map[string]any, contents []file) *dryRunResult {
	t.Helper()
	resp, body := bs.Do(t, http.MethodPost, "/api/scaffolder/v2/dry-run", map[string]any{
		"template": tmpl, "values": values, "secrets": map[string]any{}, "directoryContents": contents,
	})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("dry run: %s %s", resp.Status, body)
	}
	var got dryRunResult
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatalf("dry run answer: %v\n%s", err, body)
	}
	got.files = map[string][]byte{}
	for _, f := range got.DirectoryContents {
		data, err := base64.StdEncoding.DecodeString(f.Base64Content)
		if err != nil {
			t.Fatalf("%s: %v", f.Path, err)
		}
		got.files[f.Path] = data
	}
	return &got
}

// logOf returns the log lines of one step, joined.
func (r *dryRunResult) logOf(step string) string {
	var b strings.Builder
	for _, l := range r.Log {
		if l.Body.StepID == step {
			b.WriteString(l.Body.Message)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// checkRan fails t unless every step of the run completed, except the
// steps named in skipped (step ID to action), which must have been skipped
// because their action does not support dry runs.
func (r *dryRunResult) checkRan(t *testing.T, tmpl map[string]any, skipped map[string]string) {
	t.Helper()
	steps := tmpl["spec"].(map[string]any)["steps"].([]any)
	for _, s := range steps {
		id := s.(map[string]any)["id"].(string)
		log := r.logOf(id)
		var statuses []string
		for _, l := range r.Log {
			if l.Body.StepID == id && l.Body.Status != "" {
				statuses = append(statuses, l.Body.Status)
			}
		}
		want := "completed"
		if _, ok := skipped[id]; ok {
			want = "skipped"
		}
		if !slices.Contains(statuses, want) || slices.Contains(statuses, "failed") {
			t.Errorf("step %s: statuses %v, want %s\n%s", id, statuses, want, log)
		}
		if action, ok := skipped[id]; ok {
			if want := "Skipping because " + action + " does not support dry-run"; !strings.Contains(log, want) {
				t.Errorf("step %s: log does not say %q:\n%s", id, want, log)
			}
		} else if strings.Contains(log, "Skipping because") {
			t.Errorf("step %s was skipped:\n%s", id, log)
		}
	}
}

// Realistic answers to the new-service templates' forms.
func newServiceValues(kind string) map[string]any {
	v := map[string]any{
		"name":         "orders-workflow",
		"description":  "Takes an order from payment to shipping",
		"owner":        "group:default/payments",
		"system":       "system:default/commerce",
		"accountId":    "123456789012",
		"region":       "eu-west-1",
		"environments": []any{"staging", "production"},
		"repoUrl":      "github.com?owner=acme&repo=orders-workflow",
	}
	if kind == "ecs-service" {
		v["name"] = "orders-api"
		v["repoUrl"] = "github.com?owner=acme&repo=orders-api"
		v["cluster"] = "payments"
		v["containerPort"] = 8443
		v["image"] = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/orders-api:1.4.2"
	}
	return v
}

func deployValues() map[string]any {
	return map[string]any{
		"entity":      "component:default/orders-workflow",
		"environment": "staging",
		"input":       `{"orderId": "o-1"}`,
		"ref":         "main",
	}
}

const templateLocation = "url:https://github.com/stagecrew/stagecrew/blob/main/templates/%s/template.yaml"

// TestTemplatesRegisterInBackstage: the real catalog accepts every template.
func TestTemplatesRegisterInBackstage(t *testing.T) {
	bs := backstage(t)
	for _, folder := range slices.Sorted(maps.Keys(All())) {
		t.Run(folder, func(t *testing.T) {
			status, body := validateEntity(t, bs, templateEntity(t, folder), fmt.Sprintf(templateLocation, folder))
			if status != http.StatusOK {
				t.Errorf("validate-entity: %d %s, want 200", status, body)
			}
		})
	}
}

// TestDryRunNewService runs the two new-service templates in the real
// scaffolder and checks what they write.
func TestDryRunNewService(t *testing.T) {
	bs := backstage(t)
	for _, folder := range []string{"stepfunctions-workflow", "ecs-service"} {
		t.Run(folder, func(t *testing.T) {
			tmpl := templateEntity(t, folder)
			values := newServiceValues(folder)
			start := time.Now()
			got := dryRun(t, bs, tmpl, values, skeletonContents(t, folder))
			t.Logf("dry run in %v: %d files, %d log lines", time.Since(start).Round(time.Millisecond), len(got.files), len(got.Log))
			got.checkRan(t, tmpl, map[string]string{"publish": "publish:github", "register": "catalog:register"})

			want := []string{"catalog-info.yaml", ".github/workflows/deploy.yaml"}
			if folder == "stepfunctions-workflow" {
				want = append(want, "statemachine/definition.asl.json")
			} else {
				want = append(want, "ecs/task-definition.json")
			}
			if paths := slices.Sorted(maps.Keys(got.files)); !slices.Equal(paths, slices.Sorted(slices.Values(want))) {
				t.Fatalf("rendered files %v, want %v", paths, want)
			}
			for path, data := range got.files {
				if bytes.Contains(data, []byte("${{ values.")) || bytes.Contains(data, []byte("{%")) {
					t.Errorf("%s holds unrendered template syntax:\n%s", path, data)
				}
			}

			checkCatalogInfo(t, bs, folder, values, got.files["catalog-info.yaml"])
			checkWorkflow(t, values, got.files[".github/workflows/deploy.yaml"])
			if folder == "stepfunctions-workflow" {
				checkASL(t, got.files["statemachine/definition.asl.json"])
			} else {
				checkTaskDefinition(t, values, got.files["ecs/task-definition.json"])
			}

			// The skipped steps' example outputs still render the output.
			if len(got.Output.Links) != 2 {
				t.Errorf("output links %+v, want 2", got.Output.Links)
			}
		})
	}
}

// checkCatalogInfo checks the rendered catalog-info.yaml with stagecrew's
// validation, its annotations' exact values, and the real catalog.
func checkCatalogInfo(t *testing.T, bs *testenv.BackstageServer, folder string, values map[string]any, data []byte) {
	t.Helper()
	name := values["name"].(string)
	e := decodeOne(t, "catalog-info.yaml", data)
	targets, err := annotations.Read(e)
	if err != nil {
		t.Fatalf("annotations.Read: %v\n%s", err, data)
	}
	if e.Metadata.Name != name || e.Metadata.Description != values["description"] {
		t.Errorf("metadata name %q description %q", e.Metadata.Name, e.Metadata.Description)
	}
	spec, err := catalog.SpecAs[catalog.ComponentSpec](e)
	if err != nil || spec.Owner != "group:default/payments" || spec.System != "system:default/commerce" {
		t.Errorf("spec %+v (%v), want owner group:default/payments, system system:default/commerce", spec, err)
	}
	if slug, _ := e.Annotation("github.com/project-slug"); slug != "acme/"+name {
		t.Errorf("github.com/project-slug = %q, want acme/%s", slug, name)
	}
	if src, _ := e.Annotation(catalog.AnnotationSourceLocation); src != "url:https://github.com/acme/"+name+"/tree/main/" {
		t.Errorf("source location = %q", src)
	}
	if !slices.Equal(targets.Environments, []string{"staging", "production"}) {
		t.Errorf("environments %q, want staging, production", targets.Environments)
	}
	for _, env := range []string{"staging", "production"} {
		got, err := targets.ForEnvironment(env)
		if err != nil {
			t.Errorf("ForEnvironment(%s): %v", env, err)
			continue
		}
		if want := "arn:aws:iam::123456789012:role/stagecrew-" + name + "-" + env; got.Role.String() != want {
			t.Errorf("%s role %s, want %s", env, got.Role, want)
		}
		switch folder {
		case "stepfunctions-workflow":
			// Started through the environment's alias, which deploys move.
			if want := "arn:aws:states:eu-west-1:123456789012:stateMachine:orders-workflow:" + env; got.StateMachine.String() != want || got.StateMachineAlias != env {
				t.Errorf("%s state machine %s alias %q, want %s and alias %s", env, got.StateMachine, got.StateMachineAlias, want, env)
			}
		case "ecs-service":
			if want := "arn:aws:ecs:eu-west-1:123456789012:service/payments/orders-api"; got.Service.String() != want {
				t.Errorf("%s service %s, want %s", env, got.Service, want)
			}
		}
	}
	switch folder {
	case "stepfunctions-workflow":
		if targets.StateMachineDefinition != "statemachine/definition.asl.json" {
			t.Errorf("state machine definition %q", targets.StateMachineDefinition)
		}
		const wantInput = `{"source": "${{ github.repository }}@${{ github.sha }}", "environment": "${{ stagecrew.environment }}"}`
		if targets.ExecutionInput != wantInput {
			t.Errorf("execution input %q, want %q", targets.ExecutionInput, wantInput)
		}
		in, err := annotations.RenderExecutionInput(targets.ExecutionInput, map[string]string{
			"github.repository": "acme/orders-workflow", "github.sha": "0123abc", "stagecrew.environment": "staging",
		})
		var v map[string]any
		if err != nil || json.Unmarshal([]byte(in), &v) != nil || v["source"] != "acme/orders-workflow@0123abc" || v["environment"] != "staging" {
			t.Errorf("execution input renders to %q (%v)", in, err)
		}
	case "ecs-service":
		if targets.Container != name || targets.TaskDefinition != "ecs/task-definition.json" {
			t.Errorf("container %q task definition %q", targets.Container, targets.TaskDefinition)
		}
	}
	if status, body := validateEntity(t, bs, e.Raw, "url:https://github.com/acme/"+name+"/blob/main/catalog-info.yaml"); status != http.StatusOK {
		t.Errorf("the real catalog refuses the rendered catalog-info.yaml: %d %s\n%s", status, body, data)
	}
}

// checkWorkflow lints the rendered deploy workflow with actionlint and
// checks how it calls stagecrew.
func checkWorkflow(t *testing.T, values map[string]any, data []byte) {
	t.Helper()
	linter, err := actionlint.NewLinter(io.Discard, &actionlint.LinterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	errs, err := linter.Lint(".github/workflows/deploy.yaml", data, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range errs {
		t.Errorf("actionlint: %d:%d: %s [%s]", e.Line, e.Column, e.Message, e.Kind)
	}
	if len(errs) > 0 {
		t.Logf("the workflow:\n%s", data)
	}

	var wf struct {
		On struct {
			WorkflowDispatch struct {
				Inputs map[string]struct {
					Type    string   `yaml:"type"`
					Options []string `yaml:"options"`
					Default string   `yaml:"default"`
				} `yaml:"inputs"`
			} `yaml:"workflow_dispatch"`
		} `yaml:"on"`
		Permissions map[string]string `yaml:"permissions"`
		Concurrency struct {
			Group string `yaml:"group"`
		} `yaml:"concurrency"`
		Jobs map[string]struct {
			Environment string `yaml:"environment"`
			Steps       []struct {
				Uses string            `yaml:"uses"`
				If   string            `yaml:"if"`
				With map[string]string `yaml:"with"`
			} `yaml:"steps"`
		} `yaml:"jobs"`
	}
	if err := yaml.Unmarshal(data, &wf); err != nil {
		t.Fatalf("workflow YAML: %v", err)
	}
	if wf.Permissions["id-token"] != "write" {
		t.Errorf("permissions %v, want id-token: write", wf.Permissions)
	}
	env := wf.On.WorkflowDispatch.Inputs["environment"]
	if env.Type != "choice" || !slices.Equal(env.Options, []string{"staging", "production"}) || env.Default != "staging" {
		t.Errorf("workflow_dispatch input environment %+v, want a choice of staging, production defaulting to staging", env)
	}
	for _, in := range []string{"entity", "environment", "image", "input"} {
		if _, ok := wf.On.WorkflowDispatch.Inputs[in]; !ok {
			t.Errorf("no workflow_dispatch input %s", in)
		}
	}
	const fromInput = "${{ github.event.inputs.environment || 'staging' }}"
	if wf.Concurrency.Group != "deploy-"+fromInput {
		t.Errorf("concurrency group %q, want one per environment deployed to", wf.Concurrency.Group)
	}
	var calls int
	var modes []string // of the stagecrew steps, in order, with their if
	for id, job := range wf.Jobs {
		if job.Environment != fromInput {
			t.Errorf("job %s runs in environment %q, want %q", id, job.Environment, fromInput)
		}
		for _, s := range job.Steps {
			if s.Uses != "stagecrew/stagecrew@v1" {
				continue
			}
			calls++
			modes = append(modes, s.With["mode"]+" if "+s.If)
			if s.With["environment"] != fromInput {
				t.Errorf("stagecrew step passes environment %q, want %q", s.With["environment"], fromInput)
			}
			if s.With["entity"] != "${{ github.event.inputs.entity || 'catalog-info.yaml' }}" {
				t.Errorf("stagecrew step passes entity %q", s.With["entity"])
			}
			// An image only when one is asked for: a push deploys the
			// committed task definition, never an older image.
			if _, ecs := values["image"]; ecs && s.With["image"] != "${{ github.event.inputs.image }}" {
				t.Errorf("stagecrew step passes image %q, want the dispatch input alone", s.With["image"])
			}
		}
	}
	if _, ecs := values["image"]; ecs {
		if calls != 1 {
			t.Errorf("%d steps use stagecrew/stagecrew@v1, want 1", calls)
		}
		return
	}
	// Step Functions: the definition is deployed (on a pull request only
	// validated and diffed), then, except on a pull request, started.
	want := []string{"stepfunctions-deploy if ", "stepfunctions if github.event_name != 'pull_request'"}
	if !slices.Equal(modes, want) {
		t.Errorf("stagecrew steps %q, want %q", modes, want)
	}
}

func checkASL(t *testing.T, data []byte) {
	t.Helper()
	var asl struct {
		Comment string                     `json:"Comment"`
		StartAt string                     `json:"StartAt"`
		States  map[string]json.RawMessage `json:"States"`
	}
	if err := json.Unmarshal(data, &asl); err != nil {
		t.Fatalf("ASL definition is not JSON: %v\n%s", err, data)
	}
	if _, ok := asl.States[asl.StartAt]; !ok || asl.StartAt == "" {
		t.Errorf("StartAt %q is not among the states %v", asl.StartAt, slices.Sorted(maps.Keys(asl.States)))
	}
	if !strings.HasPrefix(asl.Comment, "orders-workflow:") {
		t.Errorf("Comment %q", asl.Comment)
	}
	// What the skeleton's first push deploys passes the validator the
	// deploy runs (placeholders substituted as the deploy would).
	def, err := stepfunctions.Substitute("definition.asl.json", data, map[string]string{})
	if err != nil {
		t.Errorf("the skeleton's definition: %v", err)
	}
	for _, f := range aslpkg.Validate(def) {
		t.Errorf("the skeleton's definition: %s", f)
	}
}

func checkTaskDefinition(t *testing.T, values map[string]any, data []byte) {
	t.Helper()
	var td struct {
		Family               string `json:"family"`
		ContainerDefinitions []struct {
			Name         string `json:"name"`
			Image        string `json:"image"`
			PortMappings []struct {
				ContainerPort int `json:"containerPort"`
			} `json:"portMappings"`
			LogConfiguration struct {
				Options map[string]string `json:"options"`
			} `json:"logConfiguration"`
		} `json:"containerDefinitions"`
	}
	if err := json.Unmarshal(data, &td); err != nil {
		t.Fatalf("task definition is not JSON: %v\n%s", err, data)
	}
	if td.Family != values["name"] || len(td.ContainerDefinitions) != 1 {
		t.Fatalf("task definition %+v", td)
	}
	c := td.ContainerDefinitions[0]
	if c.Name != values["name"] || c.Image != values["image"] ||
		len(c.PortMappings) != 1 || c.PortMappings[0].ContainerPort != values["containerPort"] ||
		c.LogConfiguration.Options["awslogs-region"] != values["region"] {
		t.Errorf("container %+v, want %s running %s on port %d", c, values["name"], values["image"], values["containerPort"])
	}
}

// TestDryRunDeployEntity runs the deploy template against the entity of
// testdata/catalog-info.yaml.
func TestDryRunDeployEntity(t *testing.T) {
	bs := backstage(t)
	bs.WaitForEntity(t, "component:default/orders-workflow", 30*time.Second)
	tmpl := templateEntity(t, "deploy-entity")
	start := time.Now()
	got := dryRun(t, bs, tmpl, deployValues(), []file{})
	t.Logf("dry run in %v, %d log lines", time.Since(start).Round(time.Millisecond), len(got.Log))
	got.checkRan(t, tmpl, map[string]string{"dispatch": "github:actions:dispatch"})

	// Skipped steps' inputs are rendered into the log: what dispatch would
	// have sent.
	log := got.logOf("dispatch")
	for _, want := range []string{
		`"repoUrl": "github.com?owner=acme&repo=orders-workflow"`,
		`"workflowId": "deploy.yaml"`,
		`"branchOrTagName": "main"`,
		`"entity": "component:default/orders-workflow"`,
		`"environment": "staging"`,
		`"returnWorkflowRunDetails": true`,
		`"backstage-task": "`, // the dry run's task id (a real task's is checked in internal/testenv)
	} {
		if !strings.Contains(log, want) {
			t.Errorf("dispatch's log does not hold %s:\n%s", want, log)
		}
	}
	links := map[string]string{}
	for _, l := range got.Output.Links {
		links[l.Title] = l.URL + l.EntityRef
	}
	// A dry run skips the dispatch, so the run's URL (its output) is a
	// placeholder here; TestBackstageDeployTask sees the real one.
	if _, ok := links["Workflow run"]; !ok || links["Entity"] != "component:default/orders-workflow" {
		t.Errorf("output links %v", links)
	}
	if len(got.Output.Text) != 1 || !strings.Contains(got.Output.Text[0].Content, "**staging**") {
		t.Errorf("output text %+v", got.Output.Text)
	}

	// Without a ref, dispatch uses main.
	values := deployValues()
	delete(values, "ref")
	if log := dryRun(t, bs, tmpl, values, []file{}).logOf("dispatch"); !strings.Contains(log, `"branchOrTagName": "main"`) {
		t.Errorf("without ref, dispatch's log does not say main:\n%s", log)
	}
}

// TestDryRunMissingRequired: the scaffolder refuses values without a
// required parameter, naming it.
func TestDryRunMissingRequired(t *testing.T) {
	bs := backstage(t)
	for _, tc := range []struct{ folder, drop string }{
		{"stepfunctions-workflow", "accountId"},
		{"ecs-service", "owner"},
		{"deploy-entity", "entity"},
	} {
		t.Run(tc.folder, func(t *testing.T) {
			values := deployValues()
			if tc.folder != "deploy-entity" {
				values = newServiceValues(tc.folder)
			}
			delete(values, tc.drop)
			resp, body := bs.Do(t, http.MethodPost, "/api/scaffolder/v2/dry-run", map[string]any{
				"template": templateEntity(t, tc.folder), "values": values, "secrets": map[string]any{},
				"directoryContents": skeletonContents(t, tc.folder),
			})
			if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), `requires property \"`+tc.drop+`\"`) {
				t.Errorf("dry run without %s: %s %s, want 400 naming it", tc.drop, resp.Status, body)
			}
		})
	}
}

// formCase is one input of test/npm/form-validate.js.
type formCase struct {
	ID     string `json:"id"`
	Schema any    `json:"schema"`
	Data   any    `json:"data"`
}

type formVerdict struct {
	ID       string            `json:"id"`
	Valid    bool              `json:"valid"`
	Errors   []json.RawMessage `json:"errors"`
	Warnings []string          `json:"warnings"`
}

// formValidate judges cases with test/npm/form-validate.js.
func formValidate(t *testing.T, cases []formCase) []formVerdict {
	t.Helper()
	dir := testenv.NPM(t, "test/npm")
	if t.Skipped() || t.Failed() {
		return nil
	}
	in, err := json.Marshal(cases)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", filepath.Join(dir, "form-validate.js"))
	cmd.Dir = dir
	cmd.Stdin = bytes.NewReader(in)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("form-validate.js: %v\n%s", err, stderr.Bytes())
	}
	var out []formVerdict
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil || len(out) != len(cases) {
		t.Fatalf("form-validate.js answered %d verdicts for %d cases (%v):\n%s", len(out), len(cases), err, stdout.Bytes())
	}
	return out
}

// TestFormsValidateLikeBackstage feeds every page of every template, as
// template.yaml has it, to Ajv configured as Backstage's form configures
// it: realistic answers pass, wrong ones fail on the page that asks.
func TestFormsValidateLikeBackstage(t *testing.T) {
	type invalid struct {
		name  string
		field string
		value any // nil: the field is left out
	}
	bad := []invalid{
		{"short account", "accountId", "12345"},
		{"letters in account", "accountId", "12345678901a"},
		{"upper-case name", "name", "Orders-Workflow"},
		{"name ending in a dash", "name", "orders-"},
		{"name too long", "name", strings.Repeat("a", 51)},
		{"no environments", "environments", []any{}},
		{"twice the same environment", "environments", []any{"staging", "staging"}},
		{"bad environment", "environments", []any{"Staging"}},
		{"no owner", "owner", nil},
		{"bad region", "region", "europe"},
		{"port 0", "containerPort", 0},
		{"port 65536", "containerPort", 65536},
		{"port as text", "containerPort", "8080"},
		{"bad cluster", "cluster", "my cluster"},
		{"no entity", "entity", nil},
		{"bad environment name", "environment", "-staging"},
	}

	var cases []formCase
	type expect struct {
		valid bool
		field string
	}
	want := map[string]expect{}
	for _, folder := range slices.Sorted(maps.Keys(All())) {
		values := deployValues()
		if folder != "deploy-entity" {
			values = newServiceValues(folder)
		}
		pages := templateEntity(t, folder)["spec"].(map[string]any)["parameters"].([]any)
		for i, p := range pages {
			page := p.(map[string]any)
			asks := page["properties"].(map[string]any)
			id := fmt.Sprintf("%s/page %d (%s)", folder, i+1, page["title"])
			cases = append(cases, formCase{id + ": valid", page, values})
			want[id+": valid"] = expect{true, ""}
			// Defaults are what the form fills in: they must pass too.
			defaults := maps.Clone(values)
			for name, prop := range asks {
				if d, ok := prop.(map[string]any)["default"]; ok {
					defaults[name] = d
				}
			}
			cases = append(cases, formCase{id + ": defaults", page, defaults})
			want[id+": defaults"] = expect{true, ""}
			for _, b := range bad {
				if _, ok := asks[b.field]; !ok {
					continue
				}
				v := maps.Clone(values)
				if b.value == nil {
					delete(v, b.field)
				} else {
					v[b.field] = b.value
				}
				cid := id + ": " + b.name
				cases = append(cases, formCase{cid, page, v})
				want[cid] = expect{false, b.field}
			}
		}
	}
	// Every wrong answer was asked by some page.
	for _, b := range bad {
		found := false
		for id := range want {
			found = found || strings.HasSuffix(id, ": "+b.name)
		}
		if !found {
			t.Errorf("no page asks for %s (case %q)", b.field, b.name)
		}
	}

	start := time.Now()
	verdicts := formValidate(t, cases)
	if t.Skipped() {
		return
	}
	t.Logf("%d form cases judged in %v", len(cases), time.Since(start).Round(time.Millisecond))
	for _, v := range verdicts {
		w := want[v.ID]
		for _, warning := range v.Warnings {
			t.Errorf("%s: Ajv warns: %s", v.ID, warning)
		}
		switch {
		case w.valid && !v.Valid:
			t.Errorf("%s: refused: %s", v.ID, v.Errors)
		case !w.valid && v.Valid:
			t.Errorf("%s: accepted, want refused", v.ID)
		case !w.valid:
			// The refusal names the field that is wrong.
			if errs, _ := json.Marshal(v.Errors); !bytes.Contains(errs, []byte(w.field)) {
				t.Errorf("%s: refused for something else: %s", v.ID, v.Errors)
			}
		}
	}
}
