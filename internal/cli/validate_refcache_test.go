package cli

import (
	"strings"
	"testing"
)

// TestValidateSharedRefs: the files of one run share what their Location
// targets and placeholders read, yet each reference still means what it
// means next to its own file: a missing target is reported for every file
// naming it, and "./present.yaml" exists beside the top files but not in
// sub/, so only sub/'s Location is refused.
func TestValidateSharedRefs(t *testing.T) {
	location := func(name, target string) string {
		return "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: " + name +
			"\nspec:\n  type: file\n  target: " + target + "\n"
	}
	component := "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: c\n  description:\n    $text: ./present.yaml\nspec:\n  type: service\n  lifecycle: production\n  owner: team-a\n"
	dir := writeFiles(t, map[string]string{
		"present.yaml":          "hello\n",
		"a/catalog-info.yaml":   location("a", "../present.yaml") + "---\n" + location("a2", "./missing.yaml"),
		"catalog-info.yaml":     location("top", "./present.yaml") + "---\n" + location("top2", "./missing.yaml"),
		"sub/catalog-info.yaml": location("sub", "./present.yaml") + "---\n" + component,
	})
	code, out, _ := run(t, nil, "validate", dir)
	if code != ExitInvalid {
		t.Fatalf("exit %d, want %d:\n%s", code, ExitInvalid, out)
	}
	for _, want := range []string{
		"(Location:top2)",
		"(Location:a2)",
		"(Location:sub)",
		// The component's $text, beside sub/catalog-info.yaml.
		"sub/catalog-info.yaml:13:3: error: metadata.description: placeholder $text: ./present.yaml does not exist",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if n := strings.Count(out, "spec.target: target"); n != 3 {
		t.Errorf("%d targets reported missing, want 3 (top2, a2, sub):\n%s", n, out)
	}
	for _, bad := range []string{"(Location:top)", "(Location:a)"} {
		if strings.Contains(out, bad) {
			t.Errorf("output holds %q, whose target exists:\n%s", bad, out)
		}
	}
}
