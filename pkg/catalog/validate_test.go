package catalog

import (
	"regexp"
	"testing"
)

// The byte-loop format checks must agree with Backstage's regular
// expressions (from @backstage/catalog-model 1.10) on every input.
var formatChecks = []struct {
	name  string
	re    *regexp.Regexp
	check func(string) bool
}{
	{"objectName", regexp.MustCompile(`^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$`), isValidObjectName},
	{"dnsLabel", regexp.MustCompile(`^[a-z0-9]+(?:-+[a-z0-9]+)*$`), isValidDNSLabel},
	{"tag", regexp.MustCompile(`^[a-z0-9:+#]+(-[a-z0-9:+#]+)*$`), isValidTag},
	{"kind", regexp.MustCompile(`^[a-zA-Z][a-z0-9A-Z]*$`), isValidKind},
}

func checkFormats(t *testing.T, s string) {
	for _, fc := range formatChecks {
		want := len(s) >= 1 && len(s) <= 63 && fc.re.MatchString(s)
		if got := fc.check(s); got != want {
			t.Errorf("%s(%q) = %v, the regular expression says %v", fc.name, s, got, want)
		}
	}
}

func TestFormatChecksMatchRegexps(t *testing.T) {
	alphabet := []string{"a", "Z", "0", "-", "_", ".", ":", "+", "#", " ", "é"}
	var gen func(prefix string, depth int)
	gen = func(prefix string, depth int) {
		checkFormats(t, prefix)
		if depth == 0 {
			return
		}
		for _, c := range alphabet {
			gen(prefix+c, depth-1)
		}
	}
	gen("", 4)
}

func FuzzFormatChecks(f *testing.F) {
	for _, s := range []string{"a-b", "a--b", "-a", "c++", "a_b.c", "A1"} {
		f.Add(s)
	}
	f.Fuzz(checkFormats)
}
