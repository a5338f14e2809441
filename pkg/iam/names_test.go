package iam

import (
	"strings"
	"testing"

	"github.com/stagecrew/stagecrew/internal/charset/charsettest"
)

// nameCases pairs each check of names.go with the regular expression it
// replaced.
var nameCases = []charsettest.Case{
	{Name: "isCodeDeployName", Regexp: `^[A-Za-z0-9_.+@-]{1,100}$`, Match: isCodeDeployName, Seeds: []string{"web-app", "a.b+c@d_e"}},
	{Name: "isLogGroup", Regexp: `^[\w\-/.#]{1,512}$`, Match: isLogGroup, Seeds: []string{"/ecs/web", "/aws/lambda/x#1.y_z-w"}},
	{Name: "isFamily", Regexp: `^[A-Za-z0-9_-]{1,255}$`, Match: isFamily, Seeds: []string{"web", "web_task-2"}},
	{Name: "isSecretName", Regexp: `^[A-Za-z0-9/_+=.@-]{1,512}$`, Match: isSecretName, Seeds: []string{"prod/db-AbC123", "a+b=c.d@e_f"}},
	{Name: "hasSecretSuffix", Regexp: `-[A-Za-z0-9]{6}$`, Match: hasSecretSuffix, Seeds: []string{"prod/db-AbC123", "-abcdef", "x-y-zzzzzz"}},
	{Name: "isParamName", Regexp: `^[A-Za-z0-9/_.-]+$`, Match: isParamName, Seeds: []string{"app/db/password", "a"}},
	{Name: "isRegionValue", Regexp: `^[a-z]{2}(-[a-z]+)+-[0-9]+$`, Match: isRegionValue, Seeds: []string{"us-east-1", "us-gov-west-1", "eu-central-12", "us-isob-east-1"}},
	{Name: "isOwner", Regexp: `^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$`, Match: isOwner, Seeds: []string{"acme", "a", "my-org-2"}},
	{Name: "isRepo", Regexp: `^[A-Za-z0-9._-]{1,100}$`, Match: isRepo, Seeds: []string{"web", ".github", "a_b-c.d"}},
	{Name: "isID", Regexp: `^[1-9][0-9]{0,19}$`, Match: isID, Seeds: []string{"1", "123456", "12345678901234567890"}},
	{Name: "isAccount", Regexp: `^[0-9]{12}$`, Match: isAccount, Seeds: []string{"123456789012"}},
	{Name: "isEnvName", Regexp: `^[^:*?\s][^:*?]{0,254}$`, Match: isEnvName, Seeds: []string{"production", "staging eu", "prod/é", "x", "日本 " + strings.Repeat("é", 250)}},
	{Name: "isBranch", Regexp: `^[^:*?\s~^\\\[]+$`, Match: isBranch, Seeds: []string{"main", "refs/heads/main", "feature/é-1"}},
	{Name: "isSid", Regexp: `^[A-Za-z0-9]*$`, Match: isSid, Seeds: []string{"", "AllowDeploy1"}},
	{Name: "isAction", Regexp: `^[a-z0-9][a-z0-9-]*:[A-Za-z0-9*?]+$`, Match: isAction, Seeds: []string{"states:StartExecution", "ecs:Describe*", "resource-groups:Get?"}},
	{Name: "isCondKey", Regexp: `^[A-Za-z0-9][A-Za-z0-9._-]*:[^\s]+$`, Match: isCondKey, Seeds: []string{"aws:SourceAccount", "token.actions.githubusercontent.com:sub", "ecs:cluster:x/é"}},
	{Name: "isService", Regexp: `^[a-z0-9][a-z0-9.-]*\.amazonaws\.com(\.cn)?$`, Match: isService, Seeds: []string{"ecs-tasks.amazonaws.com", "states.amazonaws.com.cn", "a.amazonaws.com.amazonaws.com"}},
	{Name: "isCanonical", Regexp: `^[0-9a-f]{64}$`, Match: isCanonical, Seeds: []string{strings.Repeat("0123456789abcdef", 4)}},
}

// TestNamesAgreeWithRegexp checks the checks of names.go against the
// regular expressions they replaced, on 5,000 mutated strings each.
func TestNamesAgreeWithRegexp(t *testing.T) {
	charsettest.Check(t, nameCases, 5000, "", ":", " x", "x\v", "\xff", strings.Repeat("é", 255), strings.Repeat("é", 256),
		strings.Repeat("\xff", 255), strings.Repeat("\xe6\x97", 128), "x\n")
}

// FuzzNames checks the same on fuzz inputs.
func FuzzNames(f *testing.F) { charsettest.Fuzz(f, nameCases) }
