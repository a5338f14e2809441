package asl

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"testing"
	"time"
	"unicode/utf8"
)

// addCorpus seeds f with every definition of testdata.
func addCorpus(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*", "*.json"))
	if len(files) == 0 {
		f.Fatal("no corpus files")
	}
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
}

// fuzzTimeLimit bounds one Validate of a fuzz input (they are at most a
// few kilobytes); generous, for loaded machines.
const fuzzTimeLimit = 2 * time.Second

// FuzzValidate: Validate never panics, ends quickly, and every finding
// lies within the input with a line and column that match its offset.
func FuzzValidate(f *testing.F) {
	addCorpus(f)
	f.Add([]byte(`{"StartAt":"A","States":{"A":{"Type":"Pass","Parameters":{"x.$":"States.Format('{}', States.Array($.a[?(@.b)], 'c'))"},"End":true}}}`))
	f.Add([]byte(`{"QueryLanguage":"JSONata","StartAt":"A","States":{"A":{"Type":"Pass","Output":"{% $a.%.b@$c#$d[0]{'k': $}^(<x) ~> |a|b| %}","End":true}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		start := time.Now()
		findings := Validate(data)
		if d := time.Since(start); d > fuzzTimeLimit {
			t.Fatalf("Validate took %v for %d bytes", d, len(data))
		}
		idx := newLineIndex(data)
		for _, fd := range findings {
			if fd.Offset < 0 || fd.Offset > len(data) {
				t.Fatalf("finding offset %d outside %d bytes: %v", fd.Offset, len(data), fd)
			}
			line, col := idx.at(fd.Offset)
			if fd.Line != line || fd.Column != col {
				t.Fatalf("finding at %d:%d, its offset %d is at %d:%d: %v", fd.Line, fd.Column, fd.Offset, line, col, fd)
			}
			if rules[fd.Rule].ID == "" || fd.Severity != rules[fd.Rule].Severity && fd.Severity != SeverityWarning {
				t.Fatalf("finding of unknown rule or severity: %v", fd)
			}
		}
	})
}

// FuzzParseJSON compares the position-keeping decoder with encoding/json:
// what it accepts, encoding/json accepts with the same value.
func FuzzParseJSON(f *testing.F) {
	addCorpus(f)
	for _, s := range []string{`"\ud83d\ude00"`, `"\ud800"`, `1e400`, `-0.0e-5`, `[[[]]]`, `{"a":1,"a":2}`, "\"\xff\"", ` null `} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := parseJSON(data)
		var want any
		stdErr := json.Unmarshal(data, &want)
		if err != nil {
			se := err.(*SyntaxError)
			if se.Offset < 0 || se.Offset > len(data) {
				t.Fatalf("syntax error offset %d outside %d bytes", se.Offset, len(data))
			}
			if stdErr == nil && utf8.Valid(data) && !hasLoneSurrogate(want) && depthOf(want) < maxDepth {
				t.Fatalf("rejected what encoding/json accepts: %v", err)
			}
			return
		}
		if stdErr != nil {
			var ute *json.UnmarshalTypeError
			if ok := asUnmarshalType(stdErr, &ute); ok {
				return // a number out of float64's range: encoding/json refuses, JSON allows
			}
			t.Fatalf("accepted what encoding/json rejects (%v)", stdErr)
		}
		if got := toAny(v); !reflect.DeepEqual(got, want) {
			t.Fatalf("decoded %#v, encoding/json %#v", got, want)
		}
	})
}

func asUnmarshalType(err error, target **json.UnmarshalTypeError) bool {
	ute, ok := err.(*json.UnmarshalTypeError)
	if ok {
		*target = ute
	}
	return ok
}

func hasLoneSurrogate(v any) bool {
	switch x := v.(type) {
	case string:
		for _, r := range x {
			if r == utf8.RuneError {
				return true
			}
		}
	case []any:
		for _, it := range x {
			if hasLoneSurrogate(it) {
				return true
			}
		}
	case map[string]any:
		for k, it := range x {
			if hasLoneSurrogate(k) || hasLoneSurrogate(it) {
				return true
			}
		}
	}
	return false
}

func depthOf(v any) int {
	switch x := v.(type) {
	case []any:
		d := 0
		for _, it := range x {
			d = max(d, depthOf(it))
		}
		return d + 1
	case map[string]any:
		d := 0
		for _, it := range x {
			d = max(d, depthOf(it))
		}
		return d + 1
	}
	return 0
}

// toAny converts a Value as encoding/json decodes into an any (the last
// of duplicate members wins, as there).
func toAny(v *Value) any {
	switch v.Kind {
	case Null:
		return nil
	case Bool:
		return v.Bool
	case Number:
		f, err := strconv.ParseFloat(v.Str, 64)
		if err != nil && !math.IsInf(f, 0) {
			return nil
		}
		return f
	case String:
		return v.Str
	case Array:
		out := make([]any, len(v.Items))
		for i, it := range v.Items {
			out[i] = toAny(it)
		}
		return out
	}
	out := make(map[string]any, len(v.Members))
	for _, m := range v.Members {
		out[m.Key] = toAny(m.Value)
	}
	return out
}

// FuzzJSONata: the JSONata checker never panics and reports positions
// within the expression.
func FuzzJSONata(f *testing.F) {
	for _, c := range jsonataCases {
		f.Add(c.expr)
	}
	f.Fuzz(func(t *testing.T, expr string) {
		_, err := parseJSONata(expr)
		if je, ok := err.(*jsonataError); ok {
			if je.Pos < 0 || je.Pos > utf8.RuneCountInString(expr) {
				t.Fatalf("error position %d outside %q", je.Pos, expr)
			}
		}
	})
}

// FuzzIntrinsic: the intrinsic function parser never panics; what it
// accepts starts with States. and ends with ')'.
func FuzzIntrinsic(f *testing.F) {
	for _, s := range []string{"States.Format('a {} b', $.x)", "States.Array()", "States.Hash($.a, 'MD5')",
		"States.ArrayRange(1, 9, 2)", "States.Format('\\{\\}', States.UUID())", "States.MathAdd($.a[?(@.b == ')')], 1)"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if checkIntrinsic(s) == nil {
			if len(s) < 8 || s[len(s)-1] != ')' && s[len(s)-1] != ' ' && s[len(s)-1] != '\t' {
				t.Fatalf("accepted %q", s)
			}
		}
	})
}

// FuzzPath: a reference path is always a path.
func FuzzPath(f *testing.F) {
	for _, s := range []string{"$", "$$.Execution.Id", "$.a['b c'][0]", "$v.x", "$..a", "$.a[?(@.b > 1)]", "$.a.length()", "$['a']", "$.a.b()"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if checkReferencePath(s, true) == nil && checkPath(s, true) != nil {
			t.Fatalf("%q is a reference path but not a path: %v", s, checkPath(s, true))
		}
	})
}
