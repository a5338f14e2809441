package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

const aslValid = `{
  "StartAt": "Hello",
  "States": {"Hello": {"Type": "Pass", "Result": "Hello World!", "End": true}}
}
`

const aslInvalid = `{
  "StartAt": "Fetch",
  "States": {
    "Fetch": {
      "Type": "Task",
      "Resource": "arn:aws:states:::lambda:invoke",
      "Retry": [{"ErrorEquals": ["States.ALL"]}, {"ErrorEquals": ["Custom"]}],
      "Next": "Done"
    }
  }
}
`

func TestASLValidateExitCodes(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"ok.asl.json":         aslValid,
		"bad.asl.json":        aslInvalid,
		"sub/nested.asl.json": aslValid,
		"sub/other.json":      "not json at all",
		"broken.json":         `{"StartAt": `,
		"warn.asl.json":       `{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.ok","BooleanEquals":true,"Next":"E"}]},"E":{"Type":"Succeed"}}}`,
	})
	p := func(n string) string { return filepath.Join(dir, n) }

	code, out, _ := run(t, nil, "asl", "validate", p("ok.asl.json"))
	if code != ExitOK || !strings.Contains(out, "✓ 1 definition: 1 valid, 0 invalid") {
		t.Errorf("valid file: exit %d, output %q", code, out)
	}
	code, out, _ = run(t, nil, "asl", "validate", p("warn.asl.json"))
	if code != ExitOK || !strings.Contains(out, "warning") || !strings.Contains(out, "[choice-no-default]") {
		t.Errorf("file with a warning only: exit %d, output %q", code, out)
	}
	code, out, _ = run(t, nil, "asl", "validate", p("ok.asl.json"), p("bad.asl.json"))
	if code != ExitInvalid {
		t.Errorf("invalid file: exit %d, want %d; output %q", code, ExitInvalid, out)
	}
	for _, want := range []string{
		p("bad.asl.json") + ":7:18: error: /States/Fetch/Retry/0/ErrorEquals: States.ALL appears only in the last Retrier [errors-all]",
		p("bad.asl.json") + ":8:7: error: /States/Fetch/Next: Next \"Done\" is not a state of this States object [next-unknown]",
		"✗ 2 definitions: 1 valid, 1 invalid; 2 errors, 0 warnings",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// A folder: only *.asl.json files, recursively.
	code, out, _ = run(t, nil, "asl", "validate", p("sub"))
	if code != ExitOK || !strings.Contains(out, "1 definition: 1 valid") {
		t.Errorf("folder: exit %d, output %q", code, out)
	}
	// A file named directly is read whatever its name; malformed JSON is invalid.
	code, out, _ = run(t, nil, "asl", "validate", p("broken.json"))
	if code != ExitInvalid || !strings.Contains(out, "[json-syntax]") || !strings.Contains(out, "broken.json:1:13") {
		t.Errorf("malformed JSON: exit %d, output %q", code, out)
	}
	// Usage errors and unreadable input: 2.
	for _, args := range [][]string{
		{"asl", "validate"},
		{"asl", "validate", p("missing.asl.json")},
		{"asl", "validate", p("sub/other.json"), p("missing.asl.json")},
		{"asl", "validate", "--format", "yaml", p("ok.asl.json")},
		{"asl", "validate", dir + "/nothing-here/*.asl.json"},
		{"asl", "validate", "--exclude", "nested.asl.json", p("sub")},
	} {
		if code, _, errOut := run(t, nil, args...); code != ExitUsage || errOut == "" {
			t.Errorf("%q: exit %d (stderr %q), want %d with a message", args, code, errOut, ExitUsage)
		}
	}
}

