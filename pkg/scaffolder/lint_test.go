package scaffolder

import (
	"strings"
	"testing"
)

const lintBase = `apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata:
  name: deploy
spec:
  owner: group:platform
  type: service
  parameters:
    - title: Pick
      required: [entity, environment]
      properties:
        entity: {type: string}
        environment: {type: string, enum: [staging, production]}
        dryRun: {type: boolean}
  steps:
    - id: fetch
      action: fetch:template
      input:
        values:
          name: ${{ parameters.entity }}
    - id: publish
      if: ${{ not parameters.dryRun }}
      action: publish:github
      input:
        repoUrl: ${{ parameters['entity'] | parseRepoUrl }}
        description: ${{ steps.fetch.output.path }}
  output:
    links:
      - title: Repo
        url: ${{ steps.publish.output.remoteUrl }}
`

func TestLintClean(t *testing.T) {
	problems, n, err := Lint("template.yaml", []byte(lintBase))
	if err != nil || n != 1 {
		t.Fatalf("Lint: %v, %d templates", err, n)
	}
	if len(problems) != 0 {
		t.Fatalf("a clean template has problems: %v", problems)
	}
}

func TestLintFindings(t *testing.T) {
	tests := []struct {
		name, from, to string
		want           string // substring of the message
		line           int
	}{
		{"undeclared parameter", "${{ parameters.entity }}", "${{ parameters.entty }}", `${{ parameters.entty }} is not declared in spec.parameters (did you mean "entity"?)`, 20},
		{"bracket parameter", "parameters['entity']", "parameters['nope']", "${{ parameters.nope }} is not declared", 25},
		{"later step", "${{ steps.fetch.output.path }}", "${{ steps.publish.output.x }}", "refers to a step that runs later", 26},
		{"unknown step", "${{ steps.publish.output.remoteUrl }}", "${{ steps.publsh.output.remoteUrl }}", `names no step (did you mean "publish"?)`, 30},
		{"duplicate id", "- id: publish", "- id: fetch", `step id "fetch" is used again`, 21},
		{"required missing", "required: [entity, environment]", "required: [entity, env]", `required names "env", but the page has no such property`, 10},
		{"if does not parse", "${{ not parameters.dryRun }}", "${{ not (parameters.dryRun }}", "does not parse", 22},
		{"if without expression", "${{ not parameters.dryRun }}", "parameters.dryRun", "has no ${{ }} expression", 22},
		{"unclosed", "${{ parameters.entity }}", "${{ parameters.entity", "never closed", 20},
		{"dash id with dot", "${{ steps.fetch.output.path }}", "${{ steps.fetch-it.output.path }}", "reads as a subtraction", 26},
		{"schema violation", "action: publish:github", "action: [publish]", "must be a string", 23},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text := strings.Replace(lintBase, tt.from, tt.to, 1)
			if text == lintBase {
				t.Fatalf("replacement %q not found", tt.from)
			}
			problems, _, err := Lint("template.yaml", []byte(text))
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range problems {
				if strings.Contains(p.Message, tt.want) {
					if p.Line != tt.line || p.File != "template.yaml" {
						t.Errorf("problem %q at %s, want line %d", p.Message, p.Position, tt.line)
					}
					return
				}
			}
			t.Fatalf("no problem containing %q; got %v", tt.want, problems)
		})
	}
}

func TestParseExpr(t *testing.T) {
	good := []string{
		"parameters.name", "parameters['name'] | parseRepoUrl", "steps['publish'].output.remoteUrl",
		"not parameters.dryRun", "parameters.a == 'x' and (parameters.b or parameters.c)", "parameters.n + 1 * 2",
		"'a' if parameters.x else 'b'", "parameters.list | join(',')", "parameters.x is defined", "parameters.x is not defined",
		"[1, 2, 3] | length > 2", "{a: 1}", "parameters.repoUrl | projectSlug", "user.entity.metadata.name", "x | replace('a', 'b') | lower",
		"parameters.a in ['x', 'y']", "-1", "f(a=1)", "slug | replace(r/\\/.*$/, '')", "x | replace(r/^.*\\//g, '')",
	}
	for _, x := range good {
		if err := parseExpr(x); err != nil {
			t.Errorf("parseExpr(%q) = %v, want ok", x, err)
		}
	}
	bad := []string{"", "(a", "a)", "a ==", "a and", "'unterminated", "a | ", "a.", "[1, 2", "a b", "a ? b : c", "and a", "{a 1}", "a |  1", "r/abc"}
	for _, x := range bad {
		if err := parseExpr(x); err == nil {
			t.Errorf("parseExpr(%q) = nil, want an error", x)
		}
	}
}

