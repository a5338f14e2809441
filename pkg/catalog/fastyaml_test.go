package catalog

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/stagecrew/stagecrew/internal/corpus"
	yaml "go.yaml.in/yaml/v3"
)

// The fast parser is proven against yaml.v3 itself: for any input, the
// trees of parseDocuments (fast path, then yaml.v3 for the rest) must equal
// yaml.v3's on every field but comments, with the same error; and Decode
// must give the same documents, errors and positions with and without it.

// fastEdgeCases are hand-written inputs at the edges of the fast subset.
var fastEdgeCases = []string{
	"", "\n", "# only a comment\n", "---\n", "---", "---\n---\n", "a: 1\n---\n", "---\n# c\n", "--- # c\na: b\n",
	"--- a: b\n", "---a: b\n", "--- |\n  x\n", "...\n", "a: 1\n...\n---\nb: 2\n", "%YAML 1.2\n---\na: 1\n",
	"a: 1\n---\nb: 2\n---\nc: [\n", "a: 1\n---\nb: &x 2\nc: *x\n", "a: 1\n---\nb: *x\n", "a: 1\n---\n  b: 1\n c: 2\n",
	"key: value # c\n", "key: 'a # b'\n", "key: \"a # b\"\n", "key: a#b\n", "key: a #b\n", "key: value#\n",
	"- - x\n  - y\n- z\n", "-x\n", "- -x\n", "-\n", "- \n-\n- x\n", "- # c\n  - x\n", "-  a: b\n   c: d\n",
	"key:value\n", "a: b: c\n", "a: b:\n", "a:b: c\n", "a: b  \n", "a  : b\n", "a : b\n",
	"a: b\r\nc: d\r\n", "a: 1\n\tb: 2\n", "a:\tb\n", "my key: my value\n", "ä: ü\nö:\n", "名前: 値 # コメント\n",
	"emoji: 😀 x\n😀: y\n", "  a: b\n  c: d\n", "a:\n  b\n", "a:\n  b\n  c\n", "a: b\n  c\n", "a: b\n  # c\n  d\n",
	"a: b\n  # c\nd: e\n", "a:\n- x\n- y\nb: 1\n", "a:\n  - x\n  b: 1\n", "- a:\n  - x\n  b: 1\n",
	"a:\n\n  b: 1\n", "a: # c\n  b: 1\n", "a:\nb:\n", "a:", "a: ", "a", "'a'", "'a': 1\n", "\"a\": 1\n", "'a' : 1\n",
	"'a''b': 'c''d'''\n", "a: 'b\n  c'\n", "a: \"b\\nc\"\n", "a: \"b'c\"\n", "a: ''\n", "a: \"\"\n", "'': x\n",
	"a: 1\na: 2\n", "<<: x\n", "a: !!str 1\n", "a: &x 1\n", "a: *x\n", "? a\n: b\n", "?a: b\n", ":a: b\n", "a: ?b\n",
	"a: [x, 'y', \"z\", {b: c}, [d]]\n", "a: []\n", "a: {}\n", "a: [x,]\n", "a: [x, ]\n", "a: {b: c,}\n", "a: [x\n  , y]\n",
	"a: [a:b]\n", "a: [a: b]\n", "a: {a:b}\n", "a: {\"a\":b}\n", "a: {a: }\n", "a: {a}\n", "a: [-1, -x, -]\n", "a: [x]y\n",
	"a: [x] # c\n", "a: [x]#c\n", "[a]: b\n", "{a: b}: c\n", "[a, b]\n", "a: [x, ${{ y }}]\n", "a: ${{ x.y }}\n",
	"a: [http://x, 'y:z']\n", "a: [x?y]\n", "a: [#]\n", "a: [x #c]\n",
	"a: |\n  x\n  y\n", "a: |\n  x\n\n", "a: |\n  x", "a: |+\n  x\n\n\nb: 1\n", "a: |-\n  x\n\nb: 1\n",
	"a: >\n  x\n  y\n\n  z\n   w\n", "a: >-\n  x\n   y\n  z\n", "a: |2\n   x\n", "a: | # c\n  x\n", "a: |x\n", "a: |\n",
	"a: |\nb: 1\n", "a: |\n     \n  x\n", "a: |\n  x\n # c\nb: 1\n", "a: |\n  x\n  # not a comment\n", "- |\n  x\n- >\n  y\n",
	"|\n x\n", ">\n x\n y\n", "a:\n  |\n   x\n", "a: |\n  x\n    y\n  z\n\n\n", "a: |\n    \n  x\n", "a: |\n  x\n  ",
	"a: >\n  x\n\n\n  y\n", "a: >\n\n  x\n", "a: >+\n  x\n\n", "a: >\n  x\n   \n  y\n",
	"a: yes\nb: no\nc: ~\nd: null\ne: 1.5\nf: 0x1F\ng: 2024-01-01\nh: 1_000\ni: .inf\nj: -.NaN\nk: 0o17\nl: +1\nm: 1e3\n",
	"a: -\n", "a: - b\n", "- a: b\n  c: d\n- e\n", "- a: b\n   c: d\n", "- a: b\n c: d\n", "- - - x\n", "a:\n  -\n  - b\n",
	"a: @b\n", "a: `b\n", "a: %b\n", "a: ,b\n", "a: b,c\n", "a: b]\n", "a: x: y\n", "x: 1\n- y\n", "- y\nx: 1\n",
	"a:\n  b: 1\n c: 2\n", "a:\n    b: 1\n  c: 2\n", "a: 1\n  \n", "a: 1\n   # c\n", "a: 1\n#c\n---\n#d\n",
	strings.Repeat("k", 1100) + ": v\n", strings.Repeat("- ", 200) + "x\n", "a: \u0085b\n", "a: b\u2028c\n", "a: \ufeffb\n",
	"\ufeffa: b\n", "a: \x00\n", "a: \x7f\n", "a: \u00a0b\n",
}

