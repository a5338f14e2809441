package asl

import (
	"bytes"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// find returns the findings of rule.
func find(fs []Finding, rule string) []Finding {
	var out []Finding
	for _, f := range fs {
		if f.Rule == rule {
			out = append(out, f)
		}
	}
	return out
}

func TestFindingPositions(t *testing.T) {
	// Multi-byte characters before the finding, and a state name that
	// needs escaping in a JSON pointer.
	src := "{\n  \"Comment\": \"héllo ✓\",\n  \"StartAt\": \"a/b~c\",\n  \"States\": {\n    \"a/b~c\": {\"Type\": \"Pass\", \"Next\": \"nowhere\"}\n  }\n}\n"
	fs := Validate([]byte(src))
	got := find(fs, "next-unknown")
	if len(got) != 1 {
		t.Fatalf("findings %v, want one next-unknown", fs)
	}
	f := got[0]
	if f.Pointer != "/States/a~1b~0c/Next" || f.Line != 5 || f.Column != 31 {
		t.Errorf("finding %+v, want /States/a~1b~0c/Next at 5:31", f)
	}
	if src[f.Offset:f.Offset+6] != `"Next"` {
		t.Errorf("offset %d points at %q", f.Offset, src[f.Offset:f.Offset+6])
	}
	// Column counts characters, not bytes.
	fs = Validate([]byte(`{"Comment": "✓✓", "StartAt": "A", "States": {"A": {"Type": "Wait", "End": true}}}`))
	if w := find(fs, "wait-duration"); len(w) != 1 || w[0].Column != 51 || w[0].Pointer != "/States/A" {
		t.Errorf("wait finding %v, want column 51 (the state's object) at /States/A", w)
	}
}

func TestSyntaxError(t *testing.T) {
	_, err := Parse([]byte("{\n  \"StartAt\": \"A\",\n  \"States\": {]\n}"))
	var se *SyntaxError
	if !errors.As(err, &se) {
		t.Fatalf("Parse error %v, want a *SyntaxError", err)
	}
	if se.Line != 3 || se.Column != 14 || !strings.Contains(se.Error(), "line 3, column 14") {
		t.Errorf("syntax error %+v (%v), want line 3, column 14", se, se)
	}
	fs := Validate([]byte("[1,"))
	if len(fs) != 1 || fs[0].Rule != "json-syntax" || fs[0].Offset != 3 {
		t.Errorf("Validate of malformed JSON: %v", fs)
	}
	for _, bad := range []string{"", " ", "{} {}", `{"a":1,}`, `[01]`, `"\x"`, "\"a\tb\"", `nul`, `{"a" 1}`, "\"\xff\"", `"\ud800"`, `1.`, `-`, `1e+`} {
		if _, err := Parse([]byte(bad)); err == nil {
			t.Errorf("Parse(%q) accepted malformed JSON", bad)
		}
	}
	deep := strings.Repeat("[", maxDepth+1) + strings.Repeat("]", maxDepth+1)
	if _, err := Parse([]byte(deep)); err == nil || !strings.Contains(err.Error(), "nested") {
		t.Errorf("Parse of %d nested arrays: %v, want a nesting error", maxDepth+1, err)
	}
}

func TestTooLarge(t *testing.T) {
	var b bytes.Buffer
	b.WriteString(`{"StartAt":"A","States":{"A":{"Type":"Pass","Result":"`)
	b.WriteString(strings.Repeat("x", MaxDefinitionSize))
	b.WriteString(`","End":true}}}`)
	fs := Validate(b.Bytes())
	if len(fs) != 1 || fs[0].Rule != "definition-too-large" || fs[0].Severity != SeverityError {
		t.Errorf("findings %v, want one definition-too-large error", fs)
	}
}

func TestParseModel(t *testing.T) {
	d, err := Parse([]byte(`{
  "Comment": "c", "Version": "1.0", "TimeoutSeconds": 30,
  "StartAt": "Choose",
  "States": {
    "Choose": {"Type": "Choice", "Choices": [{"Variable": "$.x", "IsPresent": true, "Next": "Fan"}], "Default": "Stop"},
    "Fan": {"Type": "Parallel", "QueryLanguage": "JSONata", "Next": "Stop",
      "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Stop"}],
      "Branches": [{"StartAt": "B1", "States": {"B1": {"Type": "Task", "Resource": "arn:aws:states:::sns:publish", "End": true}}}]},
    "Stop": {"Type": "Succeed"}
  }
}`))
	if err != nil {
		t.Fatal(err)
	}
	if d.Comment != "c" || d.Version != "1.0" || d.TimeoutSeconds != 30 || d.QueryLanguage != JSONPath || d.StartAt != "Choose" || len(d.States) != 3 {
		t.Fatalf("definition %+v", d)
	}
	var names []string
	d.Walk(func(s *State) bool {
		names = append(names, s.Name+":"+s.Type+":"+string(s.QueryLanguage))
		return true
	})
	if got := strings.Join(names, " "); got != "Choose:Choice:JSONPath Fan:Parallel:JSONata B1:Task:JSONata Stop:Succeed:JSONPath" {
		t.Errorf("Walk: %s", got)
	}
	choose, fan := d.States[0], d.States[1]
	if got := strings.Join(choose.Transitions(), ","); got != "Fan,Stop" {
		t.Errorf("Choice transitions %s", got)
	}
	if got := strings.Join(fan.Transitions(), ","); got != "Stop" {
		t.Errorf("Parallel transitions %s", got)
	}
	if fan.Branches[0].States[0].Resource != "arn:aws:states:::sns:publish" || fan.Branches[0].Pointer != "/States/Fan/Branches/0" {
		t.Errorf("branch %+v", fan.Branches[0])
	}
	if choose.Line != 5 || choose.Column != 5 || choose.Pointer != "/States/Choose" {
		t.Errorf("state position %d:%d %s", choose.Line, choose.Column, choose.Pointer)
	}
	n := 0
	d.Walk(func(*State) bool { n++; return n < 2 })
	if n != 2 {
		t.Errorf("Walk went on after false: %d calls", n)
	}
	if fs := d.Validate(); HasErrors(fs) {
		t.Errorf("valid definition: %v", fs)
	}
}

func TestRules(t *testing.T) {
	rs := Rules()
	if len(rs) < 40 {
		t.Fatalf("%d rules", len(rs))
	}
	for i, r := range rs {
		if r.Summary == "" || (r.Severity != SeverityError && r.Severity != SeverityWarning) {
			t.Errorf("rule %+v", r)
		}
		if i > 0 && rs[i-1].ID >= r.ID {
			t.Errorf("rules not sorted: %s before %s", rs[i-1].ID, r.ID)
		}
	}
}

// TestValidateTable checks single rules on small definitions: the rule
// each must raise, or none ("").
func TestValidateTable(t *testing.T) {
	const task = `"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:f"`
	machine := func(ql, states string) string {
		q := ""
		if ql != "" {
			q = `"QueryLanguage": "` + ql + `", `
		}
		return `{` + q + `"StartAt": "S", "States": {` + states + `}}`
	}
	cases := []struct {
		name, def, rule string
	}{
		{"jsonata condition boolean", machine("JSONata", `"S": {"Type": "Choice", "Choices": [{"Condition": true, "Next": "E"}], "Default": "E"}, "E": {"Type": "Succeed"}`), ""},
		{"jsonata condition string", machine("JSONata", `"S": {"Type": "Choice", "Choices": [{"Condition": "yes", "Next": "E"}], "Default": "E"}, "E": {"Type": "Succeed"}`), "jsonata-expected"},
		{"jsonata condition missing", machine("JSONata", `"S": {"Type": "Choice", "Choices": [{"Next": "E"}], "Default": "E"}, "E": {"Type": "Succeed"}`), "choice-rule"},
		{"credentials jsonata", machine("JSONata", `"S": {`+task+`, "Credentials": {"RoleArn": "{% $states.input.role %}"}, "End": true}`), ""},
		{"credentials unknown field", machine("", `"S": {`+task+`, "Credentials": {"Role": "x"}, "End": true}`), "field-unknown"},
		{"heartbeat path only", machine("", `"S": {`+task+`, "HeartbeatSecondsPath": "$.hb", "End": true}`), ""},
		{"timeout path not reference", machine("", `"S": {`+task+`, "TimeoutSecondsPath": "$.a[*]", "End": true}`), "reference-path"},
		{"timeout too large", machine("", `"S": {`+task+`, "TimeoutSeconds": 100000000, "End": true}`), "field-value"},
		{"wait jsonata path", machine("JSONata", `"S": {"Type": "Wait", "SecondsPath": "$.s", "End": true}`), "field-query-language"},
		{"wait timestamp offset", machine("", `"S": {"Type": "Wait", "Timestamp": "2026-01-01T10:00:00+02:00", "End": true}`), ""},
		{"fail cause path intrinsic", machine("", `"S": {"Type": "Fail", "CausePath": "States.Format('x {}', $.y)"}`), ""},
		{"fail cause path bad intrinsic", machine("", `"S": {"Type": "Fail", "CausePath": "States.Format('x {}')"}`), "intrinsic-function"},
		{"choice and with variable", machine("", `"S": {"Type": "Choice", "Choices": [{"Variable": "$.a", "And": [{"Variable": "$.b", "IsNull": false}], "Next": "E"}], "Default": "E"}, "E": {"Type": "Succeed"}`), "choice-rule"},
		{"choice path operator", machine("", `"S": {"Type": "Choice", "Choices": [{"Variable": "$.a", "NumericLessThanPath": "$.b", "Next": "E"}], "Default": "E"}, "E": {"Type": "Succeed"}`), ""},
		{"choice variable var", machine("", `"S": {"Type": "Choice", "Choices": [{"Variable": "$count", "NumericGreaterThan": 3, "Next": "E"}], "Default": "E"}, "E": {"Type": "Succeed"}`), ""},
		{"choice unknown operator", machine("", `"S": {"Type": "Choice", "Choices": [{"Variable": "$.a", "StringContains": "x", "Next": "E"}], "Default": "E"}, "E": {"Type": "Succeed"}`), "field-unknown"},
		{"map distributed express", machine("", `"S": {"Type": "Map", "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"}, "StartAt": "W", "States": {"W": {"Type": "Pass", "End": true}}}, "End": true}`), ""},
		{"map execution type inline", machine("", `"S": {"Type": "Map", "ItemProcessor": {"ProcessorConfig": {"Mode": "INLINE", "ExecutionType": "EXPRESS"}, "StartAt": "W", "States": {"W": {"Type": "Pass", "End": true}}}, "End": true}`), "map"},
		{"map label bad character", machine("", `"S": {"Type": "Map", "Label": "a b", "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}, "StartAt": "W", "States": {"W": {"Type": "Pass", "End": true}}}, "End": true}`), "map-label"},
		{"map csv given headers missing", machine("", `"S": {"Type": "Map", "ItemReader": {"Resource": "arn:aws:states:::s3:getObject", "ReaderConfig": {"InputType": "CSV", "CSVHeaderLocation": "GIVEN"}}, "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}, "StartAt": "W", "States": {"W": {"Type": "Pass", "End": true}}}, "End": true}`), "field-required"},
		{"map items in jsonpath", machine("", `"S": {"Type": "Map", "Items": [1, 2], "ItemProcessor": {"StartAt": "W", "States": {"W": {"Type": "Pass", "End": true}}}, "End": true}`), "field-query-language"},
		{"map processor state scope", machine("", `"S": {"Type": "Map", "ItemProcessor": {"StartAt": "W", "States": {"W": {"Type": "Pass", "Next": "S"}}}, "End": true}`), "next-out-of-scope"},
		{"nested unreachable", machine("", `"S": {"Type": "Parallel", "Branches": [{"StartAt": "A", "States": {"A": {"Type": "Succeed"}, "B": {"Type": "Succeed"}}}], "End": true}`), "state-unreachable"},
		{"catch result path null", machine("", `"S": {`+task+`, "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": null, "Next": "S"}], "End": true}`), ""},
		{"catch output in jsonpath", machine("", `"S": {`+task+`, "Catch": [{"ErrorEquals": ["States.ALL"], "Output": {}, "Next": "S"}], "End": true}`), "field-query-language"},
		{"assign in jsonata catch", machine("JSONata", `"S": {`+task+`, "Catch": [{"ErrorEquals": ["States.ALL"], "Assign": {"e": "{% $states.errorOutput %}"}, "Next": "S"}], "End": true}`), ""},
		{"variable too long", machine("", `"S": {"Type": "Pass", "Assign": {"`+strings.Repeat("v", 81)+`": 1}, "End": true}`), "assign"},
		{"variable unicode", machine("", `"S": {"Type": "Pass", "Assign": {"größe": 1}, "End": true}`), ""},
		{"payload nested dollar", machine("", `"S": {"Type": "Pass", "Parameters": {"a": {"b": [{"c.$": "$.d"}]}}, "End": true}`), ""},
		{"payload nested bad dollar", machine("", `"S": {"Type": "Pass", "Parameters": {"a": {"b": [{"c.$": "d"}]}}, "End": true}`), "payload-template"},
		{"parameters not object", machine("", `"S": {"Type": "Pass", "Parameters": "x", "End": true}`), "field-type"},
		{"result selector variable", machine("", `"S": {`+task+`, "ResultSelector": {"v.$": "$myVar.x"}, "End": true}`), ""},
		{"result path variable", machine("", `"S": {"Type": "Pass", "ResultPath": "$myVar", "End": true}`), "reference-path"},
		{"intrinsic array get item negative", machine("", `"S": {"Type": "Pass", "Parameters": {"x.$": "States.ArrayGetItem($.a, -1)"}, "End": true}`), "intrinsic-function"},
		{"intrinsic string split number", machine("", `"S": {"Type": "Pass", "Parameters": {"x.$": "States.StringSplit($.a, 1)"}, "End": true}`), "intrinsic-function"},
		{"intrinsic trailing text", machine("", `"S": {"Type": "Pass", "Parameters": {"x.$": "States.UUID() x"}, "End": true}`), "intrinsic-function"},
		{"intrinsic in assign", machine("", `"S": {"Type": "Pass", "Assign": {"id.$": "States.UUID()"}, "End": true}`), ""},
		{"jsonata whole arguments", machine("JSONata", `"S": {`+task+`, "Arguments": "{% $states.input %}", "End": true}`), ""},
		{"jsonata arguments number", machine("JSONata", `"S": {`+task+`, "Arguments": 3, "End": true}`), "field-type"},
		{"jsonata output result in pass", machine("JSONata", `"S": {"Type": "Pass", "Output": "{% $states.result %}", "End": true}`), "jsonata-states-variable"},
		{"jsonata states unknown field", machine("JSONata", `"S": {"Type": "Pass", "Output": "{% $states.inputs.x %}", "End": true}`), "jsonata-states-variable"},
		{"jsonata states context", machine("JSONata", `"S": {"Type": "Pass", "Output": "{% $states.context.Execution.Name %}", "End": true}`), ""},
		{"jsonata in jsonpath payload", machine("", `"S": {"Type": "Pass", "Parameters": {"x": "{% $states.input %}"}, "End": true}`), ""},
		{"jsonata seconds negative", machine("JSONata", `"S": {"Type": "Wait", "Seconds": -1, "End": true}`), "field-value"},
		{"jsonata comment", machine("JSONata", `"S": {"Type": "Pass", "Output": "{% /* note */ $states.input %}", "End": true}`), ""},
		{"state level jsonata under jsonpath", machine("JSONPath", `"S": {"Type": "Pass", "QueryLanguage": "JSONata", "Output": "{% 1 %}", "End": true}`), ""},
		{"end on succeed", machine("", `"S": {"Type": "Succeed", "End": true}`), "field-unknown"},
		{"next on fail", machine("", `"S": {"Type": "Fail", "Next": "S"}`), "field-unknown"},
		{"comment not string", machine("", `"S": {"Type": "Succeed", "Comment": 1}`), "field-type"},
		{"top timeout zero", `{"TimeoutSeconds": 0, "StartAt": "S", "States": {"S": {"Type": "Succeed"}}}`, "field-value"},
		{"state name empty", `{"StartAt": "", "States": {"": {"Type": "Succeed"}}}`, "state-name"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fs := Validate([]byte(tc.def))
			var errs []Finding
			for _, f := range fs {
				if f.Severity == SeverityError {
					errs = append(errs, f)
				}
			}
			if tc.rule == "" {
				if len(errs) > 0 {
					t.Errorf("want no error, got %v", errs)
				}
				return
			}
			if len(find(errs, tc.rule)) == 0 {
				t.Errorf("want an error of rule %s, got %v", tc.rule, fs)
			}
		})
	}
}

