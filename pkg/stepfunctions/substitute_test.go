package stepfunctions

import (
	"encoding/json"
	"testing"
)

func TestSubstitute(t *testing.T) {
	cases := []struct{ in, want string }{
		{`{"a": "${A}"}`, `{"a": "x\"y\\z"}`},                                                    // escaped inside a string
		{`{"n": ${N}}`, `{"n": 42}`},                                                             // raw outside
		{`{"a": "\"${A}"}`, `{"a": "\"x\"y\\z"}`},                                                // an escaped quote does not end the string
		{`{"a": "$${A}"}`, `{"a": "$x\"y\\z"}`},                                                  // a dollar before
		{`{"a": "${ A }", "b": "${1x}", "c": "${"}`, `{"a": "${ A }", "b": "${1x}", "c": "${"}`}, // not placeholders
		{`{"r": "${AWS::Region}"}`, `{"r": "eu-west-1"}`},
	}
	vals := map[string]string{"A": `x"y\z`, "N": "42", "AWS::Region": "eu-west-1"}
	for _, c := range cases {
		got, err := Substitute("d.json", []byte(c.in), vals)
		if err != nil || string(got) != c.want {
			t.Errorf("Substitute(%s) = %s, %v; want %s", c.in, got, err, c.want)
		}
	}
	if ps := Placeholders([]byte("{\n\"a\": \"${A}\",\n\"b\": ${B}, \"c\": \"${A}\"}")); len(ps) != 2 || ps[0] != (Placeholder{"A", 2}) || ps[1] != (Placeholder{"B", 3}) {
		t.Errorf("Placeholders = %v", ps)
	}
}

// FuzzSubstitute: whatever the definition, values for every placeholder
// listed by Placeholders are enough, and values put inside JSON strings
// never break the JSON.
func FuzzSubstitute(f *testing.F) {
	f.Add([]byte(`{"a": "${A}", "b": ${B}}`), `q"uo\te`)
	f.Add([]byte(`{"a": "\\"}${A}"}`), "\n")
	f.Fuzz(func(t *testing.T, def []byte, v string) {
		vals := map[string]string{}
		for _, p := range Placeholders(def) {
			vals[p.Name] = v
		}
		out, err := Substitute("f", def, vals)
		if err != nil {
			t.Fatalf("all values given: %v", err)
		}
		// A definition whose placeholders all sit inside strings stays
		// valid JSON with any value.
		if json.Valid(def) && !json.Valid(out) {
			t.Fatalf("valid %q became invalid %q with %q", def, out, v)
		}
	})
}
