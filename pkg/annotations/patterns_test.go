package annotations

import (
	"errors"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
)

// patternCase ties an exported pattern to the function it mirrors.
type patternCase struct {
	name    string
	pattern string
	parse   func(string) error
}

var patternCases = []patternCase{
	{"PatternStateMachineARN", PatternStateMachineARN, func(s string) error { _, err := ParseStateMachineARN(s); return err }},
	{"PatternServiceARN", PatternServiceARN, func(s string) error { _, err := ParseServiceARN(s); return err }},
	{"PatternRoleARN", PatternRoleARN, func(s string) error { _, err := ParseRoleARN(s); return err }},
	{"PatternTags", PatternTags, func(s string) error { _, err := ParseTags(s); return err }},
	{"PatternEnvironments", PatternEnvironments, func(s string) error { _, err := ParseEnvironments(s); return err }},
	{"PatternContainer", PatternContainer, checkContainer},
	{"PatternRepoPath", PatternRepoPath, checkRepoPath},
	{"PatternAliasName", PatternAliasName, CheckAliasName},
	{"PatternSubstitutions", PatternSubstitutions, func(s string) error { _, err := ParseSubstitutions(s); return err }},
	{"PatternRegion", PatternRegion, func(s string) error {
		if !isRegion(s) {
			return errBad
		}
		return nil
	}},
	{"PatternObjectName", PatternObjectName, func(s string) error {
		if len(s) > 63 || !isObjectName(s) {
			return errBad
		}
		return nil
	}},
}

var errBad = errors.New("does not match")