func TestJSONataErrorPosition(t *testing.T) {
	src := `{"QueryLanguage": "JSONata", "StartAt": "P", "States": {"P": {"Type": "Pass", "End": true,
  "Output": "{% $states.input.a + %}"}}}`
	fs := find(Validate([]byte(src)), "jsonata")
	if len(fs) != 1 || fs[0].Line != 2 || fs[0].Column != 35 {
		t.Fatalf("findings %v, want one at 2:35 (the %%} after +)", fs)
	}
	// After an escape, source and string offsets differ: the string's start.
	src = `{"QueryLanguage": "JSONata", "StartAt": "P", "States": {"P": {"Type": "Pass", "End": true,
  "Output": "{% \"\u00e9\" & ( %}"}}}`
	fs = find(Validate([]byte(src)), "jsonata")
	if len(fs) != 1 || fs[0].Line != 2 || fs[0].Column != 13 {
		t.Fatalf("findings %v, want one at 2:13 (the string)", fs)
	}
}

// TestLargeDefinitionTime: checks stay linear on the largest definitions
// Step Functions takes (a chain of 20,000 states, each pointing at the next
// and catching into the first, is about 1 MiB).
func TestLargeDefinitionTime(t *testing.T) {
	var b strings.Builder
	const n = 20000
	b.WriteString(`{"StartAt":"s0","States":{`)
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		next := `"Next":"s` + strconv.Itoa(i+1) + `"`
		if i == n-1 {
			next = `"End":true`
		}
		b.WriteString(`"s` + strconv.Itoa(i) + `":{"Type":"Pass",` + next + `}`)
	}
	b.WriteString(`}}`)
	start := time.Now()
	fs := Validate([]byte(b.String()))
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Validate of %d states took %v", n, d)
	}
	if HasErrors(fs) {
		t.Errorf("findings %v", fs[:min(3, len(fs))])
	}
}

