package catalog_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stagecrew/stagecrew/internal/corpus"
	"github.com/stagecrew/stagecrew/pkg/catalog"
)

// transientView is what a DecodeEach callback sees of one document: its
// values, source and the positions of a few fields, as text.
func transientView(d catalog.Document) string {
	if d.Err != nil {
		return fmt.Sprintf("%+v err %v", d.Source, d.Err)
	}
	e := d.Entity
	raw, _ := json.Marshal(e.Raw)
	return fmt.Sprintf("%+v %s name@%v owner@%v tag0@%v annotations@%v", d.Source, raw,
		e.Position("metadata", "name"), e.Position("spec", "owner"),
		e.Position("metadata", "tags", "0"), e.Position("metadata", "annotations"))
}

// TestDecodeEachTransient: with Transient set the fast parser reuses its
// nodes from one document to the next, and every callback still sees what
// it sees without (values, sources, positions), on the large corpus, on
// documents of very different sizes one after the other (the blocks grow
// and are reused) and on a file where yaml.v3 takes over part way.
func TestDecodeEachTransient(t *testing.T) {
	var mixed strings.Builder
	for i := 0; i < 40; i++ {
		fmt.Fprintf(&mixed, "---\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: c%d\n  tags: [a, b]\n", i)
		if i%7 == 3 {
			mixed.WriteString("  annotations:\n")
			for j := 0; j < 300*(i%3+1); j++ {
				fmt.Fprintf(&mixed, "    example.com/k%d: v%d\n", j, j)
			}
		}
		mixed.WriteString("spec:\n  type: service\n  lifecycle: production\n  owner: team-a\n")
	}
	inputs := map[string]string{
		"corpus": string(corpus.Large(500)),
		"mixed":  mixed.String(),
		// A tab stops the fast parser at the third document.
		"fallback": "---\nkind: Group\nmetadata: {name: a}\n---\nkind: Group\nmetadata:\n  name: b\n---\nkind: Group\nmetadata:\n  name:\tc\n---\nkind: Group\nmetadata:\n  name: d\n",
	}
	for name, text := range inputs {
		t.Run(name, func(t *testing.T) {
			collect := func(transient bool) []string {
				var views []string
				err := catalog.DecodeEach("f.yaml", []byte(text), catalog.DecodeOptions{Transient: transient}, func(d catalog.Document) bool {
					views = append(views, transientView(d))
					return true
				})
				if err != nil {
					t.Fatalf("DecodeEach(Transient: %v): %v", transient, err)
				}
				return views
			}
			want, got := collect(false), collect(true)
			if len(want) < 4 {
				t.Fatalf("only %d documents decoded", len(want))
			}
			if len(got) != len(want) {
				t.Fatalf("Transient: %d documents, want %d", len(got), len(want))
			}
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("document %d with Transient:\n%s\nwant\n%s", i, got[i], want[i])
				}
			}
		})
	}
}
