package catalog_test

import (
	"fmt"
	"io/fs"
	"path"
	"strings"
	"testing"

	"github.com/stagecrew/stagecrew/internal/corpus"
	"github.com/stagecrew/stagecrew/internal/testenv"
	"github.com/stagecrew/stagecrew/pkg/catalog"
)

// TestConformancePipeline hands every file of the corpus to a real catalog
// backend (test/backstage) as a dry-run url location, so the whole
// processing pipeline judges it: placeholders, the processing output
// collector, the policies, the kind processors and Location targets. A
// dry run stops at the first entity that fails, so the verdicts compared
// are one a file: stagecrew must find a problem in exactly the files the
// catalog refuses.
func TestConformancePipeline(t *testing.T) {
	cases := corpus.Tricky()
	srv := testenv.Backstage(t)
	if srv == nil {
		return
	}
	if corpus.BaseURL != testenv.PipelineBase {
		t.Fatal("corpus.BaseURL and testenv.PipelineBase differ")
	}
	pc := make([]testenv.PipelineCase, len(cases))
	for i, c := range cases {
		pc[i] = testenv.PipelineCase{ID: c.ID, YAML: c.YAML, Files: c.Files}
	}
	results := srv.DryRunLocations(t, pc)
	var ok, refused, disagree int
	for i, c := range cases {
		got, why := fileVerdict(c)
		want := results[i]
		if got != want.OK {
			disagree++
			t.Errorf("%s: stagecrew valid=%v, catalog valid=%v\n--- file:\n%s--- stagecrew: %s\n--- catalog: %s",
				c.ID, got, want.OK, c.YAML, strings.Join(why, " | "), want.Error)
			continue
		}
		if got {
			ok++
		} else {
			refused++
		}
	}
	t.Logf("pipeline conformance: %d files, %d accepted and %d refused by both, %d disagreed", len(cases), ok, refused, disagree)
	if ok < 100 || refused < 100 {
		t.Errorf("corpus is lopsided: %d accepted, %d refused", ok, refused)
	}
}

// fileVerdict is stagecrew's verdict on a whole corpus file as the
// catalog reads it from a repository: every document decodes, its
// placeholders and Location targets resolve against the files beside it,
// every entity validates, and no entity is there twice.
func fileVerdict(c corpus.Case) (bool, []string) {
	text := strings.ReplaceAll(c.YAML, corpus.BaseURL, "https://example.com/catalog")
	docs, err := catalog.Decode("catalog-info.yaml", []byte(text), catalog.DecodeOptions{})
	var why []string
	if err != nil {
		why = append(why, err.Error())
	}
	seen := map[string]bool{}
	for _, d := range docs {
		if d.Err != nil {
			why = append(why, d.Err.Error())
			continue
		}
		res := catalog.Resolve(d.Entity, catalog.ReadFunc(filesReader(c.Files)))
		for _, p := range res.Problems {
			why = append(why, p.String())
		}
		if err := catalog.Validate(d.Entity); err != nil {
			why = append(why, err.Error())
			continue
		}
		if _, problems := catalog.SpecRefs(d.Entity); len(problems) > 0 {
			why = append(why, problems[0].String())
			continue
		}
		key := d.Entity.Ref().Key()
		if seen[key] {
			why = append(why, "duplicate "+key)
		}
		seen[key] = true
	}
	return len(why) == 0, why
}

// filesReader reads a case's files by the reference a placeholder or
// Location target makes, relative to the catalog file.
func filesReader(files map[string]string) readFunc {
	return func(ref string) ([]byte, error) {
		name := path.Clean(strings.TrimPrefix(ref, "/"))
		if text, ok := files[name]; ok {
			return []byte(text), nil
		}
		return nil, fmt.Errorf("%s: %w", ref, fs.ErrNotExist)
	}
}

// readFunc is a catalog.ReadFunc that can also log what it was asked.
type readFunc func(ref string) ([]byte, error)

func (f readFunc) withLog(log *[]string) catalog.ReadFunc {
	return func(ref string) ([]byte, error) {
		*log = append(*log, ref)
		return f(ref)
	}
}
