package annotations

import (
	"fmt"
	"testing"

	"github.com/stagecrew/stagecrew/internal/charset/charsettest"
)

// arnSeeds are valid ARNs of every kind and partition; mutants of them
// reach every branch of the parsers.
var arnSeeds = []string{
	smProd, smStage, svcProd, svcStage, roleP, roleS,
	"arn:aws:states:eu-west-1:123456789012:stateMachine:Deploy_v2-x:7",
	"arn:aws-us-gov:states:us-gov-west-1:123456789012:stateMachine:deploy",
	"arn:aws-cn:states:cn-north-1:123456789012:stateMachine:deploy",
	"arn:aws-iso-b:states:us-isob-east-1:123456789012:stateMachine:deploy",
	"arn:aws-eusc:ecs:eusc-de-east-1:123456789012:service/web",
	"arn:aws:iam::123456789012:role/a/b/deployer",
	"arn:aws:sts::123456789012:assumed-role/deployer/session",
	"arn:aws:ecs:us-east-1:123456789012:service/a/b/c",
	"arn:aws:states:us-east-1:123456789012:stateMachine:deploy:1:2",
}

// sameResult formats a parser's result so the old and new can be compared
// value and error alike.
func sameResult[T any](v T, err error) string { return fmt.Sprintf("%+v %v", v, err) }

func compareARNParsers(t *testing.T, s string) {
	t.Helper()
	if got, want := sameResult(ParseStateMachineARN(s)), sameResult(wrapOld("invalid state machine ARN", s, regexpParseStateMachineARN)); got != want {
		t.Errorf("ParseStateMachineARN(%q) = %s, the regexp version %s", s, got, want)
	}
	if got, want := sameResult(ParseServiceARN(s)), sameResult(wrapOld("invalid ECS service ARN", s, regexpParseServiceARN)); got != want {
		t.Errorf("ParseServiceARN(%q) = %s, the regexp version %s", s, got, want)
	}
	if got, want := sameResult(ParseRoleARN(s)), sameResult(wrapOld("invalid IAM role ARN", s, regexpParseRoleARN)); got != want {
		t.Errorf("ParseRoleARN(%q) = %s, the regexp version %s", s, got, want)
	}
}

// wrapOld wraps an old parser's error as the exported parsers do.
func wrapOld[T any](what, s string, fn func(string) (T, error)) (T, error) {
	v, err := fn(s)
	if err != nil {
		var zero T
		return zero, fmt.Errorf("%s %q: %w", what, s, err)
	}
	return v, nil
}

// TestARNParsersAgreeWithRegexp checks the allocation-free ARN parsers
// against the regexp and strings.Split versions they replaced
// (arn_regexp_test.go), results and error messages, on 30,000 mutants.
func TestARNParsersAgreeWithRegexp(t *testing.T) {
	var ok int
	for _, s := range append(arnSeeds, charsettest.Mutants(arnSeeds, 30000, 1)...) {
		compareARNParsers(t, s)
		if _, err := ParseStateMachineARN(s); err == nil {
			ok++
		}
	}
	if ok < 100 {
		t.Errorf("only %d of the inputs are valid state machine ARNs: the mutants are too far off", ok)
	}
}

// FuzzARNParsersAgree does the same on fuzz inputs.
func FuzzARNParsersAgree(f *testing.F) {
	for _, s := range arnSeeds {
		f.Add(s)
	}
	f.Fuzz(compareARNParsers)
}
