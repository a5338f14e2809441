package result

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestConsoleURLs(t *testing.T) {
	got, err := ExecutionConsoleURL("arn:aws:states:eu-west-1:123456789012:execution:orders:run-1")
	if err != nil || got != "https://eu-west-1.console.aws.amazon.com/states/home?region=eu-west-1#/v2/executions/details/arn:aws:states:eu-west-1:123456789012:execution:orders:run-1" {
		t.Errorf("ExecutionConsoleURL = %q, %v", got, err)
	}
	got, err = ExecutionConsoleURL("arn:aws-cn:states:cn-north-1:123456789012:execution:o:r")
	if err != nil || !strings.HasPrefix(got, "https://console.amazonaws.cn/states/home?region=cn-north-1") {
		t.Errorf("China console URL = %q, %v", got, err)
	}
	if _, err := ExecutionConsoleURL("not-an-arn"); err == nil {
		t.Error("bad ARN accepted")
	}
	got, err = TaskConsoleURL("arn:aws:ecs:us-east-1:123456789012:task/prod/0123abcd")
	if err != nil || got != "https://us-east-1.console.aws.amazon.com/ecs/v2/clusters/prod/tasks/0123abcd/configuration?region=us-east-1" {
		t.Errorf("TaskConsoleURL = %q, %v", got, err)
	}
	if _, err := TaskConsoleURL("arn:aws:ecs:us-east-1:123456789012:task/0123abcd"); err == nil {
		t.Error("old-form task ARN without cluster accepted")
	}
	if got := ServiceConsoleURL("aws-us-gov", "us-gov-west-1", "c", "s"); got != "https://console.amazonaws-us-gov.com/ecs/v2/clusters/c/services/s/deployments?region=us-gov-west-1" {
		t.Errorf("ServiceConsoleURL = %q", got)
	}
}

func TestSetOutputCapsOnRuneBoundary(t *testing.T) {
	var r Result
	r.SetOutput(strings.Repeat("é", MaxOutput)) // 2 bytes each
	if !r.Truncated || len(r.Output) > MaxOutput || !utf8.ValidString(r.Output) {
		t.Fatalf("truncated=%v len=%d valid=%v", r.Truncated, len(r.Output), utf8.ValidString(r.Output))
	}
	r.SetOutput("small")
	if r.Truncated || r.Output != "small" {
		t.Fatalf("small output changed: %+v", r)
	}
}

func TestStatus(t *testing.T) {
	for s, ok := range map[Status]bool{Succeeded: true, Failed: false, WaitTimeout: false, Denied: false} {
		if s.OK() != ok {
			t.Errorf("%s.OK() = %v", s, s.OK())
		}
	}
	if WaitTimeout.Terminal() || Running.Terminal() || !Failed.Terminal() {
		t.Error("Terminal wrong")
	}
}
