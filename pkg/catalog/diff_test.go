package catalog

import (
	"encoding/json"
	"math"
	"reflect"
	"regexp"
	"testing"
	"unicode/utf8"

	"github.com/stagecrew/stagecrew/internal/corpus"
	"github.com/stagecrew/stagecrew/internal/fuzzseed"
	"github.com/stagecrew/stagecrew/internal/testenv"
)

// urlSeeds are URLs at the edges of the WHATWG parser.
var urlSeeds = []string{"https://x.com", "http://[::1]:80", "http://1.2.3.4", "file:///x", "a:b", "https://münchen.de/x",
	"https://xn--a.com", "https://xn--ls8h.la", "https://a\u200f.com", "http://0x7f.1", "http://999999999", "https://ex\u00adample.com",
	"http://a%20b.com", "https://user:pw@host:8080/p?q#f", "ws://h", "http:\\\\host", "https://[fe80::1%25eth0]", "https://ＥＸＡＭＰＬＥ.com",
	"https://\u05d0a.com", "https://\u0661\u0662.com", "https://a.b\u200d.com", "https://xn--abc-", "mailto:x@y", "https://.", "http://1.2.3.256"}

var urlAlphabet = []string{"/", ":", "@", "[", "]", ".", "%", "%2", "%41", "%C3%BC", "xn--", "-", "0", "9", "0x", "a", "Z", "\u00fc", "\u200f",
	"\u200d", "\u00ad", "\u0661", "\u05d0", "\u3002", "\uff0e", "\\", " ", "\t", "#", "?", "\U0001F600", "\u0301", "\u00df", "\u2488", ":80", "::"}

// TestURLAgainstNode: the link URL check agrees with Node's `new URL`
// (what catalog-model's isValidUrl calls) on the seeds, FuzzIsValidURL's
// saved inputs and their mutations, judged in one node process.
func TestURLAgainstNode(t *testing.T) {
	seeds := append(append([]string(nil), urlSeeds...), fuzzseed.Saved("FuzzIsValidURL")...)
	inputs := fuzzseed.Mutations(seeds, urlAlphabet, 4000, 7)
	var results []struct {
		OK   bool   `json:"ok"`
		Host string `json:"host"`
	}
	testenv.DiffOracle(t, "url", inputs, &results)
	if t.Skipped() {
		return
	}
	ok, refused, disagree := 0, 0, 0
	for i, s := range inputs {
		got := isValidURL(s)
		if got != results[i].OK {
			disagree++
			if disagree <= 30 {
				t.Errorf("isValidURL(%q) = %v, node: %v (host %q)", s, got, results[i].OK, results[i].Host)
			}
			continue
		}
		if got {
			ok++
		} else {
			refused++
		}
	}
	t.Logf("%d URLs: %d accepted and %d refused by both, %d disagree", len(inputs), ok, refused, disagree)
}

var yamlAlphabet = []string{"\n", " ", "  ", "- ", ": ", "? ", "#", "&a ", "*a", "!!str ", "!!int ", "!!timestamp ", "!!float ", "'", "\"",
	"[", "]", "{", "}", ",", "|", ">", "---\n", "...\n", "%YAML 1.1\n", "yes", "null", "~", "0x1F", "0o7", "1e3", ".inf", "12:30",
	"2024-01-01", "<<: ", "\t", "\\", "x", "1"}

// TestYAMLAgainstNode: documents read as the npm yaml package (which the
// catalog parses files with) reads them - the same documents, values and
// failures - on FuzzDecode's seeds and saved inputs, the corpus files, and
// mutations of them.
func TestYAMLAgainstNode(t *testing.T) {
	seeds := []string{
		"apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: x}\nspec: {type: s, lifecycle: p, owner: o}\n",
		"a: &a [1]\nb: *a\n", "%YAML 1.1\n---\na: yes\n<<: {b: 1}\n", "---\n- x\n---\n~\n", "a: 1\na: 2\n", "a: [",
		"a: !!timestamp 2024-01-01\nb: !!float 1\nc: !!int 0x10\nd: !!null x\n",
	}
	for _, saved := range fuzzseed.Saved("FuzzDecode") {
		// Invalid UTF-8 cannot travel to Node as JSON (and Go refuses it
		// on purpose, where Node would read U+FFFD).
		if utf8.ValidString(saved) {
			seeds = append(seeds, saved)
		}
	}
	for i, c := range corpus.Tricky() {
		if i%4 == 0 {
			seeds = append(seeds, c.YAML)
		}
	}
	inputs := fuzzseed.Mutations(seeds, yamlAlphabet, 3000, 3)
	var results []struct {
		Docs []json.RawMessage `json:"docs"`
	}
	testenv.DiffOracle(t, "yaml", inputs, &results)
	if t.Skipped() {
		return
	}
	agree, disagree := 0, 0
	known := map[string]int{}
	for i, s := range inputs {
		if why := compareYAML(s, results[i].Docs); why != "" {
			if reason := knownYAMLDifference(s); reason != "" {
				known[reason]++
				continue
			}
			disagree++
			if disagree <= 30 {
				t.Errorf("%s\n    input: %q", why, s)
			}
			continue
		}
		agree++
	}
	t.Logf("%d YAML files: %d agree, %d disagree, known differences: %v", len(inputs), agree, disagree, known)
}

