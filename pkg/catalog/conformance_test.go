package catalog_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stagecrew/stagecrew/internal/corpus"
	"github.com/stagecrew/stagecrew/internal/testenv"
	"github.com/stagecrew/stagecrew/pkg/catalog"
)

// verdicts reads a catalog file with stagecrew and returns one letter per
// document: V for a valid entity, I for an invalid one or a document that is
// not an entity. A file-level error counts as one more I.
func verdicts(text string) (string, []string) {
	docs, err := catalog.Decode("catalog-info.yaml", []byte(text), catalog.DecodeOptions{})
	var b strings.Builder
	var why []string
	for _, d := range docs {
		if d.Err != nil {
			b.WriteByte('I')
			why = append(why, d.Err.Error())
			continue
		}
		if verr := catalog.Validate(d.Entity); verr != nil {
			b.WriteByte('I')
			why = append(why, verr.Error())
			continue
		}
		b.WriteByte('V')
	}
	if err != nil {
		b.WriteByte('I')
		why = append(why, err.Error())
	}
	return b.String(), why
}

// TestConformance compares stagecrew's verdict on every file of the tricky
// corpus with the verdict of Backstage's own code (@backstage/catalog-model
// 1.10.3 and @backstage/plugin-scaffolder-common 2.4.0, as test/backstage runs
// them, reading the YAML with
// the npm yaml package as the catalog backend does). They must agree on all.
func TestConformance(t *testing.T) {
	cases := corpus.Tricky()
	if len(cases) < 500 {
		t.Fatalf("corpus has %d cases; the conformance bar is at least 500", len(cases))
	}
	oc := make([]testenv.OracleCase, len(cases))
	for i, c := range cases {
		oc[i] = testenv.OracleCase{ID: c.ID, YAML: c.YAML}
	}
	results := testenv.CatalogOracle(t, oc)
	if len(results) != len(cases) {
		t.Fatalf("oracle answered %d cases, want %d", len(results), len(cases))
	}
	var valid, invalid, disagree int
	for i, c := range cases {
		var want strings.Builder
		var oracleWhy []string
		for _, d := range results[i].Docs {
			if d.Valid {
				want.WriteByte('V')
			} else {
				want.WriteByte('I')
				oracleWhy = append(oracleWhy, d.Error)
			}
		}
		got, why := verdicts(c.YAML)
		// A YAML error ends the Go parser's stream; Backstage reports it as
		// one failed document too. Compare up to the first I when both fail
		// with a syntax error in the same document.
		if got != want.String() {
			disagree++
			t.Errorf("%s: stagecrew %q, Backstage %q\n--- file:\n%s--- stagecrew: %s\n--- Backstage: %s",
				c.ID, got, want.String(), c.YAML, strings.Join(why, " | "), strings.Join(oracleWhy, " | "))
			continue
		}
		valid += strings.Count(got, "V")
		invalid += strings.Count(got, "I")
	}
	t.Logf("conformance: %d files, %d valid and %d invalid documents agreed, %d files disagreed", len(cases), valid, invalid, disagree)
	if valid < 100 || invalid < 100 {
		t.Errorf("corpus is lopsided: %d valid, %d invalid documents; it must probe both sides", valid, invalid)
	}
}

// TestProblemPositions checks that problems point at the exact line and
// field.
func TestProblemPositions(t *testing.T) {
	text := `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: payments
  annotations:
    backstage.io/source-location: 12
  tags: [ok, Bad_Tag]
  links:
    - url: notaurl
spec:
  type: service
  lifecycle: production
`
	docs, err := catalog.Decode("svc/catalog-info.yaml", []byte(text), catalog.DecodeOptions{})
	if err != nil || len(docs) != 1 {
		t.Fatalf("Decode: %v, %d docs", err, len(docs))
	}
	verr := catalog.Validate(docs[0].Entity)
	var ve *catalog.ValidationError
	if !errors.As(verr, &ve) {
		t.Fatalf("Validate = %v, want *ValidationError", verr)
	}
	if !errors.Is(verr, catalog.ErrInvalidEntity) {
		t.Errorf("errors.Is(err, ErrInvalidEntity) = false")
	}
	want := map[string]string{
		"metadata.annotations.backstage.io/source-location": "svc/catalog-info.yaml:6:35",
		"metadata.tags.1":      "svc/catalog-info.yaml:7:14",
		"metadata.links.0.url": "svc/catalog-info.yaml:9:12",
		"spec.owner":           "svc/catalog-info.yaml:10:1",
	}
	got := map[string]string{}
	for _, p := range ve.Problems {
		got[p.Field] = p.Position.String()
	}
	for field, pos := range want {
		if got[field] != pos {
			t.Errorf("problem at %s: got position %q, want %q (all: %v)", field, got[field], pos, got)
		}
	}
	if len(ve.Problems) != len(want) {
		t.Errorf("got %d problems, want %d: %v", len(ve.Problems), len(want), ve)
	}
}