// TestPatternsAgreeWithParse checks each pattern against its parse function
// on hand-picked values, valid and invalid.
func TestPatternsAgreeWithParse(t *testing.T) {
	values := map[string][]string{
		"PatternStateMachineARN": {
			"arn:aws:states:us-east-1:123456789012:stateMachine:deploy",
			"arn:aws:states:eu-west-1:123456789012:stateMachine:Deploy_v2-x:7",
			"arn:aws:states:eu-west-1:123456789012:stateMachine:deploy:live.v1",
			"arn:aws:states:eu-west-1:123456789012:stateMachine:deploy:1a",
			"arn:aws:states:eu-west-1:123456789012:stateMachine:deploy:9999999999999999999",
			"arn:aws:states:eu-west-1:123456789012:stateMachine:deploy:99999999999999999999",
			"arn:aws-us-gov:states:us-gov-west-1:123456789012:stateMachine:deploy",
			"arn:aws-cn:states:cn-north-1:123456789012:stateMachine:deploy",
			"arn:aws-iso:states:us-iso-east-1:123456789012:stateMachine:deploy",
			"arn:aws-iso-b:states:us-isob-east-1:123456789012:stateMachine:deploy",
			"arn:aws-iso-e:states:eu-isoe-west-1:123456789012:stateMachine:deploy",
			"arn:aws-iso-f:states:us-isof-south-1:123456789012:stateMachine:deploy",
			"arn:aws-eusc:states:eusc-de-east-1:123456789012:stateMachine:deploy",
			"arn:aws:states:us-east-1:123456789012:stateMachine:" + strings.Repeat("a", 80),
			"arn:aws:states:us-east-1:123456789012:stateMachine:" + strings.Repeat("a", 81),
			"",
			" arn:aws:states:us-east-1:123456789012:stateMachine:deploy",
			"arn:aws:states:us-east-1:123456789012:stateMachine:deploy\n",
			"deploy",
			"arn:aws:states:us-east-1",
			"arn:azure:states:us-east-1:123456789012:stateMachine:deploy",
			"arn:aws:lambda:us-east-1:123456789012:function:deploy",
			"arn:aws:states::123456789012:stateMachine:deploy",
			"arn:aws:states:us-east:123456789012:stateMachine:deploy",
			"arn:aws:states:US-EAST-1:123456789012:stateMachine:deploy",
			"arn:aws:states:cn-north-1:123456789012:stateMachine:deploy",
			"arn:aws-us-gov:states:us-east-1:123456789012:stateMachine:deploy",
			"arn:aws:states:us-gov-west-1:123456789012:stateMachine:deploy",
			"arn:aws-iso:states:us-isob-east-1:123456789012:stateMachine:deploy",
			"arn:aws:states:us-isoz-east-1:123456789012:stateMachine:deploy",
			"arn:aws:states:us-gov-1:123456789012:stateMachine:deploy",
			"arn:aws-us-gov:states:us-gov-1:123456789012:stateMachine:deploy",
			"arn:aws:states:us-east-1:12345678901:stateMachine:deploy",
			"arn:aws:states:us-east-1:1234-5678-9012:stateMachine:deploy",
			"arn:aws:states:us-east-1:123456789012:execution:deploy:run-1",
			"arn:aws:states:us-east-1:123456789012:activity:deploy",
			"arn:aws:states:us-east-1:123456789012:stateMachine",
			"arn:aws:states:us-east-1:123456789012:stateMachine:",
			"arn:aws:states:us-east-1:123456789012:stateMachine:de ploy",
			"arn:aws:states:us-east-1:123456789012:stateMachine:deploy:0",
			"arn:aws:states:us-east-1:123456789012:stateMachine:deploy:007",
			"arn:aws:states:us-east-1:123456789012:stateMachine:deploy:",
			"arn:aws:states:us-east-1:123456789012:stateMachine:deploy:li ve",
			"arn:aws:states:us-east-1:123456789012:stateMachine:deploy:1:2",
		},
		"PatternServiceARN": {
			"arn:aws:ecs:us-east-1:123456789012:service/prod/api",
			"arn:aws:ecs:us-east-1:123456789012:service/api",
			"arn:aws-cn:ecs:cn-northwest-1:123456789012:service/prod/api",
			"arn:aws:ecs:us-east-1:123456789012:service/" + strings.Repeat("c", 255) + "/" + strings.Repeat("s", 255),
			"arn:aws:ecs:us-east-1:123456789012:service/" + strings.Repeat("c", 256) + "/api",
			"arn:aws:ecs:us-east-1:123456789012:service/prod/api/x",
			"arn:aws:ecs:us-east-1:123456789012:service/",
			"arn:aws:ecs:us-east-1:123456789012:service/prod/",
			"arn:aws:ecs:us-east-1:123456789012:service",
			"arn:aws:ecs:us-east-1:123456789012:task/prod/abc",
			"arn:aws:ecs:us-east-1:123456789012:cluster/prod",
			"arn:aws:ecs:us-east-1:123456789012:service/pr.od/api",
			"arn:aws:states:us-east-1:123456789012:service/prod/api",
			"arn:aws-cn:ecs:us-east-1:123456789012:service/prod/api",
			"arn:aws:ecs:us-east-1:123:service/prod/api",
		},
		"PatternRoleARN": {
			"arn:aws:iam::123456789012:role/deploy",
			"arn:aws:iam::123456789012:role/ci/github/deploy",
			"arn:aws:iam::123456789012:role/Deploy+x=y,z.w@v_u-t",
			"arn:aws-us-gov:iam::123456789012:role/deploy",
			"arn:aws-eusc:iam::123456789012:role/deploy",
			"arn:aws:iam::123456789012:role/" + strings.Repeat("r", 64),
			"arn:aws:iam::123456789012:role/" + strings.Repeat("r", 65),
			"arn:aws:iam::123456789012:role/a~b!/deploy",
			"arn:aws:iam::123456789012:role//deploy",
			"arn:aws:iam::123456789012:role/ci//deploy",
			"arn:aws:iam::123456789012:role/ci/",
			"arn:aws:iam::123456789012:role/c i/deploy",
			"arn:aws:iam::123456789012:role/dep loy",
			"arn:aws:iam::123456789012:role",
			"arn:aws:iam::123456789012:user/deploy",
			"arn:aws:iam:us-east-1:123456789012:role/deploy",
			"arn:aws:sts::123456789012:assumed-role/deploy/session",
			"arn:aws:iam::12345678901a:role/deploy",
			"arn:azure:iam::123456789012:role/deploy",
		},
		"PatternTags": {
			"team=payments", "team=payments, env=prod", " a = 1 ,b=2 ", "a=", "a=,b=", "a=x y", "ключ=значение",
			"k:x/y=v.w@z+1-2_3", "\ta=1", "a=1\u00a0", "a\u00a0b=c",
			strings.Repeat("k", 128) + "=v", strings.Repeat("k", 129) + "=v",
			"k=" + strings.Repeat("v", 256), "k=" + strings.Repeat("v", 257),
			"", " ", "a", "=1", " =1", "a=1,", ",a=1", "a=1,,b=2", "a=b=c", "a=1;b=2", "a#=1", "a=\t1\tx", "a\tb=1",
		},
		"PatternEnvironments": {
			"staging", "staging, production", " a ,b.c,d_e , f-g ", strings.Repeat("e", 63), strings.Repeat("e", 64),
			"", " ", "staging,", ",staging", "staging,,production", "-staging", "staging-", "stag ing", "st/aging",
		},
		"PatternContainer": {"app", "App_1-x", strings.Repeat("c", 255), strings.Repeat("c", 256), "", "a.b", "a b"},
		"PatternRepoPath": {
			"statemachine.asl.json", "infra/sfn/deploy.asl.json", ".github/x.json", "..a/b", "a/...", "a b/c",
			"", "/abs.json", "a\\b.json", "./a.json", "a/./b", "a/../b", "..", ".", "../a", "a//b", "a/",
		},
		"PatternRegion": {
			"us-east-1", "cn-north-1", "us-gov-west-1", "us-isob-east-1", "eusc-de-east-1", "us-isoz-east-1",
			"", "us-east", "US-east-1", "use1", "us-east-12", "eusc-d-east-1", "us-gov-isob-east-1",
		},
		"PatternAliasName": {
			"live", "staging", "v2", "2x", "a.b_c-d", "-", strings.Repeat("a", 80),
			"", "12", "a b", "a:b", "a/b", "é",
		},
		"PatternSubstitutions": {
			"A=1", "TableName=orders, Timeout=30", " A = x y , B= ", "A=1\nB=2", "A=b=c", "A=1,", ",A=1", "A=1,, B=2",
			"A=1\r\nB=arn:aws:sqs:us-east-1:123456789012:q", "_x=1", "A=\u00a0v",
			"", ",", "A", "1A=1", "A-B=1", "A=1, B", "=1", "A.B=1", "A=1; B=2",
		},
		"PatternObjectName": {
			"a", "payments-api", "A.b_c-9", strings.Repeat("n", 63), "", "-a", "a-", "a b", "a/b",
		},
	}
	for _, pc := range patternCases {
		re := regexp.MustCompile(pc.pattern)
		vs := values[pc.name]
		if len(vs) == 0 {
			t.Errorf("%s: no test values", pc.name)
		}
		for _, v := range vs {
			checkAgree(t, pc, re, v)
		}
	}
}

