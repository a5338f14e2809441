package annotations

import (
	"testing"

	"github.com/stagecrew/stagecrew/internal/charset/charsettest"
)

// nameCases pairs each check of names.go with the regular expression it
// replaced.
var nameCases = []charsettest.Case{
	{Name: "isRegion", Regexp: `^([a-z]{2}(-gov|-iso[a-z]*)?|eusc-[a-z]{2})-[a-z]+-\d$`, Match: isRegion,
		Seeds: []string{"us-east-1", "cn-north-1", "us-gov-west-1", "us-isob-east-1", "us-iso-east-1", "eusc-de-east-1", "eu-west-3", "us-isofx-south-2"}},
	{Name: "isAccount", Regexp: `^\d{12}$`, Match: isAccount, Seeds: []string{"123456789012", "000000000000"}},
	{Name: "isStateMachineName", Regexp: `^[A-Za-z0-9_-]{1,80}$`, Match: isStateMachineName, Seeds: []string{"deploy", "Deploy_v2-x", "a"}},
	{Name: "isVersion", Regexp: `^[1-9][0-9]{0,18}$`, Match: isVersion, Seeds: []string{"1", "7", "1234567890123456789", "90"}},
	{Name: "isAliasQualifier", Regexp: `^[A-Za-z0-9_.-]{1,80}$`, Match: isAliasQualifier, Seeds: []string{"live", "live.v1", "0"}},
	{Name: "isECSName", Regexp: `^[A-Za-z0-9_-]{1,255}$`, Match: isECSName, Seeds: []string{"web", "prod_cluster-2"}},
	{Name: "isRoleName", Regexp: `^[\w+=,.@-]{1,64}$`, Match: isRoleName, Seeds: []string{"deployer", "a+b=c,d.e@f-g_h"}},
	{Name: "isObjectName", Regexp: `^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$`, Match: isObjectName, Seeds: []string{"staging", "a", "prod-eu.1_x"}},
	{Name: "isAliasName", Regexp: `^[0-9]*[A-Za-z_.-][A-Za-z0-9_.-]*$`, Match: isAliasName, Seeds: []string{"live", "1a", "-", "v1.2"}},
	{Name: "isSubstitutionName", Regexp: `^[A-Za-z_][A-Za-z0-9_]*$`, Match: isSubstitutionName, Seeds: []string{"TableName", "_x1", "a"}},
}

// TestNamesAgreeWithRegexp checks the checks of names.go against the
// regular expressions they replaced, on 5,000 mutated strings each.
func TestNamesAgreeWithRegexp(t *testing.T) {
	charsettest.Check(t, nameCases, 5000, "", "-", "us-east-1\n", "us-\u00e9ast-1", "us-east-\xff")
}

// FuzzNames checks the same on fuzz inputs.
func FuzzNames(f *testing.F) { charsettest.Fuzz(f, nameCases) }
