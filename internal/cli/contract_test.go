package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

const k8sManifest = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 2\n"

const openShiftTemplate = "apiVersion: template.openshift.io/v1\nkind: Template\nmetadata:\n  name: t\nobjects: []\n"

// TestValidateDiscovery: .backstage is read, testdata, node_modules and
// --exclude are not, and YAML without a Backstage apiVersion (Kubernetes
// manifests, OpenShift Templates) is not judged.
func TestValidateDiscovery(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		".backstage/catalog-info.yaml":           groupYAML,
		"deploy/k8s.yaml":                        k8sManifest,
		"openshift/template.yaml":                openShiftTemplate,
		"testdata/catalog-info.yaml":             "apiVersion: backstage.io/v1alpha1\nkind: Component\n",
		"node_modules/x/catalog-info.yaml":       "apiVersion: backstage.io/v1alpha1\nkind: Component\n",
		"examples/bad/catalog-info.yaml":         "apiVersion: backstage.io/v1alpha1\nkind: Component\n",
		"services/api/entities.yaml":             strings.Replace(componentYAML, "  system: shop\n", "", 1),
		".github/workflows/ci.yaml":              "on: push\n",
		"templates/t/skeleton/catalog-info.yaml": "${{ values.name }}\n",
	})
	code, out, errOut := run(t, nil, "validate", dir)
	if code != ExitInvalid || !strings.Contains(out, "3 entities in 3 files: 2 valid, 1 invalid;") {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut = run(t, nil, "validate", "--exclude", "examples", dir)
	if code != ExitOK || !strings.Contains(out, "2 entities in 2 files: 2 valid, 0 invalid") {
		t.Fatalf("--exclude examples: exit %d\n%s%s", code, out, errOut)
	}
	code, out, _ = run(t, nil, "validate", "--exclude", "examples/bad", "--exclude", "*.yml", dir)
	if code != ExitOK || !strings.Contains(out, "2 entities in 2 files") {
		t.Fatalf("--exclude examples/bad: exit %d\n%s", code, out)
	}
	// A path with nothing to check is a usage error that says so.
	code, _, errOut = run(t, nil, "validate", filepath.Join(dir, "deploy"))
	if code != ExitUsage || !strings.Contains(errOut, "no catalog file to check") {
		t.Fatalf("folder of manifests: exit %d, %s", code, errOut)
	}
	code, _, errOut = run(t, nil, "template", "lint", filepath.Join(dir, ".backstage", "catalog-info.yaml"))
	if code != ExitUsage || !strings.Contains(errOut, "no Template") {
		t.Fatalf("template lint on a Group: exit %d, %s", code, errOut)
	}
}

// TestValidateSummaryCountsEveryError: a run that fails never reads
// "0 invalid" alone.
func TestValidateSummaryCountsEveryError(t *testing.T) {
	dir := writeFiles(t, map[string]string{"a.yaml": groupYAML, "b.yaml": groupYAML})
	code, out, _ := run(t, nil, "validate", dir)
	if code != ExitInvalid || !strings.Contains(out, "2 valid, 0 invalid, 1 defined twice; 1 error") {
		t.Fatalf("duplicates: exit %d\n%s", code, out)
	}
}

// TestValidatePlaceholders: $text read beside the file, a missing one
// named, an absolute URL not fetched and said so.
func TestValidatePlaceholders(t *testing.T) {
	api := "apiVersion: backstage.io/v1alpha1\nkind: API\nmetadata:\n  name: pay\n  annotations: \nspec:\n  type: openapi\n  lifecycle: production\n  owner: payments\n  definition:\n    $text: %s\n"
	dir := writeFiles(t, map[string]string{
		"ok/catalog-info.yaml":      strings.Replace(api, "%s", "./openapi.yaml", 1),
		"ok/openapi.yaml":           "openapi: 3.0.0\n",
		"missing/catalog-info.yaml": strings.Replace(api, "%s", "./nope.yaml", 1),
		"remote/catalog-info.yaml":  strings.Replace(api, "%s", "https://example.com/openapi.yaml", 1),
	})
	if code, out, _ := run(t, nil, "validate", filepath.Join(dir, "ok")); code != ExitOK {
		t.Errorf("relative $text with its file: exit %d\n%s", code, out)
	}
	code, out, _ := run(t, nil, "validate", filepath.Join(dir, "missing"))
	if code != ExitInvalid || !strings.Contains(out, "catalog-info.yaml:10:") || !strings.Contains(out, "./nope.yaml does not exist") {
		t.Errorf("missing $text file: exit %d\n%s", code, out)
	}
	code, out, _ = run(t, nil, "validate", filepath.Join(dir, "remote"))
	if code != ExitOK || !strings.Contains(out, "1 placeholder with an absolute URL not fetched") {
		t.Errorf("absolute $text: exit %d\n%s", code, out)
	}
}

