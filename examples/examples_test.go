// Package examples holds files users copy; its test keeps them correct.
package examples

import (
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/rhysd/actionlint"

	"github.com/stagecrew/stagecrew/pkg/annotations"
	"github.com/stagecrew/stagecrew/pkg/catalog"
)

// TestWorkflowsPassActionlint lints every example workflow.
func TestWorkflowsPassActionlint(t *testing.T) {
	files, err := filepath.Glob("workflows/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no example workflows: %v", err)
	}
	linter, err := actionlint.NewLinter(io.Discard, &actionlint.LinterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		errs, err := linter.Lint(f, data, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range errs {
			t.Errorf("%s:%d:%d: %s [%s]", f, e.Line, e.Column, e.Message, e.Kind)
		}
	}
}

// TestCatalogExamplesValid validates every example catalog file as
// stagecrew validate does.
func TestCatalogExamplesValid(t *testing.T) {
	files, _ := filepath.Glob("catalog/*/catalog-info.yaml")
	if len(files) == 0 {
		t.Fatal("no example catalog files")
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		docs, err := catalog.Decode(f, data, catalog.DecodeOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range docs {
			if d.Err != nil {
				t.Errorf("%v", d.Err)
				continue
			}
			if err := catalog.Validate(d.Entity); err != nil {
				t.Errorf("%v", err)
			}
			if _, err := annotations.Read(d.Entity); err != nil {
				t.Errorf("%v", err)
			}
		}
	}
}
