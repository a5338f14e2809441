package scaffolder

import (
	"strings"
	"testing"

	"github.com/stagecrew/stagecrew/internal/fuzzseed"
	"github.com/stagecrew/stagecrew/internal/testenv"
)

// exprSeeds are expressions at the edges of nunjitsu's grammar, and the
// ones real templates write.
var exprSeeds = []string{
	"parameters.name", "parameters['name'] | parseRepoUrl", "steps['publish'].output.remoteUrl",
	"not parameters.dryRun", "parameters.a == 'x' and (parameters.b or parameters.c)", "parameters.n + 1 * 2",
	"'a' if parameters.x else 'b'", "parameters.list | join(',')", "parameters.x is defined", "parameters.x is not defined",
	"[1, 2, 3] | length > 2", "{a: 1}", "parameters.repoUrl | projectSlug", "user.entity.metadata.name", "x | replace('a', 'b') | lower",
	"parameters.a in ['x', 'y']", "-1", "f(a=1)", "slug | replace(r/\\/.*$/, '')", "x | replace(r/^.*\\//g, '')",
	"!a", "a.0", "(a, b)", "a || b", "a && b", "a ? b : c", "a.0b", "a[0]", "a[1:2]", "a[::2]", "a[:]", "a[]", "()", "(a,)",
	"a.constructor", "a['constructor']", "{constructor: 1}", "{'a': 1, b: 2}", "{true: 1}", "x | a.b", "x | f(", "- -a", "-(-a)", "-+a",
	"+-a", "a not in b", "a is not b", "a ** b ** c", "a // b", "a % b", "a ~ b", "a === b", "a !== b", "1.", "1.5", ".5", "1e3", "1_000",
	"a.$b", "$a", "a$", "'unterminated", "\"a\\\"b\"", "r/abc", "r/a/gg", "r/a/x", "r/(/", "r/a\\\\/b/", "a if b", "a if b else", "not",
	"a and", "a or b or", "f()", "f(a, b=1, c)", "f(a=1, b)", "x | f.g(1)", "a < b < c", "a == b != c", "parameters.x\u00a0== 1", "a\tb",
	"[1, 2,]", "{a: 1,}", "{}", "[]", "a['x']['y']", "a[b][c]", "null", "none", "true", "false", "None", "a.true", "a.if", "if", "else",
	"a if b else c if d else e", "(a if b else c)", "a | f | g(1) | h", "a.b(c).d[e](f)", "'a' ~ 1 ~ none", "not not a", "not a == b",
	"a in b in c", "'==' ", "a '==' b", "a[':']", "a[']']", "x | constructor", "a.__proto__", "a._b", "_", "a1.b2", "1a", "a.1.2",
}

// templateAlphabet is what mutations insert into expressions.
var templateAlphabet = []string{"!", "&", "|", "||", "&&", ".", "0", "1", "(", ")", "[", "]", "{", "}", ",", ":", "'", "\"", " ", "a", "b",
	"not ", " and ", " or ", " in ", " is ", " if ", " else ", "-", "+", "*", "/", "//", "%", "~", "=", "==", "<", ">", "r/", "$",
	"\\", "\u00a0", "\n", "constructor", "}}", "${{", "-}}"}

// TestExpressionsAgainstEngine: lint refuses an expression exactly when
// nunjitsu 0.6.2, the engine scaffolder-backend 4.2.0 renders with, fails
// to parse it (run in Node, one batch): the seeds, FuzzParseExpr's saved
// inputs, and a few thousand deterministic mutations of them.
func TestExpressionsAgainstEngine(t *testing.T) {
	seeds := append(append([]string(nil), exprSeeds...), fuzzseed.Saved("FuzzParseExpr")...)
	inputs := fuzzseed.Mutations(seeds, templateAlphabet, 4000, 10)
	var texts []string
	for _, x := range inputs {
		text := "${{ " + x + " }}"
		// Statements and comments ({% %}, {# #}) are the engine's too, but
		// lint reads only ${{ }}: leave them out of the comparison.
		if strings.Contains(text, "{%") || strings.Contains(text, "{#") || strings.Contains(text, "#}") {
			continue
		}
		texts = append(texts, text)
	}
	var results []struct {
		Parse bool   `json:"parse"`
		Error string `json:"error"`
	}
	testenv.DiffOracle(t, "template", texts, &results)
	if t.Skipped() {
		return
	}
	if len(results) != len(texts) {
		t.Fatalf("oracle answered %d results for %d inputs", len(results), len(texts))
	}
	parsed, refused, disagree := 0, 0, 0
	for i, text := range texts {
		err := templateParseError(text)
		if (err == nil) != results[i].Parse {
			disagree++
			if disagree <= 40 {
				t.Errorf("%q: lint says %v, nunjitsu parse=%v (%s)", text, err, results[i].Parse, results[i].Error)
			}
			continue
		}
		if err == nil {
			parsed++
		} else {
			refused++
		}
	}
	t.Logf("%d template texts: %d parse in both, %d refused by both, %d disagree", len(texts), parsed, refused, disagree)
	if parsed < 200 || refused < 200 {
		t.Errorf("lopsided inputs: %d parse, %d refused", parsed, refused)
	}
	// The cases, named.
	for x, want := range map[string]bool{"!a": false, "a.0": false, "(a, b)": true, "a || b": false, "a && b": false} {
		if got := parseExpr(x) == nil; got != want {
			t.Errorf("parseExpr(%q) ok = %v, want %v", x, got, want)
		}
	}
}

// templateParseError is what lint reports for a value: an unclosed ${{ or
// an expression that does not parse.
func templateParseError(text string) error {
	exprs, err := expressions(text)
	if err != nil {
		return err
	}
	for _, x := range exprs {
		if err := parseExpr(x); err != nil {
			return err
		}
	}
	return nil
}
