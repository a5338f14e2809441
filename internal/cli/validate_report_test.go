package cli

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/stagecrew/stagecrew/internal/corpus"
	"github.com/stagecrew/stagecrew/pkg/catalog"
	"github.com/stagecrew/stagecrew/pkg/logsafe"
)

// simpleBuildReport is buildReport as first written, all of it serial:
// every finding added in order (files' own findings and duplicates, then
// references to entities not found) up to maxFindings, then one stable
// sort. The report buildReport builds in parts on all cores must be the
// same, finding for finding.
func simpleBuildReport(results []fileResult, strict bool) *ValidateReport {
	rep := &ValidateReport{Findings: []Finding{}}
	add := func(f Finding) {
		if f.Severity == "error" {
			rep.Errors++
		} else {
			rep.Warnings++
		}
		if len(rep.Findings) < maxFindings {
			rep.Findings = append(rep.Findings, clipFinding(f))
		} else {
			rep.Omitted++
		}
	}
	known := map[string]*entitySummary{}
	var unique []*entitySummary
	for _, r := range results {
		if !r.counted {
			continue
		}
		rep.Files++
		rep.Valid += r.valid
		rep.Invalid += r.invalid
		rep.Unfetched += r.unfetched
		if r.fileErr {
			rep.FileErrors++
		}
		for _, f := range r.findings {
			add(f)
		}
		rep.Errors += r.omittedErrors
		rep.Warnings += r.omittedWarnings
		rep.Omitted += r.omittedErrors + r.omittedWarnings
		for i := range r.entities {
			e := &r.entities[i]
			if prev, dup := known[e.key]; dup {
				rep.Duplicates++
				add(Finding{File: e.file, Line: e.line, Entity: e.name, Severity: "error",
					Message: fmt.Sprintf("%s is defined twice; first at %s:%d", e.key, prev.file, prev.line)})
				continue
			}
			known[e.key] = e
			unique = append(unique, e)
		}
	}
	rep.Entities = rep.Valid + rep.Invalid
	severity := "warning"
	if strict {
		severity = "error"
	}
	for _, e := range unique {
		for _, u := range e.refs {
			if known[u.key] == nil {
				add(Finding{File: e.file, Line: u.line, Column: u.column, Entity: e.name,
					Field: u.field, Severity: severity, Message: fmt.Sprintf("points to %s, which is not in the files given", u.key)})
			}
		}
	}
	sort.SliceStable(rep.Findings, func(i, j int) bool {
		a, b := rep.Findings[i], rep.Findings[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Column < b.Column
	})
	return rep
}

// simpleWriteFinding is the text line of a finding as first written.
func simpleWriteFinding(w *bytes.Buffer, f Finding) {
	pos := catalog.Position{File: f.File, Line: f.Line, Column: f.Column}.String()
	what := f.Message
	if f.Field != "" {
		what = f.Field + ": " + what
	}
	if f.Entity != "" {
		what += " (" + f.Entity + ")"
	}
	if f.Rule != "" {
		what += " [" + f.Rule + "]"
	}
	w.WriteString(logsafe.Line(fmt.Sprintf("%s: %s: %s", pos, f.Severity, what)) + "\n")
}

// writeLargeCorpus writes corpus.Large(entities) into dir as files files
// of equal size, with the files its Locations name.
func writeLargeCorpus(t *testing.T, dir string, entities, files int) {
	t.Helper()
	docs := strings.Split(string(corpus.Large(entities)), "---\n")[1:]
	per := entities / files
	for f := range files {
		text := "---\n" + strings.Join(docs[f*per:(f+1)*per], "---\n")
		writeFile(t, filepath.Join(dir, fmt.Sprintf("catalog-%03d.yaml", f)), text)
	}
	for name, text := range corpus.LargeFiles() {
		writeFile(t, filepath.Join(dir, filepath.FromSlash(name)), text)
	}
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// writeTrickyCorpus writes every case of the conformance corpus as a
// folder of its own, twice (the second copies define every entity again).
func writeTrickyCorpus(t *testing.T, dir string) {
	t.Helper()
	for i, c := range corpus.Tricky() {
		for _, copyDir := range []string{"", "again"} {
			d := filepath.Join(dir, copyDir, fmt.Sprintf("c%03d", i))
			writeFile(t, filepath.Join(d, "catalog-info.yaml"), c.YAML)
			for name, text := range c.Files {
				writeFile(t, filepath.Join(d, filepath.FromSlash(name)), text)
			}
		}
	}
}

// writeCappedCorpus writes files of 1,050 invalid Components each (more
// than maxFileFindings) and valid ones pointing to entities in none of
// the files, so the caps cut both inside a file and across files.
func writeCappedCorpus(t *testing.T, dir string, files int) {
	t.Helper()
	for f := range files {
		var b strings.Builder
		for i := range 1050 {
			fmt.Fprintf(&b, "---\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: c%d-%d\n  tags: [Bad]\nspec:\n  type: service\n  lifecycle: production\n  owner: nobody\n", f, i)
			if i%10 == 0 {
				// A valid one: its owner and system dangle.
				fmt.Fprintf(&b, "---\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: v%d-%d\nspec:\n  type: service\n  lifecycle: production\n  system: s%d\n  owner: nobody\n", f, i, i)
			}
		}
		writeFile(t, filepath.Join(dir, fmt.Sprintf("capped-%02d", f), "catalog-info.yaml"), b.String())
	}
}

// TestBuildReportMatchesSimple compares buildReport and the text, JSON
// and GitHub output with the serial version they replace, on the
// benchmark corpus, the conformance corpus twice over (duplicates, file
// errors, placeholders naming other files), files past both caps, and
// files in an order that is not sorted (then the findings are not placed
// file by file, and the whole report is sorted at the end).
func TestBuildReportMatchesSimple(t *testing.T) {
	large, tricky, capped := t.TempDir(), t.TempDir(), t.TempDir()
	writeLargeCorpus(t, large, 10000, 100)
	writeTrickyCorpus(t, tricky)
	writeCappedCorpus(t, capped, 11)
	// Each corpus is read once; the last case puts the files of all
	// three in an order that is not sorted.
	read := func(dir string) []fileResult {
		set, err := discover(context.Background(), []string{dir}, discoverOptions{})
		if err != nil {
			t.Fatal(err)
		}
		defer set.Close()
		results, err := decodeAll(context.Background(), set.files)
		if err != nil {
			t.Fatal(err)
		}
		return results
	}
	largeResults, trickyResults, cappedResults := read(large), read(tricky), read(capped)
	mixed := slices.Concat(trickyResults, largeResults, cappedResults[3:5], cappedResults[:2])
	cases := []struct {
		name    string
		results []fileResult
		// what the case must reach for the comparison to mean something
		minFindings, minOmitted, minDuplicates int
	}{
		{"benchmark corpus", largeResults, maxFindings, 4000, 0},
		{"conformance corpus twice", trickyResults, 2000, 0, 800},
		{"past the caps", cappedResults, maxFindings, 3000, 0},
		{"files out of order", mixed, maxFindings, 5000, 800},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			results := tc.results
			for _, strict := range []bool{false, true} {
				want := simpleBuildReport(results, strict)
				got := buildReport(results, strict)
				if len(want.Findings) < tc.minFindings || want.Omitted < tc.minOmitted || want.Duplicates < tc.minDuplicates {
					t.Fatalf("case too small: %d findings, %d omitted, %d duplicates", len(want.Findings), want.Omitted, want.Duplicates)
				}
				if !reflect.DeepEqual(got, want) {
					for i := range min(len(got.Findings), len(want.Findings)) {
						if got.Findings[i] != want.Findings[i] {
							t.Fatalf("strict=%v: finding %d = %+v, want %+v", strict, i, got.Findings[i], want.Findings[i])
						}
					}
					got.Findings, want.Findings = nil, nil
					t.Fatalf("strict=%v: report = %+v, want %+v", strict, got, want)
				}
				var wantText bytes.Buffer
				for _, f := range want.Findings {
					simpleWriteFinding(&wantText, f)
				}
				writeSummary(&wantText, want)
				// Text as ValidateRun writes it: from the parts, not
				// joined.
				partsRep, parts := buildReportParts(results, strict)
				if partsRep.Findings != nil || len(joinFindings(parts)) != len(want.Findings) {
					t.Fatalf("strict=%v: buildReportParts gave Findings %v and %d findings in parts, want nil and %d", strict, partsRep.Findings != nil, len(joinFindings(parts)), len(want.Findings))
				}
				var partsText bytes.Buffer
				textOpts := &ValidateOptions{IO: &IOStreams{Out: &partsText}, Env: func(string) string { return "" }, Format: "text"}
				if err := writeReport(textOpts, partsRep, parts); err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(partsText.Bytes(), wantText.Bytes()) {
					t.Errorf("strict=%v, text from parts differs\n%s", strict, firstDifference(partsText.String(), wantText.String()))
				}
				for _, format := range []string{"text", "json", "github"} {
					var out bytes.Buffer
					opts := &ValidateOptions{IO: &IOStreams{Out: &out, ErrOut: &out}, Env: func(string) string { return "" }, Format: format}
					if err := writeReport(opts, got, nil); err != nil {
						t.Fatal(err)
					}
					var wantOut bytes.Buffer
					switch format {
					case "text":
						wantOut = wantText
					case "json":
						if err := writeJSON(&wantOut, want); err != nil {
							t.Fatal(err)
						}
					case "github":
						streams := &IOStreams{Out: &wantOut}
						writeAnnotations(streams, opts.Env, want.Findings, "stagecrew validate")
						writeSummary(&wantOut, want)
					}
					if !bytes.Equal(out.Bytes(), wantOut.Bytes()) {
						t.Errorf("strict=%v, --format %s: output differs (%d bytes, want %d)\n%s", strict, format, out.Len(), wantOut.Len(), firstDifference(out.String(), wantOut.String()))
					}
				}
			}
		})
	}
}