// TestFastYAMLDifferential checks the fast parser against yaml.v3 on the
// tricky corpus, a large generated corpus and the edge cases above.
func TestFastYAMLDifferential(t *testing.T) {
	var fast, total int
	check := func(name, text string) {
		t.Helper()
		total++
		if _, n := fastDocuments([]byte(text)); n == len(text) {
			fast++
		}
		if err := checkFastYAML([]byte(text)); err != nil {
			t.Errorf("%s: %q:\n%v", name, text, err)
		}
	}
	for _, c := range corpus.Tricky() {
		check(c.ID, c.YAML)
	}
	check("large", string(corpus.Large(500)))
	for i, text := range fastEdgeCases {
		check(fmt.Sprintf("edge/%d", i), text)
	}
	t.Logf("fast parser read %d of %d files whole", fast, total)
}

// TestFastYAMLCoversCorpus makes sure the fast path is taken where it
// matters: the whole of the large corpus, and most tricky files.
func TestFastYAMLCoversCorpus(t *testing.T) {
	data := corpus.Large(500)
	if roots, n := fastDocuments(data); n != len(data) || len(roots) != 500 {
		t.Fatalf("fast parser read %d of %d bytes, %d documents", n, len(data), len(roots))
	}
	var slow []string
	for _, c := range corpus.Tricky() {
		if _, n := fastDocuments([]byte(c.YAML)); n != len(c.YAML) {
			slow = append(slow, c.ID)
		}
	}
	if len(slow) > len(corpus.Tricky())/5 {
		t.Errorf("fast parser gave up on %d tricky files: %v", len(slow), slow)
	}
}

// TestPlainTag checks plainTag against yaml.v3's resolver on every short
// string of characters that matter to it.
func TestPlainTag(t *testing.T) {
	const alphabet = "+-.0129eEoOxXbB_:ytnfTNF~<a "
	var check func(v string, depth int)
	check = func(v string, depth int) {
		want := (&yaml.Node{Kind: yaml.ScalarNode, Value: v}).ShortTag()
		if v == "<<" {
			want = "!!merge" // the parser's rule, not the resolver's
		}
		if got := plainTag(v); got != want {
			t.Errorf("plainTag(%q) = %s, yaml.v3 says %s", v, got, want)
		}
		if depth < 3 {
			for _, c := range alphabet {
				check(v+string(c), depth+1)
			}
		}
	}
	check("", 0)
	for _, v := range []string{"null", "Null", "NULL", "true", "False", "TRUE", ".inf", "-.Inf", "+.INF", ".NaN", "2024-01-01", "2024-01-01T10:00:00Z", "1e3", "0x1F", "0o17", "0b101", "-0b1", "1_000", "12:30", "yes", "on", "y", "~"} {
		check(v, 3)
	}
}