// TestValidateOutputContract: with GITHUB_ACTIONS=true, --format json is
// JSON alone on stdout and workflow commands appear nowhere; --format
// github writes them; "-" reads standard input.
func TestValidateOutputContract(t *testing.T) {
	dir := writeFiles(t, map[string]string{"catalog-info.yaml": strings.Replace(componentYAML, "name: checkout", "name: -checkout", 1)})
	env := map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_WORKSPACE": dir}
	code, out, errOut := run(t, env, "validate", "--format", "json", dir)
	var rep ValidateReport
	if code != ExitInvalid || json.Unmarshal([]byte(out), &rep) != nil || rep.Errors != 1 {
		t.Fatalf("json in Actions: exit %d, not pure JSON:\n%s", code, out)
	}
	if strings.Contains(out+errOut, "::error") {
		t.Errorf("workflow commands with --format json:\n%s\n%s", out, errOut)
	}
	code, out, _ = run(t, nil, "validate", "--format", "github", dir)
	if code != ExitInvalid || !strings.HasPrefix(out, "::error ") || !strings.Contains(out, "✗ 1 entity") {
		t.Errorf("--format github: exit %d\n%s", code, out)
	}
	var stdout, stderr bytes.Buffer
	streams := &IOStreams{In: strings.NewReader(groupYAML), Out: &stdout, ErrOut: &stderr}
	code = Main(context.Background(), streams, func(string) string { return "" }, []string{"validate", "-"})
	if code != ExitOK || !strings.Contains(stdout.String(), "1 entity in 1 file") {
		t.Errorf("stdin: exit %d\n%s%s", code, stdout.String(), stderr.String())
	}
	streams = &IOStreams{In: strings.NewReader(""), Out: &stdout, ErrOut: &stderr}
	if code := Main(context.Background(), streams, func(string) string { return "" }, []string{"validate", "-"}); code != ExitUsage {
		t.Errorf("empty stdin: exit %d, want %d", code, ExitUsage)
	}
}

// TestCommandLine: version, groups alone, did-you-mean.
func TestCommandLine(t *testing.T) {
	code, out, _ := run(t, nil, "version")
	if code != ExitOK || !strings.HasPrefix(out, "stagecrew ") {
		t.Errorf("version: exit %d, %q", code, out)
	}
	var stdout, stderr bytes.Buffer
	code = MainVersion(context.Background(), &IOStreams{In: strings.NewReader(""), Out: &stdout, ErrOut: &stderr},
		func(string) string { return "" }, []string{"version"}, "v1.2.3")
	if code != ExitOK || !strings.HasPrefix(stdout.String(), "stagecrew v1.2.3") {
		t.Errorf("release version: %q", stdout.String())
	}
	for _, group := range []string{"template", "iam", "schema"} {
		code, _, errOut := run(t, nil, group)
		if code != ExitUsage || !strings.Contains(errOut, "stagecrew "+group+" ") || strings.Contains(errOut, "unknown command") {
			t.Errorf("%s alone: exit %d\n%s", group, code, errOut)
		}
	}
	code, _, errOut := run(t, nil, "validat", ".")
	if code != ExitUsage || !strings.Contains(errOut, "did you mean 'stagecrew validate'?") {
		t.Errorf("validat: exit %d, %s", code, errOut)
	}
	code, _, errOut = run(t, nil, "iam", "permissions", "--entity", "../../examples/catalog/stepfunctions/catalog-info.yaml", "--environment", "nope")
	if code != ExitUsage || !strings.Contains(errOut, "nope") {
		t.Errorf("unknown environment: exit %d, %s", code, errOut)
	}
	code, _, errOut = run(t, nil, "template", "lnt")
	if code != ExitUsage || !strings.Contains(errOut, "did you mean 'stagecrew template lint'?") {
		t.Errorf("template lnt: exit %d, %s", code, errOut)
	}
}