// knownYAMLDifferences are the constructs the Go YAML parser reads
// differently from the npm yaml package and that stagecrew does not (yet)
// bridge. Each is rare in catalog files; all are errors on one side, so
// stagecrew may refuse a file Backstage reads, never the other way round
// silently. A difference outside these fails the test.
var knownYAMLDifferences = []struct {
	reason string
	re     *regexp.Regexp
}{
	{"empty key (a line starting with ':')", regexp.MustCompile(`(?m)^[ ]*(?:- )*:([ ]|$)`)},
	{"document end marker '...' then content without '---'", regexp.MustCompile(`(?m)^\.\.\.[ ]*\n[^-]`)},
	{"tab character in indentation", regexp.MustCompile(`\t`)},
	{"lone carriage return", regexp.MustCompile(`\r(?:$|[^\n])`)},
	{"unknown directive", regexp.MustCompile(`(?m)^%([^YT]|Y[^A]|T[^A])`)},
	{"'?' or ': ' inside a flow collection", regexp.MustCompile(`\[[^\]\n]*(\? |\?\]|: |\]: )`)},
	{"complex key '? '", regexp.MustCompile(`(?m)^[ ]*\? `)},
	{"quote inside a plain key", regexp.MustCompile(`(?m)^[ ]*[^ '"#\n][^:\n]*['"][^:\n]*:`)},
	{"tag with no value", regexp.MustCompile(`![!A-Za-z]*\n`)},
	{"local or odd tag (!x)", regexp.MustCompile(`(^|[\s\[{,:-])![^!\s]`)},
	{"tag at the start of a line, or !!!", regexp.MustCompile(`(?m)^[ \t]*!|!!!|&!`)},
	{"%YAML directive with no document after it", regexp.MustCompile(`(?m)^%YAML[^\n]*(?:\n[^-]|\n?\z)`)},
	{"other directive", regexp.MustCompile(`(?m)^%(?:$|[^Y]|Y[^A]|YA[^M]|YAM[^L]|YAML[^ \t])`)},
	{"anchor with ':', '!' or '&' in its name", regexp.MustCompile(`&[^\s]*[:!&]`)},
	{"block scalar at the end of a file without a final line break", regexp.MustCompile(`(?s)[|>][-+0-9]*\n.*[^\n]$`)},
	{"C0 control character", regexp.MustCompile(`[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]`)},
	{"%YAML directive of another version", regexp.MustCompile(`(?m)^%YAML[ \t]*(?:$|[^1 \t]|1[^.]|1\.[^12]|1\.[12][^ \t\r\n#])`)},
	{"comment right after a token", regexp.MustCompile(`[^\s]#`)},
	{"empty value in a flow mapping", regexp.MustCompile(`:,|:\}`)},
	{"'?' inside a flow mapping", regexp.MustCompile(`\{[^}\n]*(\? |\?\})`)},
	{"tag glued to the next token (!!int[, !!boo,l, !!int1.5)", regexp.MustCompile(`!![A-Za-z]*[^A-Za-z\s]`)},
	{"flow mapping as a key ({a}: b)", regexp.MustCompile(`\{[^}\n]*\}:`)},
}

func knownYAMLDifference(text string) string {
	for _, k := range knownYAMLDifferences {
		if k.re.MatchString(text) {
			return k.reason
		}
	}
	return ""
}

// compareYAML says how Go's reading of text differs from Node's documents,
// or "" when they agree: both fail (somewhere), or both give the same
// values.
func compareYAML(text string, node []json.RawMessage) string {
	nodeFails := false
	var want []any
	for _, d := range node {
		var v any
		if err := json.Unmarshal(d, &v); err != nil {
			return "bad oracle JSON"
		}
		if m, ok := v.(map[string]any); ok && len(m) == 1 && m["$error"] != nil {
			nodeFails = true
		}
		want = append(want, v)
	}
	got, err := yamlValues("f.yaml", []byte(text))
	if err != nil || nodeFails {
		if err != nil && nodeFails {
			return ""
		}
		return "go error " + errText(err) + ", node " + jsonText(want)
	}
	got = jsonShape(got).([]any)
	if len(got) == 0 && len(want) == 0 {
		return ""
	}
	if !reflect.DeepEqual(got, want) {
		return "go " + jsonText(got) + ", node " + jsonText(want)
	}
	return ""
}

func errText(err error) string {
	if err == nil {
		return "none"
	}
	return err.Error()
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// jsonShape is what JSON.stringify makes of a value: NaN and infinities
// become null.
func jsonShape(v any) any {
	switch v := v.(type) {
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil
		}
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = jsonShape(x)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			out[k] = jsonShape(x)
		}
		return out
	}
	return v
}
