package catalog

import (
	"fmt"
	"strings"
	"testing"
)

// TestPositionsOfLargeCollections looks up the position of every item of a
// long list and every key of a large mapping, read by the fast parser and
// by yaml.v3: each is where its line says, and all of them together take
// linear time (walking to each item, or comparing each key with every
// other, took seconds at this size and minutes at the item limit).
func TestPositionsOfLargeCollections(t *testing.T) {
	const n = 40_000
	var text strings.Builder
	text.WriteString("kind: Component\nmetadata:\n  name: x\n  annotations:\n")
	for i := range n {
		fmt.Fprintf(&text, "    k%d: v\n", i) // line 5+i
	}
	text.WriteString("spec:\n  dependsOn:\n")
	for i := range n {
		fmt.Fprintf(&text, "    - component:c%d\n", i) // line 7+n+i
	}
	for _, fast := range []bool{true, false} {
		defer func(old bool) { fastYAML = old }(fastYAML)
		fastYAML = fast
		within(t, fmt.Sprintf("fast %v", fast), func() {
			docs, err := Decode("f.yaml", []byte(text.String()), DecodeOptions{})
			if err != nil || len(docs) != 1 || docs[0].Entity == nil {
				t.Errorf("fast %v: Decode: %d documents, %v", fast, len(docs), err)
				return
			}
			e := docs[0].Entity
			for i := range n {
				if p := e.Position("metadata", "annotations", fmt.Sprintf("k%d", i)); p.Line != 5+i || p.Column != 8+len(fmt.Sprint(i)) {
					t.Errorf("fast %v: annotation k%d at %v, want line %d", fast, i, p, 5+i)
					return
				}
				if p := e.Position("spec", "dependsOn", fmt.Sprint(i)); p.Line != 7+n+i || p.Column != 7 {
					t.Errorf("fast %v: dependsOn.%d at %v, want line %d column 7", fast, i, p, 7+n+i)
					return
				}
			}
			if p := e.Position("spec", "dependsOn", fmt.Sprint(n)); p.Line != 6+n {
				t.Errorf("fast %v: an item past the end at %v, want the list's key (line %d)", fast, p, 6+n)
			}
		})
	}
}
