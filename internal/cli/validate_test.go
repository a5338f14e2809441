package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// run runs stagecrew with args in dir and returns the exit code and streams.
func run(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	getenv := func(k string) string { return env[k] }
	code := Main(context.Background(), &IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}, getenv, args)
	return code, out.String(), errOut.String()
}

func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const groupYAML = `apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: payments
spec:
  type: team
  children: []
`

const componentYAML = `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: checkout
  annotations:
    aws.amazon.com/aws-stepfunctions-state-machine-arn: arn:aws:states:us-east-1:123456789012:stateMachine:checkout
spec:
  type: service
  lifecycle: production
  owner: payments
  system: shop
`

func TestValidateExitCodes(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"good/catalog-info.yaml":   groupYAML + "---\n" + componentYAML,
		"bad/catalog-info.yaml":    strings.Replace(componentYAML, "  owner: payments\n", "", 1),
		"workflow.yaml":            "on: push\njobs: {}\n", // not a catalog file: ignored in folders
		"syntax/catalog-info.yaml": "apiVersion: backstage.io/v1alpha1\nkind: [\n",
		"utf8/catalog-info.yaml":   "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: \xff}\n",
	})
	tests := []struct {
		name     string
		args     []string
		code     int
		contains []string
	}{
		{"valid file", []string{"validate", filepath.Join(dir, "good/catalog-info.yaml")}, 0,
			[]string{"2 entities in 1 file: 2 valid, 0 invalid; 0 errors, 1 warning", "spec.system: points to system:default/shop"}},
		{"strict makes dangling refs errors", []string{"validate", "--strict", filepath.Join(dir, "good")}, 1,
			[]string{"error: spec.system: points to system:default/shop"}},
		{"invalid entity", []string{"validate", filepath.Join(dir, "bad/catalog-info.yaml")}, 1,
			[]string{"bad/catalog-info.yaml:7:1: error: spec.owner: is required for kind Component (Component:checkout)"}},
		{"syntax error names the line", []string{"validate", filepath.Join(dir, "syntax")}, 1,
			[]string{"syntax/catalog-info.yaml:2: error: YAML syntax error"}},
		{"invalid UTF-8 names the line", []string{"validate", filepath.Join(dir, "utf8")}, 1,
			[]string{"utf8/catalog-info.yaml:3:18: error: file is not valid UTF-8"}},
		{"missing file is a usage error", []string{"validate", filepath.Join(dir, "nope.yaml")}, 2, nil},
		{"glob with no match", []string{"validate", filepath.Join(dir, "*.nothing")}, 2, nil},
		{"bad flag", []string{"validate", "--format", "xml"}, 2, nil},
		{"whole tree", []string{"validate", dir}, 1, []string{"3 entities in 4 files: 2 valid, 1 invalid, 2 files not read to the end; 3 errors, 1 warning"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := run(t, nil, tt.args...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, out, errOut)
			}
			for _, want := range tt.contains {
				if !strings.Contains(out, want) {
					t.Errorf("output lacks %q:\n%s", want, out)
				}
			}
		})
	}
}

func TestValidateDuplicates(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"a.yaml": groupYAML,
		"b.yaml": strings.Replace(groupYAML, "name: payments", "name: Payments", 1),
	})
	code, out, _ := run(t, nil, "validate", dir)
	if code != 1 || !strings.Contains(out, "group:default/payments is defined twice; first at "+filepath.Join(dir, "a.yaml")+":1") {
		t.Fatalf("exit %d, output:\n%s", code, out)
	}
}

func TestValidateJSON(t *testing.T) {
	dir := writeFiles(t, map[string]string{"catalog-info.yaml": strings.Replace(componentYAML, "name: checkout", "name: -checkout", 1)})
	code, out, _ := run(t, nil, "validate", "--format", "json", dir)
	if code != 1 {
		t.Fatalf("exit %d", code)
	}
	var rep ValidateReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if rep.Entities != 1 || rep.Invalid != 1 || rep.Errors != 1 {
		t.Fatalf("report = %+v", rep)
	}
	f := rep.Findings[0]
	if f.Field != "metadata.name" || f.Line != 4 || f.Column != 9 || f.Severity != "error" {
		t.Errorf("finding = %+v", f)
	}
}

func TestValidateGitHubAnnotations(t *testing.T) {
	dir := writeFiles(t, map[string]string{"svc/catalog-info.yaml": strings.Replace(componentYAML,
		"arn:aws:states:us-east-1:123456789012:stateMachine:checkout", "'arn:aws:ecs:us-east-1:123456789012:service/a/b'", 1)})
	env := map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_WORKSPACE": dir}
	code, out, _ := run(t, env, "validate", dir)
	if code != 1 {
		t.Fatalf("exit %d\n%s", code, out)
	}
	var line string
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "::error ") {
			line = l
		}
	}
	// Properties are escaped (":" and "," inside values) and the path is
	// relative to the workspace, as GitHub needs to place it on the diff.
	for _, want := range []string{"file=svc/catalog-info.yaml", "line=6", "title=stagecrew validate", "::metadata.annotations.aws.amazon.com/aws-stepfunctions-state-machine-arn: "} {
		if !strings.Contains(line, want) {
			t.Errorf("annotation %q lacks %q\nall output:\n%s", line, want, out)
		}
	}
	if strings.Contains(line, "\n") {
		t.Errorf("annotation spans lines")
	}
}

func TestHelp(t *testing.T) {
	code, out, _ := run(t, nil, "help")
	if code != 0 || !strings.Contains(out, "validate") {
		t.Fatalf("help: exit %d\n%s", code, out)
	}
	code, out, _ = run(t, nil, "validate", "--help")
	if code != 0 || !strings.Contains(out, "Examples:") || !strings.Contains(out, "--strict") {
		t.Fatalf("validate --help: exit %d\n%s", code, out)
	}
	if code, _, errOut := run(t, nil, "frobnicate"); code != 2 || !strings.Contains(errOut, "unknown command") {
		t.Fatalf("unknown command: exit %d, %s", code, errOut)
	}
}