func checkAgree(t *testing.T, pc patternCase, re *regexp.Regexp, v string) {
	t.Helper()
	err := pc.parse(v)
	if got, want := re.MatchString(v), err == nil; got != want {
		t.Errorf("%s: pattern match of %q = %v, but the parse function says %v", pc.name, v, got, err)
	}
}

// TestPatternsAgreeOnGenerated compares each ARN pattern with its parse
// function on many ARNs assembled from valid and near-valid parts, so every
// partition meets every shape of region.
func TestPatternsAgreeOnGenerated(t *testing.T) {
	parts := []string{"aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f", "aws-eusc", "aws-x", ""}
	heads := []string{"us", "cn", "eu", "eusc", "u", "c1"}
	mids := []string{"", "gov", "iso", "isob", "isoe", "isof", "isoz", "is", "isobe", "go", "govx", "east"}
	words := []string{"east", "gov", "iso", "isob", "isoe", "isof", "isox", "g", "i", "io", "de"}
	var regions []string
	for _, h := range heads {
		for _, m := range mids {
			for _, w := range words {
				r := h + "-" + w + "-1"
				if m != "" {
					r = h + "-" + m + "-" + w + "-1"
				}
				regions = append(regions, r)
			}
		}
	}
	regions = append(regions, "", "us-east", "eusc-de-gov-1", "cn-gov-iso-1", "us-east-1x")
	tails := map[string][]string{
		"states": {"stateMachine:deploy", "stateMachine:deploy:3", "stateMachine:deploy:alias", "stateMachine:deploy:03", "stateMachine:d.x"},
		"ecs":    {"service/prod/api", "service/api", "service/a/b/c", "service/a.b"},
	}
	cases := map[string]patternCase{}
	for _, pc := range patternCases {
		cases[pc.name] = pc
	}
	n := 0
	for svc, pc := range map[string]patternCase{"states": cases["PatternStateMachineARN"], "ecs": cases["PatternServiceARN"]} {
		re := regexp.MustCompile(pc.pattern)
		for _, p := range parts {
			for _, r := range regions {
				for _, acct := range []string{"123456789012", "12345678901"} {
					for _, tail := range tails[svc] {
						checkAgree(t, pc, re, "arn:"+p+":"+svc+":"+r+":"+acct+":"+tail)
						n++
					}
				}
			}
		}
	}
	// Roles: random paths and names over a small alphabet with the edge characters.
	pc := cases["PatternRoleARN"]
	re := regexp.MustCompile(pc.pattern)
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []string{"a", "Z", "9", "_", "+", "=", ",", ".", "@", "-", "/", "~", "!", " ", ":", "é"}
	for range 20000 {
		var b strings.Builder
		for range rng.IntN(12) {
			b.WriteString(alphabet[rng.IntN(len(alphabet))])
		}
		p := parts[rng.IntN(len(parts))]
		checkAgree(t, pc, re, "arn:"+p+":iam::123456789012:role/"+b.String())
		n++
	}
	// Tags and environments: random lists over an alphabet with separators and spaces.
	for _, name := range []string{"PatternTags", "PatternEnvironments", "PatternRepoPath"} {
		pc := cases[name]
		re := regexp.MustCompile(pc.pattern)
		alphabet := []string{"a", "b", "1", "=", ",", " ", "\t", "\u00a0", "\u2028", ".", "_", "-", "/", ":", "@", "+", "#", "é", "\\", ".."}
		seen := map[string]bool{}
		for range 30000 {
			var b strings.Builder
			for range rng.IntN(10) {
				b.WriteString(alphabet[rng.IntN(len(alphabet))])
			}
			s := b.String()
			if seen[s] || knownGap(name, s) {
				continue
			}
			seen[s] = true
			checkAgree(t, pc, re, s)
			n++
		}
	}
	t.Logf("compared %d generated values", n)
}

