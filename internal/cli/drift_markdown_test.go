package cli

import (
	"strings"
	"testing"
	"unicode"
)

func TestMdText(t *testing.T) {
	for in, want := range map[string]string{
		"@octocat fixes #12":            "&#64;octocat fixes &#35;12",
		"[x](https://evil.example)":     "\\[x\\]\\(https&#58;//evil.example\\)",
		"<img src=x onerror=alert(1)>":  "&lt;img src\\=x onerror\\=alert\\(1\\)&gt;",
		"a | b\nc":                      "a \\| b",
		"**bold** _it_ `code` ~~s~~ \\": "\\*\\*bold\\*\\* \\_it\\_ \\`code\\` \\~\\~s\\~\\~ \\\\",
	} {
		got := mdText(in)
		if !strings.HasPrefix(got, want) {
			t.Errorf("mdText(%q) = %q, want prefix %q", in, got, want)
		}
	}
	if got := mdCode("a`b|c"); got != "`` a`b\\|c ``" {
		t.Errorf("mdCode: %q", got)
	}
}

func TestClipLines(t *testing.T) {
	long := strings.Repeat("+x\n", 400)
	got := clipLines(long, 150)
	if strings.Count(got, "\n") != 151 || !strings.HasSuffix(got, "... 250 more lines (see the JSON report)\n") {
		t.Errorf("%q", got[len(got)-80:])
	}
	if clipLines("a\nb\n", 150) != "a\nb\n" {
		t.Error("a short diff was clipped")
	}
}

// FuzzMdText: escaped text keeps no markup character unescaped, no raw
// HTML, mention, reference or link scheme, and stays on one line.
func FuzzMdText(f *testing.F) {
	for _, s := range []string{"@octocat", "#1", "[a](b)", "<script>", "x\ny", "\x1b[31m", "a\\*b", "https://x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := mdText(s)
		bare := strings.NewReplacer("&#64;", "", "&#35;", "", "&#58;", "", "&lt;", "", "&gt;", "", "&amp;", "").Replace(out)
		if strings.ContainsAny(bare, "\n\r<>@#&") {
			t.Fatalf("mdText(%q) = %q", s, out)
		}
		if strings.Contains(out, "://") {
			t.Fatalf("a link scheme survived: %q", out)
		}
		escaped := false
		for _, r := range out {
			switch {
			case escaped:
				escaped = false
			case r == '\\':
				escaped = true
			case strings.ContainsRune("`*_[]()!|~{}+-=", r):
				t.Fatalf("unescaped %q in %q (from %q)", r, out, s)
			case unicode.IsControl(r):
				t.Fatalf("control %U in %q", r, out)
			}
		}
		code := mdCode(s)
		if strings.ContainsAny(code, "\n\r") {
			t.Fatalf("mdCode(%q) = %q", s, code)
		}
	})
}
