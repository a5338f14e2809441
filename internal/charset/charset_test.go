package charset

import (
	"regexp"
	"testing"

	"github.com/stagecrew/stagecrew/internal/charset/charsettest"
)

func TestNew(t *testing.T) {
	s := New("A-Za-z0-9_.-")
	for c := range 256 {
		want := regexp.MustCompile(`^[A-Za-z0-9_.-]$`).MatchString(string([]byte{byte(c)}))
		if got := s.Has(byte(c)); got != want {
			t.Errorf("Has(%#x) = %v, want %v", c, got, want)
		}
	}
	if !New("-a").Has('-') || !New("a-").Has('-') || New("a-c").Has('-') {
		t.Error("a '-' first or last is itself; between two characters it makes a range")
	}
	defer func() {
		if recover() == nil {
			t.Error("New(\"z-a\") did not panic")
		}
	}()
	New("z-a")
}

var cases = []charsettest.Case{
	{Name: "Span(1,255)", Regexp: `^[A-Za-z0-9_-]{1,255}$`, Match: func(s string) bool { return New("A-Za-z0-9_-").Span(s, 1, 255) }, Seeds: []string{"web", "a_b-C9"}},
	{Name: "Span(0,3)", Regexp: `^[a-c]{0,3}$`, Match: func(s string) bool { return New("a-c").Span(s, 0, 3) }, Seeds: []string{"", "abc", "c"}},
	{Name: "All", Regexp: `^[#/.\w-]*$`, Match: New("#/.A-Za-z0-9_-").All, Seeds: []string{"", "/aws/ecs/web#1"}},
}

func TestSpanAgreesWithRegexp(t *testing.T) { charsettest.Check(t, cases, 3000, "é", "\xff", "a\n") }

func FuzzSpan(f *testing.F) { charsettest.Fuzz(f, cases) }
