package catalog

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
)

// TestKeyIndex checks which keys keyIndex takes for the same: the same
// type and value, as the npm yaml package compares them.
func TestKeyIndex(t *testing.T) {
	cases := []struct {
		form string
		v    any
		same bool // as the key before it in the list
	}{
		{"1", float64(1), false},
		{"1", "1", false},
		{"1", float64(1), true},
		{"0", float64(0), false},
		{"0", math.Copysign(0, -1), true}, // -0 is 0
		{"NaN", math.NaN(), false},
		{"NaN", math.NaN(), false}, // NaN equals nothing
		{"", nil, false},
		{"", "", false},
		{"true", true, false},
		{"true", "true", false},
		{"[ a ]", []any{"a"}, false}, // collections are never compared
		{"[ a ]", []any{"a"}, false},
	}
	x := keyIndex{}
	for i, c := range cases {
		first, same := x.add(c.form, c.v, i+1)
		if same != c.same {
			t.Errorf("key %d (%q, %#v): repeated = %v (first at %d), want %v", i+1, c.form, c.v, same, first, c.same)
		}
	}
}

// TestRepeatedKeysTakeLinearTime: mappings built to make repeated-key
// checks slow (tens of thousands of keys with one string form for two
// types, or one key repeated again and again) are read in linear time, by
// the fast parser and by yaml.v3, with the same result. Each took over a
// minute when keys were compared with every earlier key.
func TestRepeatedKeysTakeLinearTime(t *testing.T) {
	const n = 24_000
	var pairs, repeats strings.Builder
	header := "kind: Component\nmetadata:\n  name: x\n  annotations:\n"
	pairs.WriteString(header)
	repeats.WriteString(header)
	for i := range n {
		fmt.Fprintf(&pairs, "    %d: x\n    '%d': y\n", i, i)
		fmt.Fprintf(&repeats, "    k%d: x\n", i)
	}
	for range n {
		repeats.WriteString("    last: x\n")
	}
	for _, fast := range []bool{true, false} {
		defer func(old bool) { fastYAML = old }(fastYAML)
		fastYAML = fast
		within(t, fmt.Sprintf("fast %v", fast), func() {
			docs, err := Decode("f.yaml", []byte(pairs.String()), DecodeOptions{})
			if err != nil || len(docs) != 1 || docs[0].Err != nil || len(docs[0].Entity.Metadata.Annotations) != n {
				t.Errorf("fast %v: 1 and '1' as keys: %d documents, %v", fast, len(docs), err)
			}
			docs, err = Decode("f.yaml", []byte(repeats.String()), DecodeOptions{})
			var de *DecodeError
			if err != nil || len(docs) != 1 || !errors.As(docs[0].Err, &de) || !errors.Is(de, ErrDuplicate) || de.Line != n+6 {
				t.Errorf("fast %v: a key repeated %d times: %d documents, %v, %v; want a repeat at line %d", fast, n, len(docs), err, docs[0].Err, n+6)
			}
		})
	}
}
