package policy

import (
	"strings"
	"testing"

	"github.com/stagecrew/stagecrew/internal/charset/charsettest"
)

// nameCases pairs each check of names.go with the regular expression it
// replaced.
var nameCases = []charsettest.Case{
	{Name: "isLogin", Regexp: `^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:\[bot\])?$`, Match: isLogin,
		Seeds: []string{"octocat", "dependabot[bot]", "a", "my-app-2[bot]", strings.Repeat("a", 39) + "[bot]"}},
	{Name: "isName", Regexp: `^[A-Za-z0-9][-A-Za-z0-9_.]{0,62}$`, Match: isName, Seeds: []string{"production", "eu-west_1.x", "a"}},
	{Name: "isEvent", Regexp: `^[a-z][a-z_]*$`, Match: isEvent, Seeds: []string{"push", "workflow_dispatch", "a"}},
}

// TestNamesAgreeWithRegexp checks the checks of names.go against the
// regular expressions they replaced, on 5,000 mutated strings each.
func TestNamesAgreeWithRegexp(t *testing.T) {
	charsettest.Check(t, nameCases, 5000, "", "[bot]", "a[bot][bot]", "é")
}

// FuzzNames checks the same on fuzz inputs.
func FuzzNames(f *testing.F) { charsettest.Fuzz(f, nameCases) }