// FuzzFastYAML runs the differential check on arbitrary input.
func FuzzFastYAML(f *testing.F) {
	for _, c := range corpus.Tricky() {
		f.Add([]byte(c.YAML))
	}
	f.Add(corpus.Large(3))
	for _, text := range fastEdgeCases {
		f.Add([]byte(text))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := checkFastYAML(data); err != nil {
			t.Fatalf("%q:\n%v", data, err)
		}
	})
}

// checkFastYAML compares parseDocuments with yaml.v3 alone, the fast
// parser's own documents with yaml.v3's, and Decode with and without the
// fast path.
func checkFastYAML(data []byte) error {
	want, wantErr := yamlDocuments(data)
	got, gotErr := parseDocuments(data)
	if errString(gotErr) != errString(wantErr) {
		return fmt.Errorf("error %v, yaml.v3 says %v", gotErr, wantErr)
	}
	if err := compareTrees(got, want); err != nil {
		return err
	}
	// The documents the fast parser read on its own must be yaml.v3's, and
	// when it read the whole file yaml.v3 must have read it without error.
	// yaml.v3 scans a few tokens ahead, so a scanner error at the start of
	// the next document keeps it from returning the last document the fast
	// parser read: parseDocuments then reads the whole file with yaml.v3.
	fast, n := fastDocuments(data)
	if n == len(data) && (wantErr != nil || len(fast) != len(want)) {
		return fmt.Errorf("fast parser read the whole file (%d documents); yaml.v3 read %d, error %v", len(fast), len(want), wantErr)
	}
	if len(fast) > len(want)+1 || (len(fast) == len(want)+1 && wantErr == nil) {
		return fmt.Errorf("fast parser read %d documents, yaml.v3 only %d before %v", len(fast), len(want), wantErr)
	}
	common := min(len(fast), len(want))
	if err := compareTrees(fast[:common], want[:common]); err != nil {
		return fmt.Errorf("fast documents: %v", err)
	}
	return compareDecode(data)
}

func errString(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

// compareTrees compares two lists of document trees.
func compareTrees(got, want []*yaml.Node) error {
	if len(got) != len(want) {
		return fmt.Errorf("%d documents, yaml.v3 has %d", len(got), len(want))
	}
	for i := range got {
		if err := compareNodes(got[i], want[i], fmt.Sprintf("doc[%d]", i)); err != nil {
			return err
		}
	}
	return nil
}

// compareNodes compares two trees on every field but the comments and says
// where they first differ.
func compareNodes(got, want *yaml.Node, path string) error {
	if (got == nil) != (want == nil) {
		return fmt.Errorf("%s: node %v, yaml.v3 has %v", path, got, want)
	}
	if got == nil {
		return nil
	}
	show := func(n *yaml.Node) string {
		return fmt.Sprintf("{Kind:%d Tag:%q Value:%q Style:%d Line:%d Column:%d Anchor:%q Alias:%v Content:%d nil:%v}",
			n.Kind, n.Tag, n.Value, n.Style, n.Line, n.Column, n.Anchor, n.Alias != nil, len(n.Content), n.Content == nil)
	}
	if show(got) != show(want) {
		return fmt.Errorf("%s:\n  fast:   %s\n  yaml.v3: %s", path, show(got), show(want))
	}
	if want.Alias != nil {
		if err := compareNodes(got.Alias, want.Alias, path+"*"); err != nil {
			return err
		}
	}
	for i := range got.Content {
		if err := compareNodes(got.Content[i], want.Content[i], fmt.Sprintf("%s/%d", path, i)); err != nil {
			return err
		}
	}
	return nil
}

// compareDecode runs Decode with and without the fast path and compares the
// documents, entities, positions and errors.
func compareDecode(data []byte) error {
	run := func(fast bool) ([]Document, error) {
		defer func(old bool) { fastYAML = old }(fastYAML)
		fastYAML = fast
		return Decode("f.yaml", data, DecodeOptions{})
	}
	got, gotErr := run(true)
	want, wantErr := run(false)
	if describeErr(gotErr) != describeErr(wantErr) {
		return fmt.Errorf("Decode error %s, without the fast path %s", describeErr(gotErr), describeErr(wantErr))
	}
	if len(got) != len(want) {
		return fmt.Errorf("Decode: %d documents, without the fast path %d", len(got), len(want))
	}
	for i := range got {
		g, w := got[i], want[i]
		if g.Source != w.Source || describeErr(g.Err) != describeErr(w.Err) {
			return fmt.Errorf("Decode document %d: %+v %s, without the fast path %+v %s", i, g.Source, describeErr(g.Err), w.Source, describeErr(w.Err))
		}
		if (g.Entity == nil) != (w.Entity == nil) {
			return fmt.Errorf("Decode document %d: entity %v, without the fast path %v", i, g.Entity != nil, w.Entity != nil)
		}
		if g.Entity == nil {
			continue
		}
		if gs, ws := fmt.Sprintf("%#v", g.Entity.Raw), fmt.Sprintf("%#v", w.Entity.Raw); gs != ws {
			return fmt.Errorf("Decode document %d:\n  fast:    %s\n  yaml.v3: %s", i, gs, ws)
		}
		if err := compareNodes(g.Entity.node, w.Entity.node, fmt.Sprintf("entity[%d]", i)); err != nil {
			return err
		}
		// Validate lists some problems in map order: compare sorted lines.
		if gv, wv := sortedLines(describeErr(Validate(g.Entity))), sortedLines(describeErr(Validate(w.Entity))); gv != wv {
			return fmt.Errorf("Validate document %d: %s, without the fast path %s", i, gv, wv)
		}
	}
	return nil
}

func sortedLines(s string) string {
	lines := strings.Split(s, "\n")
	slices.Sort(lines)
	return strings.Join(lines, "\n")
}

// describeErr prints an error with its position and sentinel.
func describeErr(err error) string {
	if err == nil {
		return "<nil>"
	}
	var de *DecodeError
	if errors.As(err, &de) {
		return fmt.Sprintf("%v [%v at %v]", err, de.Err, de.Position)
	}
	return err.Error()
}

// BenchmarkParseYAML compares the fast parser with yaml.v3 on the benchmark
// corpus, node trees only.
func BenchmarkParseYAML(b *testing.B) {
	data := corpus.Large(1000)
	for _, bc := range []struct {
		name  string
		parse func() int
	}{
		{"fast", func() int { roots, _ := fastDocuments(data); return len(roots) }},
		{"fast-reuse", func() int {
			n := 0
			fastEach(data, true, func(*yaml.Node) bool { n++; return true })
			return n
		}},
		{"yaml.v3", func() int { roots, _ := yamlDocuments(data); return len(roots) }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			if n := bc.parse(); n != 1000 {
				b.Fatalf("%d documents", n)
			}
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				bc.parse()
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1000, "ns/entity")
		})
	}
}