// FuzzParseExpr: the expression parser never panics, and what it
// accepts has its closing }} found where the engine finds it. Agreement
// with the engine itself is TestExpressionsAgainstEngine's, over these
// seeds, the inputs saved under testdata/fuzz/FuzzParseExpr and their
// mutations: save what fuzzing finds there.
func FuzzParseExpr(f *testing.F) {
	for _, s := range exprSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if parseExpr(s) != nil || strings.Contains(s, "}}") {
			return
		}
		xs, err := expressions("${{ " + s + " }}")
		if err != nil || len(xs) != 1 {
			t.Fatalf("%q parses, but ${{ %s }} splits into %q (%v)", s, s, xs, err)
		}
	})
}

func FuzzLint(f *testing.F) {
	f.Add([]byte(lintBase))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _, _ = Lint("fuzz.yaml", data) // must not panic
	})
}

func TestCheckJSPattern(t *testing.T) {
	good := []string{`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`, `^[0-9]{12}$`, `^[A-Za-z0-9_-]{1,255}$`, `a{2,}`, `(?:x|y)+?`, `\{`, `[{}]`, `(?<=a)b`, `[^]`, `^$`}
	for _, p := range good {
		if err := checkJSPattern(p); err != nil {
			t.Errorf("checkJSPattern(%q) = %v, want ok", p, err)
		}
	}
	bad := []string{`^[A-Za-z0-9_-]{1`, `(a`, `a)`, `[a-z`, `*a`, `a{`, `a}`, `a{,3}`, `(?x)`, `\`, `a|*`}
	for _, p := range bad {
		if err := checkJSPattern(p); err == nil {
			t.Errorf("checkJSPattern(%q) = nil, want an error", p)
		}
	}
}

func TestLintCutPattern(t *testing.T) {
	text := strings.Replace(lintBase, "entity: {type: string}", "entity: {type: string, pattern: '^[A-Za-z0-9_-]{1'}", 1)
	problems, _, _ := Lint("template.yaml", []byte(text))
	for _, p := range problems {
		if strings.Contains(p.Message, "was the pattern cut at a comma?") && p.Field == "spec.parameters.0.properties.entity.pattern" {
			return
		}
	}
	t.Fatalf("cut pattern not reported: %v", problems)
}

// TestLintBlockScalarLines: a problem inside a literal block scalar points
// at the line of its expression, once.
func TestLintBlockScalarLines(t *testing.T) {
	text := strings.Replace(lintBase, "        description: ${{ steps.fetch.output.path }}\n",
		"        description: |\n          first line\n          ${{ parameters.nope }}\n          ${{ !parameters.entity }}\n          ${{ parameters.nope }} again\n", 1)
	problems, _, err := Lint("template.yaml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	lines := map[string][]int{}
	for _, p := range problems {
		lines[p.Message] = append(lines[p.Message], p.Line)
	}
	undeclared := "${{ parameters.nope }} is not declared in spec.parameters"
	if got := lines[undeclared]; len(got) != 2 || got[0] != 28 || got[1] != 30 {
		t.Errorf("%q at lines %v, want 28 and 30 (problems: %v)", undeclared, got, problems)
	}
	found := false
	for msg, l := range lines {
		if strings.Contains(msg, "does not parse") && len(l) == 1 && l[0] == 29 {
			found = true
		}
	}
	if !found {
		t.Errorf("the ! expression is not reported once at line 29: %v", problems)
	}
}
