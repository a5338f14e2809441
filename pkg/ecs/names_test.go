package ecs

import (
	"regexp"
	"testing"

	"github.com/stagecrew/stagecrew/internal/charset/charsettest"
)

// The expressions names.go replaced; the fuzz targets of values_test.go
// judge parsed entries by them too.
var (
	reContainerName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,255}$`)
	reVarName       = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,254}$`)
)

var nameCases = []charsettest.Case{
	{Name: "isName", Regexp: reContainerName.String(), Match: isName, Seeds: []string{"web", "web_task-2"}},
	{Name: "isVarName", Regexp: reVarName.String(), Match: isVarName, Seeds: []string{"PATH", "_x1", "a"}},
	{Name: "isStartedBy", Regexp: `^[A-Za-z0-9_/-]{1,128}$`, Match: isStartedBy, Seeds: []string{"stagecrew-0123abcd", "ci/run_1"}},
}

// TestNamesAgreeWithRegexp checks the checks of names.go against the
// regular expressions they replaced, on 5,000 mutated strings each.
func TestNamesAgreeWithRegexp(t *testing.T) { charsettest.Check(t, nameCases, 5000, "", "é", "a\n") }

// FuzzNames checks the same on fuzz inputs.
func FuzzNames(f *testing.F) { charsettest.Fuzz(f, nameCases) }
