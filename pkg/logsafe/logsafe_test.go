package logsafe

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// hostile are the values issue 9 found reaching the job log raw, and their
// neighbours.
var hostile = []string{
	"a\n::add-mask::x\n.yaml", "name\n::add-mask::secret", "##[add-mask]x.yaml", "component:a\r::error::b",
	"  ::set-output name=a::b", "\t::warning::x", "x\u2028::error::y", "x\u0085::error::y", "ok ##[set-env name=A]b",
	"::stop-commands::tok", "\x1b[31mred\x1b[0m", "abc\u202eevil", "bad\xffutf8", ":::", "###[x", "\u2066iso\u2069",
}

func TestStringNeutralises(t *testing.T) {
	for _, h := range hostile {
		got := String(h)
		if reason := unsafeOutput(got); reason != "" {
			t.Errorf("String(%q) = %q: %s", h, got, reason)
		}
	}
}

func TestStringShowsWhatWasThere(t *testing.T) {
	for in, want := range map[string]string{
		"a\n::add-mask::x\n.yaml": `a\n:` + zwsp + `:add-mask:` + zwsp + `:x\n.yaml`,
		"##[add-mask]x.yaml":      "#" + zwsp + "#[add-mask]x.yaml",
		"\x1b[31m":                `\x1b[31m`,
		"abc\u202eevil":           `abc\u202eevil`,
		"bad\xffutf8":             `bad\xffutf8`,
		"plain: text # ok [x]":    "plain: text # ok [x]",
		"é ünïcödé":               "é ünïcödé",
		"":                        "",
	} {
		if got := String(in); got != want {
			t.Errorf("String(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLine(t *testing.T) {
	for _, h := range append(hostile, ":", " :x", ": ") {
		got := Line(h)
		if reason := unsafeLine(got); reason != "" {
			t.Errorf("Line(%q) = %q: %s", h, got, reason)
		}
	}
}

func TestClip(t *testing.T) {
	if got := Line("arn:aws:iam::123456789012:role/x"); got != "arn:aws:iam::123456789012:role/x" {
		t.Errorf("Line changed an ARN: %q", got)
	}
	if got := Line("\u3000::x"); !strings.HasPrefix(got, "› ") {
		t.Errorf("Line(ideographic space, ::x) = %q", got)
	}
	if got := Clip(strings.Repeat("é", 10), 5); got != "éé…(16 more bytes)" {
		t.Errorf("Clip = %q", got)
	}
	if got := Clip("short", 5); got != "short" {
		t.Errorf("Clip = %q", got)
	}
}

func TestWriter(t *testing.T) {
	var out bytes.Buffer
	w := NewWriter(&out)
	for _, h := range hostile {
		if _, err := w.Write([]byte(h + "\r\n")); err != nil {
			t.Fatal(err)
		}
	}
	w.Write([]byte("::partial"))
	w.Write([]byte("::rest"))
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	w.Write(bytes.Repeat([]byte(":"), 3*maxLine))
	w.Flush()
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	// One line per hostile value (their own line breaks split them further),
	// the joined partial line, and the long line in pieces.
	if len(lines) < len(hostile)+2 {
		t.Fatalf("%d lines", len(lines))
	}
	for i, l := range lines {
		if reason := unsafeLine(l); reason != "" {
			t.Errorf("line %d %q: %s", i, l, reason)
		}
	}
}

// unsafeLine says what in the line s could act on a runner or terminal:
// "::" is harmless but at its start.
func unsafeLine(s string) string {
	if strings.HasPrefix(strings.TrimLeftFunc(s, unicode.IsSpace), "::") {
		return "starts a command"
	}
	return unsafeOutput(strings.ReplaceAll(s, "::", ""))
}

// unsafeOutput says what in s could act on a runner or terminal, or "".
func unsafeOutput(s string) string {
	trimmed := strings.TrimLeft(s, " \t")
	switch {
	case !utf8.ValidString(s):
		return "invalid UTF-8"
	case strings.Contains(s, "::"):
		return `has "::"`
	case strings.HasPrefix(trimmed, "::"):
		return "starts a command"
	case strings.Contains(s, "##["):
		return `has "##["`
	}
	for _, r := range s {
		if unsafeRune(r) {
			return "has a control or bidi character"
		}
	}
	return ""
}

// FuzzString: whatever the value, the output is one line with no command
// marker and no control character, and clean values pass unchanged.
func FuzzString(f *testing.F) {
	for _, h := range hostile {
		f.Add(h)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := String(s)
		if reason := unsafeOutput(got); reason != "" {
			t.Fatalf("String(%q) = %q: %s", s, got, reason)
		}
		if unsafeOutput(s) == "" && got != s {
			t.Fatalf("String changed a harmless %q to %q", s, got)
		}
		if l := Line(s); unsafeLine(l) != "" {
			t.Fatalf("Line(%q) = %q: %s", s, l, unsafeLine(l))
		}
	})
}

func TestJSONKeepsTheValue(t *testing.T) {
	for _, h := range hostile {
		if !utf8.ValidString(h) {
			continue
		}
		in, _ := json.MarshalIndent(map[string]any{"file": h, h: []string{h, "::", "x"}}, "", "  ")
		got := JSON(in)
		var back, want any
		if err := json.Unmarshal(got, &back); err != nil {
			t.Fatalf("JSON(%q) is not JSON: %v\n%s", h, err, got)
		}
		json.Unmarshal(in, &want)
		if !reflect.DeepEqual(back, want) {
			t.Errorf("JSON(%q) changed the value: %v", h, back)
		}
		for _, line := range strings.Split(string(got), "\n") {
			if reason := unsafeLine(line); reason != "" {
				t.Errorf("JSON(%q) line %q: %s", h, line, reason)
			}
		}
	}
}
