package report

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestCut(t *testing.T) {
	long := strings.Repeat("é", 50)
	for _, tc := range []struct {
		name, in string
		limit    int
		want     string // "" when in fits
		has      []string
	}{
		{name: "fits", in: "short\n", limit: 10},
		{name: "plain text on a line boundary", in: strings.Repeat("line one\n", 40), limit: 200, has: []string{"line one\n", "(cut"}},
		{name: "open code fence is closed", in: "intro\n````json\n" + strings.Repeat("```\n"+long+"\n", 20) + "````\n", limit: 300, has: []string{"\n````\n\n(cut"}},
		{name: "tilde fence", in: "~~~\n" + strings.Repeat(long+"\n", 30), limit: 200, has: []string{"\n~~~\n"}},
		{name: "open details is closed", in: "<details><summary>Output</summary>\n\n" + strings.Repeat(long+"\n", 30), limit: 200, has: []string{"</details>\n"}},
		{name: "one long line is cut on a character", in: long + long + long, limit: 120},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Cut(tc.in, tc.limit)
			if utf8.RuneCountInString(tc.in) <= tc.limit {
				if got != tc.in {
					t.Fatalf("Cut changed a text that fits: %q", got)
				}
				return
			}
			checkCut(t, tc.in, got, tc.limit)
			for _, h := range tc.has {
				if !strings.Contains(got, h) {
					t.Errorf("cut text lacks %q:\n%s", h, got)
				}
			}
		})
	}
}

func checkCut(t *testing.T, in, got string, limit int) {
	t.Helper()
	if n := utf8.RuneCountInString(got); n > limit {
		t.Errorf("%d characters, limit %d", n, limit)
	}
	if utf8.ValidString(in) && !utf8.ValidString(got) {
		t.Errorf("cut inside a character: %q", got)
	}
	if limit > 200 && !strings.HasSuffix(got, cutNote) {
		t.Errorf("no cut note at the end: %q", got[max(0, len(got)-100):])
	}
	if limit > 200 && closers(got) != "" {
		t.Errorf("still open after the cut (needs %q):\n%s", closers(got), got)
	}
}

func FuzzCut(f *testing.F) {
	f.Add("```\ncode\n", 150)
	f.Add("<details>\n"+strings.Repeat("ü`~", 100), 250)
	f.Add(strings.Repeat("````` x\n", 50), 300)
	f.Fuzz(func(t *testing.T, s string, limit int) {
		if limit < 0 || limit > 1<<16 {
			return
		}
		got := Cut(s, limit)
		if utf8.RuneCountInString(s) <= limit {
			if got != s {
				t.Fatal("changed a text that fits")
			}
			return
		}
		if n := utf8.RuneCountInString(got); n > limit {
			t.Fatalf("%d characters, limit %d", n, limit)
		}
		if utf8.ValidString(s) && !utf8.ValidString(got) {
			t.Fatalf("cut inside a character")
		}
		if limit >= 1000 && closers(got) != "" {
			t.Fatalf("still open after the cut (needs %q)", closers(got))
		}
	})
}