// knownGap reports the values where a pattern is documented to accept what
// the parse function refuses: repeated tag keys or environment names, and
// repository paths of only spaces.
func knownGap(name, s string) bool {
	switch name {
	case "PatternTags":
		if _, err := ParseTags(s); err != nil && strings.Contains(err.Error(), "repeats key") {
			return true
		}
	case "PatternEnvironments":
		if _, err := ParseEnvironments(s); err != nil && strings.Contains(err.Error(), "listed twice") {
			return true
		}
	case "PatternRepoPath":
		return s != "" && strings.TrimSpace(s) == ""
	}
	return false
}

// TestPatternsKnownGaps pins down what the patterns cannot check, as
// documented on them, so a change that closes a gap updates the docs.
func TestPatternsKnownGaps(t *testing.T) {
	gaps := []struct {
		pattern, value string
	}{
		{PatternStateMachineARN, "arn:aws:states:us-east-1:123456789012:stateMachine:deploy:" + strings.Repeat("a", 81)},
		{PatternRoleARN, "arn:aws:iam::123456789012:role/" + strings.Repeat("p/", 260) + "deploy"},
		{PatternTags, "a=1, a=2"},
		{PatternEnvironments, "staging, staging"},
		{PatternRepoPath, "   "},
		{PatternObjectName, strings.Repeat("n", 64)}, // maxLength 63 is checked apart
	}
	for _, g := range gaps {
		if !regexp.MustCompile(g.pattern).MatchString(g.value) {
			t.Errorf("pattern no longer accepts %.60q: update the list of gaps in patterns.go", g.value)
		}
	}
}
