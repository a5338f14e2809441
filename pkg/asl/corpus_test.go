package asl

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// corpusCase is one file of testdata/valid or testdata/invalid. An invalid
// file is named RULE.json or RULE.what.json: RULE is the rule ID at least
// one of its errors must carry.
type corpusCase struct {
	name  string
	path  string
	valid bool
	rule  string // for invalid cases
	data  []byte
}

func loadCorpus(t testing.TB) []corpusCase {
	t.Helper()
	var cases []corpusCase
	for _, dir := range []string{"valid", "invalid"} {
		files, err := filepath.Glob(filepath.Join("testdata", dir, "*.json"))
		if err != nil || len(files) == 0 {
			t.Fatalf("no corpus files in testdata/%s: %v", dir, err)
		}
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			base := strings.TrimSuffix(filepath.Base(f), ".json")
			c := corpusCase{name: dir + "/" + base, path: f, valid: dir == "valid", data: data}
			if !c.valid {
				c.rule, _, _ = strings.Cut(base, ".")
			}
			cases = append(cases, c)
		}
	}
	return cases
}

func TestCorpus(t *testing.T) {
	known := map[string]bool{}
	for _, r := range Rules() {
		known[r.ID] = true
	}
	seen := map[string]bool{}
	for _, c := range loadCorpus(t) {
		t.Run(c.name, func(t *testing.T) {
			findings := Validate(c.data)
			for _, f := range findings {
				if !known[f.Rule] {
					t.Errorf("finding with unregistered rule %q: %v", f.Rule, f)
				}
				if f.Line < 1 || f.Column < 1 || f.Offset < 0 || f.Offset > len(c.data) {
					t.Errorf("finding out of the input: %v (offset %d of %d bytes)", f, f.Offset, len(c.data))
				}
				seen[f.Rule] = true
			}
			if c.valid {
				for _, f := range findings {
					if f.Severity == SeverityError {
						t.Errorf("valid definition has an error: %v", f)
					}
				}
				return
			}
			if !known[c.rule] {
				t.Fatalf("file names rule %q, which is not a rule", c.rule)
			}
			for _, f := range findings {
				if f.Rule == c.rule && f.Severity == SeverityError {
					return
				}
			}
			t.Errorf("want an error of rule %q; got %d findings:", c.rule, len(findings))
			for _, f := range findings {
				t.Logf("  %v", f)
			}
		})
	}
	// Every rule is exercised by some file (warnings by findings on valid ones).
	// definition-too-large needs a 1 MiB file: TestValidateTable has it.
	seen[ruleTooLarge] = true
	for id := range known {
		if !seen[id] {
			t.Errorf("no corpus file triggers rule %q", id)
		}
	}
}
