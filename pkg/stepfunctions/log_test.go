package stepfunctions

import (
	"bytes"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/aws/smithy-go"
)

// TestNoWorkflowCommandInjection: state names, errors and causes come from
// whoever wrote the state machine or its tasks; none may become a workflow
// command in the job log.
func TestNoWorkflowCommandInjection(t *testing.T) {
	hostile := []string{
		"::error::x", "  ::set-output name=a::b", "a\n::error::pwned", "a\r::warning::b",
		"x\u2028::error::y", "##[error]legacy", "ok ##[set-env name=A]b", "::stop-commands::tok",
	}
	var buf bytes.Buffer
	l := ActionsLog{W: &buf}
	l.Group("Step Functions execution x")
	for _, h := range hostile {
		l.Line(h)
		l.Line(progressLine(types.HistoryEvent{Id: 1, Type: "TaskStateEntered", StateEnteredEventDetails: &types.StateEnteredEventDetails{Name: aws.String(h)}}))
		l.Line(progressLine(types.HistoryEvent{Id: 2, Type: "TaskFailed", TaskFailedEventDetails: &types.TaskFailedEventDetails{Error: aws.String(h), Cause: aws.String(h)}}))
	}
	l.Group(hostile[2])
	l.EndGroup()
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if want := 2 + 3*len(hostile) + 1; len(lines) != want {
		t.Fatalf("%d lines, want %d (a line break got through):\n%s", len(lines), want, buf.String())
	}
	for i, line := range lines {
		trimmed := strings.TrimLeftFunc(line, unicode.IsSpace)
		isOurs := line == "::endgroup::" || strings.HasPrefix(line, "::group::") && (i == 0 || i == len(lines)-2)
		if strings.HasPrefix(trimmed, "::") && !isOurs || strings.Contains(line, "##[") {
			t.Errorf("line %d can act as a command: %q", i, line)
		}
	}
	if lines[len(lines)-2] != `::group::a\n:`+"\u200b"+`:error:`+"\u200b"+`:pwned` {
		t.Errorf("hostile group title: %q", lines[len(lines)-2])
	}
}

func TestBackoff(t *testing.T) {
	for _, r := range []float64{0, 0.5, 0.999} {
		b := newBackoff(250e6, 10e9, func() float64 { return r })
		var prev, total int64
		for i := range 20 {
			d := b.Next()
			if d < 250e6 || d > 10e9 {
				t.Fatalf("rand %v: delay %d = %v out of [MinDelay, MaxDelay]", r, i, d)
			}
			if r > 0 && int64(d) < prev && int64(d) < int64(10e9*r) {
				t.Errorf("rand %v: delay %d = %v shrank before the cap", r, i, d)
			}
			prev, total = int64(d), total+int64(d)
		}
	}
	// Throttling (the pkg/poll schedule, shared with the ECS runner): each
	// throttled answer in a row doubles the ceiling, up to 4×MaxDelay, and
	// each other answer takes one doubling back. Before pkg/poll, one
	// throttle moved the ceiling to MaxDelay for the rest of the loop; this
	// test pinned that ("after throttling: want near MaxDelay").
	throttle := &smithy.GenericAPIError{Code: "ThrottlingException", Message: "Rate exceeded"}
	b := newBackoff(0, 0, func() float64 { return 0.999 })
	b.Observe(throttle)
	if d := b.Next(); d < 499e6 || d > 500e6 {
		t.Errorf("first poll, throttled: %v, want near 2×MinDelay", d)
	}
	b.Observe(nil)
	for range 10 {
		b.Next() // at the cap
	}
	for i, step := range []struct {
		err    error
		lo, hi time.Duration
	}{
		{throttle, 19.9e9, 20e9},
		{throttle, 39.9e9, 40e9},
		{throttle, 39.9e9, 40e9}, // 4×MaxDelay is the cap
		{nil, 39.9e9, 40e9},      // one throttle more than the cap needed: taken back
		{nil, 19.9e9, 20e9},
		{nil, 9.9e9, 10e9},
		{nil, 9.9e9, 10e9},
	} {
		b.Observe(step.err)
		if d := b.Next(); d < step.lo || d > step.hi {
			t.Errorf("step %d (%v): delay %v, want in [%v, %v]", i, step.err, d, step.lo, step.hi)
		}
	}
}
