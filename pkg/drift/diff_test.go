package drift

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

func TestUnifiedDiff(t *testing.T) {
	a := "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n"
	b := "a\nb\nC\nd\ne\nf\ng\nh\ni\nj\nk\n"
	got := UnifiedDiff("x", "y", a, b, 1)
	want := "--- x\n+++ y\n@@ -2,3 +2,3 @@\n b\n-c\n+C\n d\n@@ -10 +10,2 @@\n j\n+k\n"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if d := UnifiedDiff("x", "y", a, a, 3); d != "" {
		t.Errorf("equal texts: %q", d)
	}
	if d := UnifiedDiff("x", "y", "a", "b", 3); d != "--- x\n+++ y\n@@ -1 +1 @@\n-a\n\\ No newline at end of file\n+b\n\\ No newline at end of file\n" {
		t.Errorf("no final newline:\n%s", d)
	}
	if d := UnifiedDiff("/dev/null", "b/f", "", "x\n", 3); d != "--- /dev/null\n+++ b/f\n@@ -0,0 +1 @@\n+x\n" {
		t.Errorf("new file:\n%s", d)
	}
}

func TestCanonicalJSON(t *testing.T) {
	x, err := CanonicalJSON([]byte(strings.Replace(repoDefinition, "${Greeting}", "hi", 1)))
	if err != nil {
		t.Fatal(err)
	}
	y, _ := CanonicalJSON([]byte(definition))
	if x != y || !strings.HasPrefix(x, "{\n  \"StartAt\": \"Hello\",\n") {
		t.Errorf("%s\n%s", x, y)
	}
	if n, _ := CanonicalJSON([]byte(`{"n": 1.50, "big": 12345678901234567890, "s": "<&>"}`)); n != "{\n  \"big\": 12345678901234567890,\n  \"n\": 1.50,\n  \"s\": \"<&>\"\n}\n" {
		t.Errorf("numbers and HTML kept as written: %s", n)
	}
	for _, bad := range []string{"", "{", `{"a":1} {"b":2}`, "nul"} {
		if _, err := CanonicalJSON([]byte(bad)); err == nil {
			t.Errorf("%q passed", bad)
		}
	}
}

// applyUnified applies a diff made by UnifiedDiff to a, as patch would.
func applyUnified(a, diff string) (string, error) {
	if diff == "" {
		return a, nil
	}
	src := splitLines(a)
	lines := strings.SplitAfter(diff, "\n")
	var out []string
	next := 0 // index in src of the next line not yet copied
	for i := 2; i < len(lines); i++ {
		l := lines[i]
		if l == "" {
			continue
		}
		if !strings.HasPrefix(l, "@@ -") {
			return "", fmt.Errorf("line %d: %q is not a hunk header", i, l)
		}
		r := strings.Fields(l)[1][1:]
		startS, _, _ := strings.Cut(r, ",")
		start, _ := strconv.Atoi(startS)
		if strings.HasSuffix(r, ",0") {
			start++ // an empty range names the line before
		}
		for ; next < start-1; next++ {
			out = append(out, src[next])
		}
		for i+1 < len(lines) && lines[i+1] != "" && !strings.HasPrefix(lines[i+1], "@@") {
			i++
			body := lines[i]
			noNL := i+1 < len(lines) && strings.HasPrefix(lines[i+1], "\\ No newline")
			text := body[1:]
			if noNL {
				text = strings.TrimSuffix(text, "\n")
				i++
			}
			switch body[0] {
			case ' ':
				if next >= len(src) || src[next] != text {
					return "", fmt.Errorf("context %q does not match %q", text, src[min(next, len(src)-1)])
				}
				out = append(out, text)
				next++
			case '-':
				if next >= len(src) || src[next] != text {
					return "", fmt.Errorf("removed %q does not match", text)
				}
				next++
			case '+':
				out = append(out, text)
			default:
				return "", fmt.Errorf("bad line %q", body)
			}
		}
	}
	out = append(out, src[next:]...)
	return strings.Join(out, ""), nil
}

func FuzzUnifiedDiff(f *testing.F) {
	f.Add("a\nb\nc\n", "a\nc\nd\n", 3)
	f.Add("", "x", 0)
	f.Add("x\ny", "x\ny\n", 1)
	f.Add(repoDefinition, changedDefinition, 2)
	f.Fuzz(func(t *testing.T, a, b string, context int) {
		context = max(0, context%8)
		d := UnifiedDiff("a", "b", a, b, context)
		if (d == "") != (a == b) {
			t.Fatalf("diff %q for a=%q b=%q", d, a, b)
		}
		got, err := applyUnified(a, d)
		if err != nil {
			t.Fatalf("%v\na=%q\nb=%q\n%s", err, a, b, d)
		}
		if got != b {
			t.Fatalf("applied: %q, want %q\n%s", got, b, d)
		}
	})
}

func FuzzCanonicalJSON(f *testing.F) {
	f.Add(definition)
	f.Add(repoDefinition)
	f.Add(`[1, 2.0, "\u2028", {"b": null, "a": true}]`)
	f.Fuzz(func(t *testing.T, s string) {
		c, err := CanonicalJSON([]byte(s))
		if err != nil {
			return
		}
		again, err := CanonicalJSON([]byte(c))
		if err != nil || again != c {
			t.Fatalf("not stable: %q -> %q (%v)", c, again, err)
		}
		var x, y any
		if json.Unmarshal([]byte(s), &x) == nil && json.Unmarshal([]byte(c), &y) == nil && !reflect.DeepEqual(x, y) {
			t.Fatalf("value changed: %q -> %q", s, c)
		}
	})
}

func TestARNParts(t *testing.T) {
	for in, want := range map[string]string{
		"arn:aws:ecs:us-east-1:111111111111:task-definition/web:12": "web",
		"arn:aws:ecs:us-east-1:111111111111:task-definition/web":    "web",
		"web:3": "",
	} {
		if got := taskFamily(in); got != want {
			t.Errorf("taskFamily(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{
		"arn:aws:ecs:us-east-1:111111111111:service/web":            "arn:aws:ecs:us-east-1:111111111111:service/default/web",
		"arn:aws:states:us-east-1:111111111111:stateMachine:m:live": "arn:aws:states:us-east-1:111111111111:stateMachine:m",
		"arn:aws:ecs:us-east-1:111111111111:cluster/main":           "",
		"arn:aws:lambda:us-east-1:111111111111:function:f":          "",
	} {
		if got := canonicalARN(in); got != want {
			t.Errorf("canonicalARN(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzARNParts(f *testing.F) {
	f.Add("arn:aws:ecs:us-east-1:111111111111:task-definition/web:12")
	f.Add("arn:aws:states:us-east-1:111111111111:stateMachine:m:live")
	f.Add("arn:aws:ecs:us-east-1:111111111111:service/main/web")
	f.Fuzz(func(t *testing.T, s string) {
		if fam := taskFamily(s); strings.ContainsAny(fam, ":") {
			t.Fatalf("family %q of %q", fam, s)
		}
		if c := canonicalARN(s); c != "" && canonicalARN(c) != c {
			t.Fatalf("canonicalARN not stable: %q -> %q -> %q", s, c, canonicalARN(c))
		}
		if r, ok := tagRef(s, "Component"); ok && r.Name == "" {
			t.Fatalf("tagRef(%q) gave an empty name", s)
		}
	})
}
