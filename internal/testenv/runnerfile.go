package testenv

import (
	"os"
	"strings"
	"testing"
)

// ReadRunnerFile reads a runner file command file (GITHUB_OUTPUT,
// GITHUB_ENV) as the runner does (actions/runner's FileCommandManager:
// "name=value" lines, or "name<<DELIMITER", the value's lines, then a line
// that is exactly the delimiter), returning "name=value" entries in file
// order. A missing file reads as none.
//
// A hand-written model of the runner's parser: no runner runs in unit
// tests (the act tests run a real one).
func ReadRunnerFile(t testing.TB, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return ParseRunnerFile(t, string(b))
}

// ParseRunnerFile is ReadRunnerFile for the file's text.
func ParseRunnerFile(t testing.TB, s string) []string {
	t.Helper()
	var out []string
	if s == "" {
		return nil
	}
	lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	for i := 0; i < len(lines); i++ {
		name, delim, ok := strings.Cut(lines[i], "<<")
		if !ok {
			out = append(out, lines[i])
			continue
		}
		var val []string
		for i++; i < len(lines) && lines[i] != delim; i++ {
			val = append(val, lines[i])
		}
		if i == len(lines) {
			t.Fatalf("runner file: the delimiter %s of %s is never closed", delim, name)
		}
		out = append(out, name+"="+strings.Join(val, "\n"))
	}
	return out
}

// RunnerValue is the last value ReadRunnerFile's entries give name, as
// the runner keeps the last one set.
func RunnerValue(entries []string, name string) (string, bool) {
	val, found := "", false
	for _, e := range entries {
		if k, v, ok := strings.Cut(e, "="); ok && k == name {
			val, found = v, true
		}
	}
	return val, found
}
