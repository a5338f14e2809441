// Package fuzzseed gives differential tests what a fuzz target would try,
// in a normal test run: a target's seeds, the inputs saved under its
// testdata/fuzz folder, and deterministic mutations of them, so that one
// batch can be judged by the Node oracle and compared with the Go code.
package fuzzseed

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Saved returns the string inputs saved for a fuzz target under
// testdata/fuzz/<target> of the package under test (files in the
// "go test fuzz v1" format holding one string or []byte value).
func Saved(target string) []string {
	files, _ := filepath.Glob(filepath.Join("testdata", "fuzz", target, "*"))
	var out []string
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		lines := strings.SplitN(string(data), "\n", 3)
		if len(lines) < 2 || !strings.HasPrefix(lines[0], "go test fuzz v1") {
			continue
		}
		v := strings.TrimSpace(lines[1])
		for _, prefix := range []string{"string(", "[]byte("} {
			if strings.HasPrefix(v, prefix) && strings.HasSuffix(v, ")") {
				if s, err := strconv.Unquote(v[len(prefix) : len(v)-1]); err == nil {
					out = append(out, s)
				}
			}
		}
	}
	return out
}

// Mutations returns n deterministic mutations of seeds (seeded by seed),
// all valid UTF-8:
// bytes and pieces from alphabet inserted, bytes deleted, a piece of one
// seed spliced into another, runs duplicated. The seeds come first.
func Mutations(seeds []string, alphabet []string, n int, seed uint64) []string {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	out := append([]string(nil), seeds...)
	if len(seeds) == 0 {
		return out
	}
	for len(out) < len(seeds)+n {
		s := seeds[r.IntN(len(seeds))]
		for range 1 + r.IntN(3) {
			s = mutate(r, s, seeds, alphabet)
		}
		if utf8.ValidString(s) { // JSON would change a broken one on its way to Node
			out = append(out, s)
		}
	}
	return out
}

func mutate(r *rand.Rand, s string, seeds, alphabet []string) string {
	pos := 0
	if len(s) > 0 {
		pos = r.IntN(len(s) + 1)
	}
	switch r.IntN(5) {
	case 0, 1:
		return s[:pos] + alphabet[r.IntN(len(alphabet))] + s[pos:]
	case 2:
		if len(s) == 0 {
			return s
		}
		end := min(len(s), pos+1+r.IntN(3))
		if pos >= len(s) {
			pos = len(s) - 1
		}
		return s[:pos] + s[end:]
	case 3:
		o := seeds[r.IntN(len(seeds))]
		if o == "" {
			return s
		}
		a := r.IntN(len(o))
		b := a + r.IntN(len(o)-a) + 1
		return s[:pos] + o[a:b] + s[pos:]
	}
	if len(s) == 0 {
		return s
	}
	a := min(pos, len(s)-1)
	b := min(len(s), a+1+r.IntN(4))
	return s[:b] + s[a:b] + s[b:]
}
