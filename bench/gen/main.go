// Command gen writes the benchmark corpus: corpus.Large(-n) split into -files
// catalog files of equal size in -dir, for 'stagecrew validate', and the
// same entities as one multi-document file at -combined, for Backstage's
// validator under node. bench/validate.sh runs it.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/stagecrew/stagecrew/internal/corpus"
)

func main() {
	dir := flag.String("dir", "", "`folder` to write the catalog files into (created if missing)")
	combined := flag.String("combined", "", "`file` to write every entity into, as one YAML stream")
	n := flag.Int("n", 10000, "number of entities")
	files := flag.Int("files", 100, "number of catalog files; must divide -n")
	flag.Parse()
	if err := run(*dir, *combined, *n, *files); err != nil {
		fmt.Fprintf(os.Stderr, "gen: %v\n", err)
		os.Exit(1)
	}
}

func run(dir, combined string, n, files int) error {
	if dir == "" || combined == "" {
		return fmt.Errorf("-dir and -combined are required")
	}
	if n <= 0 || files <= 0 || n%files != 0 {
		return fmt.Errorf("-files %d must divide -n %d", files, n)
	}
	data := corpus.Large(n)
	docs := strings.Split(string(data), "---\n")[1:] // the text starts with "---\n"
	if len(docs) != n {
		return fmt.Errorf("corpus split into %d documents, want %d", len(docs), n)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	per := n / files
	for f := 0; f < files; f++ {
		var text strings.Builder
		for _, d := range docs[f*per : (f+1)*per] {
			text.WriteString("---\n")
			text.WriteString(d)
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("catalog-%03d.yaml", f)), []byte(text.String()), 0o644); err != nil {
			return err
		}
	}
	for name, text := range corpus.LargeFiles() {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			return err
		}
	}
	return os.WriteFile(combined, data, 0o644)
}