// TestLineIndex compares the block-counted columns with a plain count
// over text with long lines and multi-byte characters.
func TestLineIndex(t *testing.T) {
	var b strings.Builder
	for i := 0; i < 3000; i++ {
		switch i % 7 {
		case 0:
			b.WriteString("é")
		case 3:
			b.WriteString("✓𝄞")
		case 5:
			if i%500 == 5 {
				b.WriteByte('\n')
			}
		}
		b.WriteString("ab")
	}
	data := []byte(b.String())
	idx := newLineIndex(data)
	line, start := 1, 0
	for off := 0; off <= len(data); off++ {
		if off > 0 && data[off-1] == '\n' {
			line, start = line+1, off
		}
		if off < len(data) && !utf8.RuneStart(data[off]) {
			continue // findings start at characters
		}
		wantCol := utf8.RuneCount(data[start:off]) + 1
		if l, c := idx.at(off); l != line || c != wantCol {
			t.Fatalf("offset %d: %d:%d, want %d:%d", off, l, c, line, wantCol)
		}
	}
	for _, n := range []int{0, 1, lineBlock - 1, lineBlock, lineBlock + 1, 2 * lineBlock} {
		d := []byte(strings.Repeat("x", n))
		if l, c := newLineIndex(d).at(n); l != 1 || c != n+1 {
			t.Errorf("%d bytes: end at %d:%d", n, l, c)
		}
	}
}