func TestASLValidateJSONAndAnnotations(t *testing.T) {
	dir := writeFiles(t, map[string]string{"bad.asl.json": aslInvalid})
	env := map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_WORKSPACE": dir}
	// JSON: the report alone, even in Actions.
	code, out, _ := run(t, env, "asl", "validate", "--format", "json", filepath.Join(dir, "bad.asl.json"))
	if code != ExitInvalid || strings.Contains(out, "::") {
		t.Fatalf("exit %d, output %q", code, out)
	}
	var rep ASLReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("JSON output: %v\n%s", err, out)
	}
	if rep.Files != 1 || rep.Invalid != 1 || rep.Errors != 2 || len(rep.Findings) != 2 {
		t.Fatalf("report %+v", rep)
	}
	f := rep.Findings[0]
	if f.Rule != "errors-all" || f.Field != "/States/Fetch/Retry/0/ErrorEquals" || f.Line != 7 || f.Column != 18 || f.Severity != "error" {
		t.Errorf("first finding %+v", f)
	}
	// Text in Actions, and --format github anywhere: annotations.
	for _, args := range [][]string{
		{"asl", "validate", filepath.Join(dir, "bad.asl.json")},
		{"asl", "validate", "--format", "github", filepath.Join(dir, "bad.asl.json")},
	} {
		e := env
		if args[2] == "--format" {
			e = map[string]string{"GITHUB_WORKSPACE": dir}
		}
		code, out, _ = run(t, e, args...)
		if code != ExitInvalid || !strings.Contains(out, "::error col=18,file=bad.asl.json,line=7,title=stagecrew asl validate::/States/Fetch/Retry/0/ErrorEquals: States.ALL appears only in the last Retrier\n") {
			t.Errorf("%q: exit %d, no annotation for the Retry finding:\n%s", args, code, out)
		}
		if !strings.HasSuffix(out, "✗ 1 definition: 0 valid, 1 invalid; 2 errors, 0 warnings\n") {
			t.Errorf("%q: summary missing:\n%s", args, out)
		}
	}
}

func TestASLValidateStdin(t *testing.T) {
	for _, tc := range []struct {
		in   string
		code int
		want string
	}{
		{aslValid, ExitOK, "✓ 1 definition: 1 valid"},
		{aslInvalid, ExitInvalid, "-:8:7: error: /States/Fetch/Next: Next \"Done\" is not a state of this States object [next-unknown]"},
		{"", ExitInvalid, "[json-syntax]"},
	} {
		var out, errOut bytes.Buffer
		code := Main(context.Background(), &IOStreams{In: strings.NewReader(tc.in), Out: &out, ErrOut: &errOut},
			func(string) string { return "" }, []string{"asl", "validate", "-"})
		if code != tc.code || !strings.Contains(out.String(), tc.want) {
			t.Errorf("stdin %.20q: exit %d, output %q (stderr %q), want %d and %q", tc.in, code, out.String(), errOut.String(), tc.code, tc.want)
		}
	}
}

func TestASLValidateHostileText(t *testing.T) {
	// A state name with a line break and a workflow command: every
	// message goes through logsafe, so nothing starts a line with "::".
	dir := writeFiles(t, map[string]string{"x.asl.json": `{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"\n::error::pwned\u001b[31m"}}}`})
	code, out, _ := run(t, map[string]string{"GITHUB_ACTIONS": "true"}, "asl", "validate", filepath.Join(dir, "x.asl.json"))
	if code != ExitInvalid {
		t.Fatalf("exit %d", code)
	}
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "::error::pwned") || strings.Contains(line, "\x1b") {
			t.Errorf("unneutralised line %q", line)
		}
	}
}

func TestASLValidateExpress(t *testing.T) {
	dir := writeFiles(t, map[string]string{"cb.asl.json": `{"StartAt": "Ask", "States": {"Ask": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken", "End": true}}}`})
	if code, out, _ := run(t, nil, "asl", "validate", filepath.Join(dir, "cb.asl.json")); code != ExitOK {
		t.Errorf("STANDARD: exit %d\n%s", code, out)
	}
	code, out, _ := run(t, nil, "asl", "validate", "--express", filepath.Join(dir, "cb.asl.json"))
	if code != ExitInvalid || !strings.Contains(out, "[express-integration]") {
		t.Errorf("--express: exit %d\n%s", code, out)
	}
}