// firstDifference shows the first line where got and want differ.
func firstDifference(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := range min(len(g), len(w)) {
		if g[i] != w[i] {
			return fmt.Sprintf("line %d:\n got %q\nwant %q", i+1, g[i], w[i])
		}
	}
	return fmt.Sprintf("%d lines, want %d", len(g), len(w))
}

// TestChunkFindings checks that chunks hold every finding once, in order,
// at most size in a chunk and size in each but the last.
func TestChunkFindings(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for range 200 {
		var parts [][]Finding
		total := 0
		for range rng.IntN(6) {
			part := make([]Finding, rng.IntN(30))
			for i := range part {
				part[i].Line = total
				total++
			}
			parts = append(parts, part)
		}
		size := 1 + rng.IntN(12)
		chunks := chunkFindings(parts, size)
		next := 0
		for c, chunk := range chunks {
			n := 0
			for _, piece := range chunk {
				for _, f := range piece {
					if f.Line != next {
						t.Fatalf("size %d: finding %d where %d was due", size, f.Line, next)
					}
					next++
				}
				n += len(piece)
			}
			if n > size || (n < size && c != len(chunks)-1) || n == 0 {
				t.Fatalf("size %d: chunk %d of %d holds %d", size, c, len(chunks), n)
			}
		}
		if next != total {
			t.Fatalf("size %d: %d findings in chunks, want %d", size, next, total)
		}
	}
}

