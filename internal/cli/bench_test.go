package cli

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stagecrew/stagecrew/internal/corpus"
)

const (
	benchEntities = 10000
	benchFiles    = 100
)

// writeBenchCorpus writes corpus.Large(benchEntities) into dir as benchFiles
// files of equal size and returns the bytes written.
func writeBenchCorpus(b *testing.B, dir string) int64 {
	b.Helper()
	docs := strings.Split(string(corpus.Large(benchEntities)), "---\n")[1:] // the text starts with "---\n"
	if len(docs) != benchEntities {
		b.Fatalf("corpus split into %d documents, want %d", len(docs), benchEntities)
	}
	per := benchEntities / benchFiles
	var total int64
	for f := 0; f < benchFiles; f++ {
		var text strings.Builder
		for _, d := range docs[f*per : (f+1)*per] {
			text.WriteString("---\n")
			text.WriteString(d)
		}
		name := filepath.Join(dir, fmt.Sprintf("catalog-%03d.yaml", f))
		if err := os.WriteFile(name, []byte(text.String()), 0o644); err != nil {
			b.Fatal(err)
		}
		total += int64(text.Len())
	}
	for name, text := range corpus.LargeFiles() { // the Locations' targets
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	return total
}

// BenchmarkValidateCommand runs 'stagecrew validate DIR' in-process over
// 10,000 entities in 100 files: collecting files, reading, decoding and
// validating them on all cores, the checks across files and the text report.
func BenchmarkValidateCommand(b *testing.B) {
	dir := b.TempDir()
	size := writeBenchCorpus(b, dir)
	env := func(string) string { return "" }
	args := []string{"validate", dir}

	// One untimed run to check the command reads the whole corpus: 5% of
	// the entities are invalid, so it exits ExitInvalid.
	var out, errOut bytes.Buffer
	code := Main(context.Background(), &IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}, env, args)
	summary := fmt.Sprintf("%d entities in %d files: %d valid, %d invalid", benchEntities, benchFiles, benchEntities*19/20, benchEntities/20)
	if code != ExitInvalid || !strings.Contains(out.String(), summary) {
		tail := out.String()
		if i := strings.LastIndex(strings.TrimSuffix(tail, "\n"), "\n"); i >= 0 {
			tail = tail[i+1:]
		}
		b.Fatalf("validate exited %d, want %d; last line %q, want it to hold %q; stderr %q", code, ExitInvalid, tail, summary, errOut.String())
	}

	streams := &IOStreams{In: strings.NewReader(""), Out: io.Discard, ErrOut: io.Discard}
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		if code := Main(context.Background(), streams, env, args); code != ExitInvalid {
			b.Fatalf("validate exited %d, want %d", code, ExitInvalid)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/benchEntities, "ns/entity")
}