func TestValidateExpress(t *testing.T) {
	src := []byte(`{"StartAt": "Wait", "States": {
  "Wait": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken", "Next": "Fan"},
  "Fan": {"Type": "Map", "End": true, "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"},
    "StartAt": "Run", "States": {"Run": {"Type": "Task", "Resource": "arn:aws:states:::ecs:runTask.sync", "End": true}}}}
}}`)
	d, err := Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	// STANDARD: only the EXPRESS child executions are limited.
	if got := find(d.Validate(), "express-integration"); len(got) != 1 || got[0].Pointer != "/States/Fan/ItemProcessor/States/Run/Resource" {
		t.Errorf("Validate: %v, want the .sync task of the EXPRESS processor", got)
	}
	// EXPRESS: every state, each once.
	got := find(d.ValidateExpress(), "express-integration")
	if len(got) != 2 || got[0].Pointer != "/States/Wait/Resource" || got[1].Pointer != "/States/Fan/ItemProcessor/States/Run/Resource" {
		t.Errorf("ValidateExpress: %v, want the callback and the .sync task", got)
	}
}

func TestJSONataInJSONPathWarning(t *testing.T) {
	fs := Validate([]byte(`{"StartAt": "S", "States": {"S": {"Type": "Pass", "Parameters": {"x": "{% $states.input %}"}, "End": true}}}`))
	if w := find(fs, "payload-literal-path"); len(w) != 1 || w[0].Severity != SeverityWarning || w[0].Pointer != "/States/S/Parameters/x" {
		t.Errorf("findings %v, want one payload-literal-path warning", fs)
	}
}