// TestSortFindings compares sortFindings with sort.SliceStable on random
// findings: few files, lines and columns (many equal keys, whose order
// must be kept), in runs of random length.
func TestSortFindings(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for n := range 300 {
		fs := make([]Finding, n)
		for i := range fs {
			fs[i] = Finding{File: fmt.Sprint("f", rng.IntN(3)), Line: rng.IntN(5), Column: rng.IntN(3), Message: fmt.Sprint(i)}
		}
		if n%3 == 0 { // long ascending runs, as buildReport gives
			sort.SliceStable(fs[:n/2], func(i, j int) bool { return findingLess(&fs[i], &fs[j]) })
			sort.SliceStable(fs[n/2:], func(i, j int) bool { return findingLess(&fs[n/2+i], &fs[n/2+j]) })
		}
		want := append([]Finding(nil), fs...)
		sort.SliceStable(want, func(i, j int) bool { return findingLess(&want[i], &want[j]) })
		if got := sortFindings(fs); !reflect.DeepEqual(got, want) && n > 0 {
			t.Fatalf("n=%d: sortFindings = %v, want %v", n, got, want)
		}
	}
}

// TestAppendFindingMatchesSimple checks the text line of findings with
// and without each part, and with text logsafe must escape.
func TestAppendFindingMatchesSimple(t *testing.T) {
	for _, f := range []Finding{
		{File: "a.yaml", Severity: "error", Message: "m"},
		{File: "a.yaml", Line: 3, Severity: "warning", Message: "m", Field: "spec.owner"},
		{File: "a.yaml", Line: 3, Column: 7, Severity: "error", Message: "m", Entity: "Component:x", Rule: "R1"},
		{File: "::error::x.yaml", Line: 120, Column: 4500, Severity: "error", Message: "bad\x1b[31m\u202e", Field: "##[group]"},
		{File: "  ::x", Severity: "error", Message: "\xff"},
	} {
		var want bytes.Buffer
		simpleWriteFinding(&want, f)
		var got bytes.Buffer
		writeFinding(&got, f)
		if got.String() != want.String() {
			t.Errorf("writeFinding(%+v) = %q, want %q", f, got.String(), want.String())
		}
	}
}