func TestDecodeErrors(t *testing.T) {
	bomb := "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
	tests := []struct {
		name     string
		text     string
		opts     catalog.DecodeOptions
		sentinel error
		line     int
		fileErr  bool
	}{
		{"syntax", "a: [b\n", catalog.DecodeOptions{}, catalog.ErrSyntax, 1, true},
		{"tab indent", "a:\n\tb: c\n", catalog.DecodeOptions{}, catalog.ErrSyntax, 2, true},
		{"invalid utf8", "a: b\nc: \xff\n", catalog.DecodeOptions{}, catalog.ErrInvalidUTF8, 2, true},
		{"too large", strings.Repeat("a", 100), catalog.DecodeOptions{MaxFileSize: 10}, catalog.ErrTooLarge, 0, true},
		{"alias bomb", bomb, catalog.DecodeOptions{}, catalog.ErrAliasBomb, 4, false},
		{"duplicate key", "a: 1\nb: 2\na: 3\n", catalog.DecodeOptions{}, catalog.ErrDuplicate, 3, false},
		{"not a mapping", "- a\n- b\n", catalog.DecodeOptions{}, catalog.ErrNotMapping, 1, false},
		{"scalar document", "hello\n", catalog.DecodeOptions{}, catalog.ErrNotMapping, 1, false},
		{"unknown anchor", "a: *nope\n", catalog.DecodeOptions{}, catalog.ErrSyntax, 1, true},
		{"line 1 mapping", "a: b: c\n", catalog.DecodeOptions{}, catalog.ErrSyntax, 1, true},
		{"line 1 token", "@a\n", catalog.DecodeOptions{}, catalog.ErrSyntax, 1, true},
		{"line 1 tab", "\ta: b\n", catalog.DecodeOptions{}, catalog.ErrSyntax, 1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			docs, err := catalog.Decode("f.yaml", []byte(tt.text), tt.opts)
			if !tt.fileErr {
				if err != nil || len(docs) != 1 {
					t.Fatalf("want one failed document, got err %v and %d docs", err, len(docs))
				}
				err = docs[0].Err
			}
			if !errors.Is(err, tt.sentinel) {
				t.Fatalf("err = %v, want %v", err, tt.sentinel)
			}
			var de *catalog.DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("err %T is not a *DecodeError", err)
			}
			if de.File != "f.yaml" || de.Line != tt.line {
				t.Errorf("position = %s, want f.yaml line %d", de.Position, tt.line)
			}
		})
	}
}

func TestNullDocumentsSkipped(t *testing.T) {
	text := "---\n---\napiVersion: backstage.io/v1alpha1\nkind: Domain\nmetadata: {name: d}\nspec: {owner: o}\n---\n~\n---\n"
	docs, err := catalog.Decode("f.yaml", []byte(text), catalog.DecodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) != 1 || docs[0].Entity == nil || docs[0].Entity.Metadata.Name != "d" {
		t.Fatalf("got %d docs, want the one Domain: %+v", len(docs), docs)
	}
	if docs[0].Source.Line != 3 {
		t.Errorf("source = %+v, want line 3", docs[0].Source)
	}
}

func ExampleValidate() {
	text := `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: payments
  labels:
    tier: yes
spec:
  type: service
  lifecycle: production
`
	docs, err := catalog.Decode("catalog-info.yaml", []byte(text), catalog.DecodeOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, d := range docs {
		fmt.Println(d.Entity.Ref())
		fmt.Println(catalog.Validate(d.Entity))
	}
	// Output:
	// component:default/payments
	// catalog-info.yaml:7:1: spec.owner: is required for kind Component
}

// TestDecodeDocumentLimit: 8 MiB of "---" lines is two million empty
// documents; the decoder stops at the limit with an error that says so,
// and DecodeEach hands documents over one at a time and stops when told.
func TestDecodeDocumentLimit(t *testing.T) {
	text := strings.Repeat("---\n", 50) + "---\nkind: A\n"
	_, err := catalog.Decode("f.yaml", []byte(text), catalog.DecodeOptions{MaxDocuments: 10})
	var de *catalog.DecodeError
	if !errors.As(err, &de) || !errors.Is(err, catalog.ErrTooManyDocuments) || de.File != "f.yaml" || de.Line != 11 {
		t.Fatalf("Decode of 51 documents with a limit of 10: %v", err)
	}
	docs, err := catalog.Decode("f.yaml", []byte(text), catalog.DecodeOptions{})
	if err != nil || len(docs) != 1 || docs[0].Source.Document != 50 {
		t.Fatalf("Decode within the default limit: %d docs, %v", len(docs), err)
	}
	many := strings.Repeat("---\nkind: A\nmetadata: {name: a}\n", 5)
	seen := 0
	err = catalog.DecodeEach("f.yaml", []byte(many), catalog.DecodeOptions{}, func(d catalog.Document) bool {
		seen++
		return seen < 3
	})
	if err != nil || seen != 3 {
		t.Fatalf("DecodeEach stopped after %d documents, %v; want 3", seen, err)
	}
}

// TestDecodeItemLimit: one document of a long flow list is refused before
// it is parsed; the documents before it are still read.
func TestDecodeItemLimit(t *testing.T) {
	text := "kind: A\nmetadata: {name: a}\n---\nkind: B\nspec:\n  dependsOn: [" + strings.Repeat("a,", 200) + "]\n"
	docs, err := catalog.Decode("f.yaml", []byte(text), catalog.DecodeOptions{MaxItems: 100})
	var de *catalog.DecodeError
	if !errors.As(err, &de) || !errors.Is(err, catalog.ErrDocumentTooLarge) || de.Line != 3 {
		t.Fatalf("Decode: %v, want ErrDocumentTooLarge at line 3", err)
	}
	if len(docs) != 1 || docs[0].Entity == nil || docs[0].Entity.Kind != "A" {
		t.Fatalf("documents before the large one: %+v", docs)
	}
	if _, err := catalog.Decode("f.yaml", []byte(text), catalog.DecodeOptions{}); err != nil {
		t.Fatalf("within the default limit: %v", err)
	}
}
