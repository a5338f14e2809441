package catalog

import (
	"strings"
	"testing"
)

// The checks below once split their input with strings.Split (an
// allocation per call, a dozen per entity); they now walk it in place. The
// split versions are kept here as the reference the new ones must agree
// with on every input.

func splitIsValidDNSSubdomain(s string) bool {
	if jsLen(s) < 1 || jsLen(s) > 253 {
		return false
	}
	for _, label := range strings.Split(s, ".") {
		if !isValidDNSLabel(label) {
			return false
		}
	}
	return true
}

func splitIsValidAPIVersion(s string) bool {
	parts := strings.Split(s, "/")
	suffix := parts[len(parts)-1]
	switch len(parts) {
	case 1:
	case 2:
		if !splitIsValidDNSSubdomain(parts[0]) {
			return false
		}
	default:
		return false
	}
	return len(suffix) >= 1 && len(suffix) <= 63 && allAlnum(suffix)
}

func splitIsValidPrefixedName(s string) bool {
	parts := strings.Split(s, "/")
	switch len(parts) {
	case 1:
		return isValidObjectName(parts[0])
	case 2:
		return splitIsValidDNSSubdomain(parts[0]) && isValidObjectName(parts[1])
	}
	return false
}

func splitEndsInNumber(host string) bool {
	parts := strings.Split(host, ".")
	if parts[len(parts)-1] == "" {
		if len(parts) == 1 {
			return false
		}
		parts = parts[:len(parts)-1]
	}
	last := parts[len(parts)-1]
	if last != "" && strings.Trim(last, "0123456789") == "" {
		return true
	}
	_, ok := ipv4Number(last)
	return ok
}

func splitValidIPv4(host string) bool {
	parts := strings.Split(host, ".")
	if parts[len(parts)-1] == "" && len(parts) > 1 {
		parts = parts[:len(parts)-1]
	}
	if len(parts) > 4 {
		return false
	}
	nums := make([]uint64, len(parts))
	for i, p := range parts {
		n, ok := ipv4Number(p)
		if !ok {
			return false
		}
		nums[i] = n
	}
	for _, n := range nums[:len(nums)-1] {
		if n > 255 {
			return false
		}
	}
	return nums[len(nums)-1] < 1<<(8*(5-len(nums)))
}

// splitChecks pairs each in-place check with its split reference.
var splitChecks = []struct {
	name      string
	got, want func(string) bool
}{
	{"isValidDNSSubdomain", isValidDNSSubdomain, splitIsValidDNSSubdomain},
	{"isValidAPIVersion", isValidAPIVersion, splitIsValidAPIVersion},
	{"isValidPrefixedName", isValidPrefixedName, splitIsValidPrefixedName},
	{"endsInNumber", endsInNumber, splitEndsInNumber},
	{"validIPv4", validIPv4, splitValidIPv4},
}

func checkSplitChecks(t *testing.T, s string) {
	t.Helper()
	for _, c := range splitChecks {
		if got, want := c.got(s), c.want(s); got != want {
			t.Errorf("%s(%q) = %v, the split version says %v", c.name, s, got, want)
		}
	}
}

// TestInPlaceChecksMatchSplit tries every string of up to five characters
// over an alphabet of the separators, characters each check treats
// differently and one of more than one byte; then longer real-looking ones.
func TestInPlaceChecksMatchSplit(t *testing.T) {
	alphabet := []string{"a", "0", "x", "-", ".", "/", "A", "é"}
	var gen func(prefix string, depth int)
	gen = func(prefix string, depth int) {
		checkSplitChecks(t, prefix)
		if depth == 0 {
			return
		}
		for _, c := range alphabet {
			gen(prefix+c, depth-1)
		}
	}
	gen("", 5)
	long := strings.Repeat("a.", 126) + "a" // 253 characters
	for _, s := range []string{
		"backstage.io/v1alpha1", "scaffolder.backstage.io/v1beta3", "v1", "a/b/c", "/v1", "x/",
		"backstage.io/source-location", "github.com/project-slug", "example.com/cost-center", "tier",
		long + "/n", long + "a/n", long, long + "a", "192.168.0.1", "0x7f.1", "1.2.3.4.5", "1.2.3.4.",
		"256.1.1.1", "1.16777216", "4294967295", "4294967296", "09", "0x", "1..2", "..", ".",
	} {
		checkSplitChecks(t, s)
	}
}

func FuzzInPlaceChecks(f *testing.F) {
	for _, s := range []string{"backstage.io/v1alpha1", "a/b", "1.2.3.4", "0x1.", "a..b", "é.a/b"} {
		f.Add(s)
	}
	f.Fuzz(checkSplitChecks)
}