// BenchmarkValidateReport times what runs once the files of the
// 10,000-entity corpus are checked: buildReport and the text report.
func BenchmarkValidateReport(b *testing.B) {
	dir := b.TempDir()
	writeBenchCorpus(b, dir)
	set, err := discover(context.Background(), []string{dir}, discoverOptions{})
	if err != nil {
		b.Fatal(err)
	}
	defer set.Close()
	results, err := decodeAll(context.Background(), set.files)
	if err != nil {
		b.Fatal(err)
	}
	opts := &ValidateOptions{IO: &IOStreams{Out: io.Discard, ErrOut: io.Discard}, Env: func(string) string { return "" }, Format: "text"}
	b.ReportAllocs()
	for b.Loop() {
		rep, parts := buildReportParts(results, false)
		if err := writeReport(opts, rep, parts); err != nil {
			b.Fatal(err)
		}
	}
}

// TestSummarize checks the strings summarize cuts from one block against
// their plain forms: entityName, Ref.Key, and each reference's Field and
// Target.Key from catalog.SpecRefs.
func TestSummarize(t *testing.T) {
	texts := []string{string(corpus.Large(300))}
	for _, c := range corpus.Tricky() {
		texts = append(texts, c.YAML)
	}
	texts = append(texts, "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: Ünï, namespace: Défault}\n"+
		"spec: {type: s, lifecycle: l, owner: 'Group:ÄB/ç', dependsOn: ['Resource:x/Ÿ', 'api:y'], system: Sÿs}\n")
	checked, refs := 0, 0
	for i, text := range texts {
		docs, err := catalog.Decode(fmt.Sprintf("case-%d.yaml", i), []byte(text), catalog.DecodeOptions{})
		if err != nil {
			continue
		}
		for _, d := range docs {
			if d.Err != nil {
				continue
			}
			e := d.Entity
			var r fileResult
			sum := summarize(e, &r)
			if sum.name != entityName(e) || sum.key != e.Ref().Key() || sum.file != e.Source.File || sum.line != e.Source.Line {
				t.Errorf("%s: summary %q %q %s:%d, want %q %q %s:%d", e.Source.File, sum.name, sum.key, sum.file, sum.line,
					entityName(e), e.Ref().Key(), e.Source.File, e.Source.Line)
			}
			specRefs, problems := catalog.SpecRefs(e)
			if len(sum.refs) != len(specRefs) || len(r.findings) != len(problems) {
				t.Fatalf("%s: %d refs and %d findings, want %d and %d", e.Source.File, len(sum.refs), len(r.findings), len(specRefs), len(problems))
			}
			for k, u := range specRefs {
				want := refUse{field: u.Field, line: u.Position.Line, column: u.Position.Column, key: u.Target.Key()}
				if sum.refs[k] != want {
					t.Errorf("%s: ref %d = %+v, want %+v", e.Source.File, k, sum.refs[k], want)
				}
			}
			checked++
			refs += len(specRefs)
		}
	}
	if checked < 500 || refs < 500 {
		t.Fatalf("only %d entities and %d references checked", checked, refs)
	}
}
