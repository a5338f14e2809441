package catalog_test

import (
	"strings"
	"testing"

	"github.com/stagecrew/stagecrew/pkg/catalog"
)

// TestResolvePlaceholders: relative placeholders are read, absolute URLs
// are listed and not fetched ($text then counts as a string), and a
// missing file is a problem at the placeholder's line naming the file.
func TestResolvePlaceholders(t *testing.T) {
	text := `apiVersion: backstage.io/v1alpha1
kind: API
metadata:
  name: payments
  description:
    $text: https://example.com/README.md
  annotations:
    example.com/x: {$text: ./missing.txt}
spec:
  type: openapi
  lifecycle: production
  owner: payments
  definition:
    $text: ./openapi.yaml
`
	docs, err := catalog.Decode("api/catalog-info.yaml", []byte(text), catalog.DecodeOptions{})
	if err != nil || len(docs) != 1 || docs[0].Entity == nil {
		t.Fatalf("Decode: %v %+v", err, docs)
	}
	e := docs[0].Entity
	var asked []string
	res := catalog.Resolve(e, filesReader(map[string]string{"openapi.yaml": "openapi: 3.0.0\n"}).withLog(&asked))
	if got, _ := e.Spec["definition"].(string); got != "openapi: 3.0.0\n" {
		t.Errorf("definition = %q, want the file's text", got)
	}
	if len(res.Unfetched) != 1 || res.Unfetched[0] != "https://example.com/README.md" {
		t.Errorf("Unfetched = %v", res.Unfetched)
	}
	if len(res.Problems) != 1 || res.Problems[0].Line != 8 || !strings.Contains(res.Problems[0].Message, "./missing.txt does not exist") {
		t.Errorf("Problems = %v, want one at line 8 naming ./missing.txt", res.Problems)
	}
	if strings.Join(asked, ",") != "./missing.txt,./openapi.yaml" {
		t.Errorf("files read: %v", asked)
	}
	// The placeholders are gone, so the entity now validates (the missing
	// file is Resolve's problem, not Validate's).
	if err := catalog.Validate(e); err != nil {
		t.Errorf("Validate after Resolve: %v", err)
	}
}

// TestResolveLocation: a Location's relative targets must exist unless
// presence is optional; a type the catalog does not read is a problem.
func TestResolveLocation(t *testing.T) {
	for _, tt := range []struct {
		spec, want string
	}{
		{"{type: url, target: ./a.yaml}", ""},
		{"{type: url, targets: [./a.yaml, ./b.yaml]}", "./b.yaml does not exist"},
		{"{target: ./b.yaml, presence: optional}", ""},
		{"{type: github, target: ./a.yaml}", `"github" needs catalog.allowedLocationTypes`},
		{"{target: 'https://example.com/x.yaml'}", ""},
	} {
		text := "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata: {name: l}\nspec: " + tt.spec + "\n"
		docs, _ := catalog.Decode("catalog-info.yaml", []byte(text), catalog.DecodeOptions{})
		res := catalog.Resolve(docs[0].Entity, catalog.ReadFunc(filesReader(map[string]string{"a.yaml": ""})))
		var got string
		if len(res.Problems) > 0 {
			got = res.Problems[0].Message
		}
		if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
			t.Errorf("%s: problems %v, want %q", tt.spec, res.Problems, tt.want)
		}
	}
}
