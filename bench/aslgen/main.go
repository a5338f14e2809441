// Command aslgen writes the ASL benchmark corpus, internal/aslcorpus's
// definitions, as -n files NNNN.asl.json in -dir. bench/asl.sh runs it.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/stagecrew/stagecrew/internal/aslcorpus"
)

func main() {
	dir := flag.String("dir", "", "`folder` to write the definitions into (created if missing)")
	n := flag.Int("n", 1000, "number of definitions")
	seed := flag.Uint64("seed", 1, "random seed")
	flag.Parse()
	if err := run(*dir, *n, *seed); err != nil {
		fmt.Fprintf(os.Stderr, "aslgen: %v\n", err)
		os.Exit(1)
	}
}

func run(dir string, n int, seed uint64) error {
	if dir == "" || n <= 0 {
		return fmt.Errorf("-dir and a positive -n are required")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	invalid := 0
	for _, d := range aslcorpus.Generate(n, seed) {
		if !d.Valid {
			invalid++
		}
		if err := os.WriteFile(filepath.Join(dir, d.Name), d.JSON, 0o644); err != nil {
			return err
		}
	}
	fmt.Printf("%d definitions, %d invalid\n", n, invalid)
	return nil
}
