// Package charsettest proves code that replaced a regular expression agrees
// with it: on strings mutated from valid examples (characters replaced,
// inserted, deleted, repeated to the length bounds) and on fuzz inputs.
package charsettest

import (
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
)

// Case pairs a regular expression with the function that replaced it.
type Case struct {
	Name   string
	Regexp string            // the expression the function must agree with
	Match  func(string) bool // the replacement
	Seeds  []string          // examples the expression matches
}

// pool returns the characters mutations insert: all of ASCII, a few runes
// from beyond it, and a byte that is not UTF-8.
func pool() []string {
	var p []string
	for c := range 0x80 {
		p = append(p, string(rune(c)))
	}
	return append(p, "é", "\u00a0", "\u2028", "日", "\U0001F600", "\xff", "\xc3")
}

// Mutants returns n strings derived from seeds by random edits, seeded with
// seed so a failure repeats.
func Mutants(seeds []string, n int, seed uint64) []string {
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	chars := pool()
	out := make([]string, 0, n)
	for len(out) < n {
		s := seeds[rng.IntN(len(seeds))]
		for range 1 + rng.IntN(3) {
			s = mutate(rng, chars, s)
		}
		out = append(out, s)
	}
	return out
}

func mutate(rng *rand.Rand, chars []string, s string) string {
	i := 0
	if len(s) > 0 {
		i = rng.IntN(len(s) + 1)
	}
	c := chars[rng.IntN(len(chars))]
	if rng.IntN(3) == 0 && len(s) > 0 {
		// Mostly characters the string already has: they keep it close
		// to matching.
		j := rng.IntN(len(s))
		c = s[j : j+1]
	}
	switch rng.IntN(6) {
	case 0: // replace
		if i < len(s) {
			return s[:i] + c + s[i+1:]
		}
		return s + c
	case 1: // insert
		return s[:i] + c + s[i:]
	case 2: // delete
		if i < len(s) {
			return s[:i] + s[i+1:]
		}
		return s
	case 3: // repeat one character up to a length bound and past it
		if i == len(s) {
			return s
		}
		bounds := []int{6, 12, 19, 20, 38, 39, 62, 63, 64, 80, 100, 128, 254, 255, 256, 511, 512, 513}
		n := bounds[rng.IntN(len(bounds))] - len(s) + rng.IntN(3)
		if n < 0 {
			return s
		}
		return s[:i] + strings.Repeat(s[i:i+1], n) + s[i:]
	case 4: // cut
		return s[:i]
	default: // swap halves
		return s[i:] + s[:i]
	}
}

// Check compares every case with its expression on its seeds, extra, and
// n mutants of its seeds; it fails unless each case also saw both verdicts
// (a comparison of only non-matches would prove little).
func Check(t *testing.T, cases []Case, n int, extra ...string) {
	t.Helper()
	for ci, c := range cases {
		re := regexp.MustCompile(c.Regexp)
		inputs := append(append(append([]string{}, c.Seeds...), extra...), Mutants(c.Seeds, n, uint64(ci)+1)...)
		var yes, no int
		for _, s := range inputs {
			want := re.MatchString(s)
			if got := c.Match(s); got != want {
				t.Errorf("%s(%q) = %v, regexp %s says %v", c.Name, s, got, c.Regexp, want)
			}
			if want {
				yes++
			} else {
				no++
			}
		}
		if yes == 0 || no == 0 {
			t.Errorf("%s: %d matches and %d non-matches among %d inputs: seed it with both", c.Name, yes, no, len(inputs))
		}
	}
}

// Fuzz adds the cases' seeds to f and checks every case on each fuzz input.
func Fuzz(f *testing.F, cases []Case) {
	res := make([]*regexp.Regexp, len(cases))
	for i, c := range cases {
		res[i] = regexp.MustCompile(c.Regexp)
		for _, s := range c.Seeds {
			f.Add(s)
		}
	}
	f.Fuzz(func(t *testing.T, s string) {
		for i, c := range cases {
			if got, want := c.Match(s), res[i].MatchString(s); got != want {
				t.Errorf("%s(%q) = %v, regexp %s says %v", c.Name, s, got, c.Regexp, want)
			}
		}
	})
}