// TestFastYAMLRandom runs the differential check on random files made of
// the pieces catalog files are made of, indented at random: most of them
// are inside the fast subset, so this probes its rules more densely than
// byte-level fuzzing.
func TestFastYAMLRandom(t *testing.T) {
	keys := []string{"a", "b c", "ä", "'q'", "\"d\"", "-k", "k#", "<<", "1", "x:y", "''"}
	values := []string{"v", "v w", "v #c", "v#c", "'s''t'", "\"d q\"", "1", "-1", "true", "~", "ä ü", "x:y", "${{ x }}",
		"[a, 'b', {c: d}]", "[]", "{}", "{a: [b]}", "[a, b", "a: b", "- x", "|", "|-", ">", ">+", "|2", "&x y", "*x", "!t v", "? x", "'v", "\"a\\nb\"", "2024-01-01", ".5", "0x1F"}
	n := 3000
	if testing.Short() {
		n = 300
	}
	rng := rand.New(rand.NewPCG(1, 2))
	pick := func(list []string) string { return list[rng.IntN(len(list))] }
	accepted := 0
	for i := 0; i < n; i++ {
		var b strings.Builder
		for range 1 + rng.IntN(12) {
			b.WriteString(strings.Repeat(" ", rng.IntN(3)*2))
			switch rng.IntN(10) {
			case 0:
				b.WriteString(pick(keys) + ":")
			case 1:
				b.WriteString("- " + pick(values))
			case 2:
				b.WriteString("- " + pick(keys) + ": " + pick(values))
			case 3:
				b.WriteString("-")
			case 4:
				b.WriteString([]string{"# c", "", "---", "text", "  more text"}[rng.IntN(5)])
			default:
				b.WriteString(pick(keys) + ": " + pick(values))
			}
			b.WriteString("\n")
		}
		text := b.String()
		if _, n := fastDocuments([]byte(text)); n == len(text) {
			accepted++
		}
		if err := checkFastYAML([]byte(text)); err != nil {
			t.Fatalf("%q:\n%v", text, err)
		}
	}
	t.Logf("fast parser read %d of %d random files whole", accepted, n)
}
