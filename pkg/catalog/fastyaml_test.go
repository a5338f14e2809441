package catalog

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stagecrew/stagecrew/internal/corpus"
	yaml "go.yaml.in/yaml/v3"
)

// The fast parser is proven against yaml.v3 and Decode's conversion of its
// trees: for any input, Decode must give the same documents, values,
// errors and positions of every part with and without the fast parser, and
// so must the reading of $yaml placeholders; and where the fast parser
// reads a whole file, yaml.v3 must read it without error.

// fastDocuments parses the documents at the start of data with the fast
// parser alone (see fastEach).
func fastDocuments(data []byte) (docs []*fastDoc, n int) {
	n, _ = fastEach(string(data), fastOptions{file: "f.yaml"}, func(d *fastDoc) bool {
		docs = append(docs, d)
		return true
	})
	return docs, n
}

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

// TestFastScalars checks the values the fast parser gives plain scalars,
// as values and as keys, against Decode without it, on every short string
// of the characters that matter to YAML's types.
func TestFastScalars(t *testing.T) {
	const alphabet = "+-.0129eEoOxXbB_:ytnfTNF~<a "
	var check func(v string, depth int)
	check = func(v string, depth int) {
		for _, text := range []string{"k: " + v + "\n", v + ": x\n", "k: [" + v + "]\n", "{" + v + ": x}\n"} {
			if err := compareDecode([]byte(text)); err != nil {
				t.Errorf("%q: %v", text, err)
			}
		}
		if depth < 3 {
			for _, c := range alphabet {
				check(v+string(c), depth+1)
			}
		}
	}
	if testing.Short() {
		check("", 1)
	} else {
		check("", 0)
	}
	for _, v := range []string{"null", "Null", "NULL", "true", "False", "TRUE", ".inf", "-.Inf", "+.INF", ".NaN", "2024-01-01", "2024-01-01T10:00:00Z", "1e3", "0x1F", "0o17", "0b101", "-0b1", "1_000", "12:30", "yes", "on", "y", "~", "<<"} {
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

// yamlDocuments parses the documents of data with yaml.v3, up to the first
// syntax error.
func yamlDocuments(data string) ([]*yaml.Node, error) {
	var roots []*yaml.Node
	err := yamlEach(data, func(r *yaml.Node) bool {
		roots = append(roots, r)
		return true
	})
	return roots, err
}

// checkFastYAML compares Decode and the reading of $yaml placeholders with
// and without the fast parser, and checks that the documents the fast
// parser reads on its own are yaml.v3's.
func checkFastYAML(data []byte) error {
	want, wantErr := yamlDocuments(string(data))
	// When the fast parser read the whole file yaml.v3 must have read it
	// without error. yaml.v3 scans a few tokens ahead, so a scanner error
	// at the start of the next document keeps it from returning the last
	// document the fast parser read: parseEach then reads the whole file
	// with yaml.v3.
	fast, n := fastDocuments(data)
	if n == len(data) && (wantErr != nil || len(fast) != len(want)) {
		return fmt.Errorf("fast parser read the whole file (%d documents); yaml.v3 read %d, error %v", len(fast), len(want), wantErr)
	}
	if len(fast) > len(want)+1 || (len(fast) == len(want)+1 && wantErr == nil) {
		return fmt.Errorf("fast parser read %d documents, yaml.v3 only %d before %v", len(fast), len(want), wantErr)
	}
	if err := compareDecode(data); err != nil {
		return err
	}
	return compareYAMLValues(data)
}

// compareYAMLValues reads data as a $yaml placeholder's file with and
// without the fast parser.
func compareYAMLValues(data []byte) error {
	run := func(fast bool) string {
		defer func(old bool) { fastYAML = old }(fastYAML)
		fastYAML = fast
		vals, err := yamlValues("f.yaml", data)
		return fmt.Sprintf("%#v %s", vals, describeErr(err))
	}
	if got, want := run(true), run(false); got != want {
		return fmt.Errorf("$yaml values:\n  fast:    %s\n  yaml.v3: %s", got, want)
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
		if err := comparePositions(g.Entity, w.Entity, w.Entity.Raw, nil); err != nil {
			return fmt.Errorf("Decode document %d: %v", i, err)
		}
		// Validate lists some problems in map order: compare sorted lines.
		if gv, wv := sortedLines(describeErr(Validate(g.Entity))), sortedLines(describeErr(Validate(w.Entity))); gv != wv {
			return fmt.Errorf("Validate document %d: %s, without the fast path %s", i, gv, wv)
		}
	}
	return nil
}

// comparePositions compares Position and PositionAt of got and want at
// path, at every part of v (the value at path) and at a child that is not
// there.
func comparePositions(got, want *Entity, v any, path []string) error {
	at := func(p ...string) []string { return append(slices.Clip(path), p...) }
	for _, p := range [][]string{path, at("missing"), at("0")} {
		if g, w := got.Position(p...), want.Position(p...); g != w {
			return fmt.Errorf("Position(%q) = %v, without the fast path %v", p, g, w)
		}
	}
	switch v := v.(type) {
	case map[string]any:
		for k, c := range v {
			if err := comparePositions(got, want, c, at(k)); err != nil {
				return err
			}
		}
	case []any:
		for i, c := range v {
			if err := comparePositions(got, want, c, at(fmt.Sprint(i))); err != nil {
				return err
			}
		}
	case string:
		for _, off := range []int{0, 1, len(v) / 2, len(v) - 1, len(v), len(v) + 1} {
			if g, w := got.PositionAt(off, path...), want.PositionAt(off, path...); g != w {
				return fmt.Errorf("PositionAt(%d, %q) = %v, without the fast path %v", off, path, g, w)
			}
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

// BenchmarkParseYAML compares the fast parser (values and positions) with
// yaml.v3 (node trees only, before Decode's conversion) on the benchmark
// corpus.
func BenchmarkParseYAML(b *testing.B) {
	data := corpus.Large(1000)
	text := string(data)
	for _, bc := range []struct {
		name  string
		parse func() int
	}{
		{"fast", func() int { docs, _ := fastDocuments(data); return len(docs) }},
		{"fast-reuse", func() int {
			n := 0
			fastEach(text, fastOptions{reuse: true}, func(*fastDoc) bool { n++; return true })
			return n
		}},
		{"yaml.v3", func() int { roots, _ := yamlDocuments(text); return len(roots) }},
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

// firstUnsupportedBytewise is firstUnsupported one byte at a time, as it
// was before it learned to skip eight printable bytes at once.
func firstUnsupportedBytewise(data string) int {
	for i := 0; i < len(data); {
		c := data[i]
		if c < utf8.RuneSelf {
			if (c < 0x20 && c != '\n') || c == 0x7f {
				return i
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(data[i:])
		if (r == utf8.RuneError && size == 1) || r < 0xA0 || r == 0x2028 || r == 0x2029 || r == 0xFEFF || r == 0xFFFE || r == 0xFFFF {
			return i
		}
		i += size
	}
	return len(data)
}

// TestFirstUnsupported compares firstUnsupported with the byte-by-byte
// rule on texts where each byte that matters stands at every offset of an
// eight-byte word.
func TestFirstUnsupported(t *testing.T) {
	bad := []string{"\x7f", "\x80", "\xc2\x85", "\xe2\x80\xa8", "\xef\xbb\xbf", "\xff", "é", " ", "~", "!"}
	for c := range 0x20 {
		bad = append(bad, string(rune(c)))
	}
	for _, b := range bad {
		for pre := 0; pre < 20; pre++ {
			for _, fill := range []string{"a", "\n", "a\n"} {
				text := strings.Repeat(fill, pre)[:pre] + b + "tail text of some length"
				if got, want := firstUnsupported(text), firstUnsupportedBytewise(text); got != want {
					t.Errorf("firstUnsupported(%q) = %d, want %d", text, got, want)
				}
			}
		}
	}
}

// FuzzFirstUnsupported compares firstUnsupported with the byte-by-byte
// rule on any text.
func FuzzFirstUnsupported(f *testing.F) {
	f.Add("key: value\n\tx")
	f.Add(string(corpus.Large(2)))
	f.Fuzz(func(t *testing.T, text string) {
		if got, want := firstUnsupported(text), firstUnsupportedBytewise(text); got != want {
			t.Fatalf("firstUnsupported(%q) = %d, want %d", text, got, want)
		}
	})
}

func BenchmarkFirstUnsupported(b *testing.B) {
	text := string(corpus.Large(1000))
	b.SetBytes(int64(len(text)))
	for _, bc := range []struct {
		name string
		f    func(string) int
	}{{"words", firstUnsupported}, {"bytewise", firstUnsupportedBytewise}} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				if bc.f(text) != len(text) {
					b.Fatal("the corpus holds a byte the fast parser refuses")
				}
			}
		})
	}
}
