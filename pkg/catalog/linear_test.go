package catalog

import (
	"strings"
	"testing"
	"time"
)

// within runs f and fails the test if it has not returned after a minute:
// the inputs of these tests take well under a second in linear time, and
// took from seconds to minutes when some step was quadratic.
func within(t *testing.T, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	select {
	case <-done:
	case <-time.After(time.Minute):
		t.Fatalf("%s: still running after a minute", what)
	}
}

// TestLongFlowLinesTakeLinearTime: documents that yaml.v3 reads (the tag
// keeps the fast parser out) with one very long line of flow items, or
// deeply nested flow collections around a long string, are read in linear
// time with the right values. Finding each item's column from the start
// of its line, and reading each nested collection to its end, took 4-21 s
// for these files.
func TestLongFlowLinesTakeLinearTime(t *testing.T) {
	head := "kind: Component\nmetadata:\n  name: !!str x\n  tags: "
	long := strings.Repeat("a b ", 100_000)
	cases := map[string]struct {
		text  string
		check func(tags any) bool
	}{
		"quoted items": {head + "[" + strings.Repeat("'a b', ", 40_000) + "'a b']\n", func(v any) bool {
			l, ok := v.([]any)
			return ok && len(l) == 40_001 && l[40_000] == "a b"
		}},
		"numbers": {head + "[" + strings.Repeat("12345, ", 60_000) + "1]\n", func(v any) bool {
			l, ok := v.([]any)
			return ok && len(l) == 60_001 && l[0] == float64(12345)
		}},
		"nested": {head + strings.Repeat("[", 900) + "'" + long + "'" + strings.Repeat("]", 900) + "\n", func(v any) bool {
			for range 900 {
				l, ok := v.([]any)
				if !ok || len(l) != 1 {
					return false
				}
				v = l[0]
			}
			return v == long
		}},
	}
	for name, c := range cases {
		within(t, name, func() {
			docs, err := Decode("f.yaml", []byte(c.text), DecodeOptions{})
			if err != nil || len(docs) != 1 || docs[0].Entity == nil {
				t.Errorf("%s: %d documents, %v", name, len(docs), err)
				return
			}
			md, _ := docs[0].Entity.Raw["metadata"].(map[string]any)
			if !c.check(md["tags"]) {
				t.Errorf("%s: tags read wrong", name)
			}
		})
	}
}
