package stepfunctions

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/stagecrew/stagecrew/pkg/annotations"
	"github.com/stagecrew/stagecrew/pkg/result"
)

var fakeSM = annotations.StateMachineARN{Partition: "aws", Region: "us-east-1", Account: "123456789012", Name: "orders"}

// TestExpressRunsSynchronously: an Express state machine runs with
// StartSyncExecution and fills the same Result (fake server: moto lacks
// StartSyncExecution).
func TestExpressRunsSynchronously(t *testing.T) {
	for _, c := range []struct {
		answer map[string]any
		status result.Status
	}{
		{map[string]any{"executionArn": "arn:aws:states:us-east-1:123456789012:express:orders:n:1", "status": "SUCCEEDED", "output": `{"ok":true}`, "startDate": 1.7e9, "stopDate": 1.7e9 + 2}, result.Succeeded},
		{map[string]any{"executionArn": "arn:aws:states:us-east-1:123456789012:express:orders:n:2", "status": "FAILED", "error": "Boom", "cause": "bad", "startDate": 1.7e9, "stopDate": 1.7e9 + 2}, result.Failed},
		{map[string]any{"executionArn": "arn:aws:states:us-east-1:123456789012:express:orders:n:3", "status": "TIMED_OUT", "startDate": 1.7e9, "stopDate": 1.7e9 + 300}, result.TimedOut},
	} {
		f := &fakeSFN{smType: "EXPRESS", sync: c.answer}
		log := &recLog{}
		res, err := fastRunner(f.serve(t), log).Run(context.Background(), request(fakeSM, `{"a":1}`))
		if err != nil || res.Status != c.status || res.ID != c.answer["executionArn"] || len(res.Links) != 1 || res.EndedAt.Sub(res.StartedAt) <= 0 {
			t.Fatalf("%s: %+v, %v", c.status, res, err)
		}
		if c.status == result.Succeeded && res.Output != `{"ok":true}` {
			t.Errorf("output %q", res.Output)
		}
		if c.status == result.Failed && (res.Failure.Error != "Boom" || res.Failure.Cause != "bad") {
			t.Errorf("failure %+v", res.Failure)
		}
		if got := strings.Join(f.calls, ","); got != "DescribeStateMachine,StartSyncExecution" {
			t.Errorf("calls %s", got)
		}
		if res.Values["state-machine-type"] != "EXPRESS" {
			t.Errorf("values %v", res.Values)
		}
	}
	f := &fakeSFN{smType: "EXPRESS"}
	req := request(fakeSM, `{}`)
	req.Redrive = true
	if _, err := fastRunner(f.serve(t), nil).Run(context.Background(), req); err == nil || !strings.Contains(err.Error(), "cannot be redriven") {
		t.Errorf("redrive of Express: %v", err)
	}
}

// TestRedrive: with Redrive, the failed execution of this job is redriven
// instead of reported again, and the wait ignores its old failure until the
// redrive shows (fake server: moto lacks RedriveExecution).
func TestRedrive(t *testing.T) {
	name := ExecutionName("component:default/orders", "staging", "9876543210", "deploy")
	arn := ExecutionARN(fakeSM, name)
	f := &fakeSFN{smType: "STANDARD", events: failedHistory(),
		exec: map[string]any{"executionArn": arn, "status": "FAILED", "input": "{}", "startDate": 1.7e9, "stopDate": 1.7e9 + 5, "error": "Card.Declined"}}
	describes := 0
	f.onRedrive = func(f *fakeSFN) {
		// Step Functions takes a moment: the next description still shows
		// the old failure, then RUNNING, then success.
		f.exec = map[string]any{"executionArn": arn, "status": "FAILED", "input": "{}", "startDate": 1.7e9}
		describes = 0
	}
	client := f.serve(t)
	h := &describeHook{Client: client, after: func(n int) {
		f.mu.Lock()
		defer f.mu.Unlock()
		if f.redrives == 0 {
			return
		}
		describes++
		switch describes {
		case 1:
			f.exec["status"], f.exec["redriveCount"] = "RUNNING", 1
		case 3:
			f.exec["status"], f.exec["output"], f.exec["stopDate"] = "SUCCEEDED", `{"paid":true}`, 1.7e9+60
		}
	}}
	req := request(fakeSM, `{}`)
	req.Redrive = true
	log := &recLog{}
	res, err := fastRunner(h, log).Run(context.Background(), req)
	if err != nil || res.Status != result.Succeeded || res.Output != `{"paid":true}` || res.Attached || res.Values["redrive-count"] != "1" {
		t.Fatalf("redrive: %+v, %v\n%s", res, err, log)
	}
	if f.redrives != 1 || !strings.Contains(log.String(), "redriving execution") {
		t.Errorf("%d redrives; log:\n%s", f.redrives, log)
	}

	// Without Redrive, a re-run reports the failure again, explained.
	f2 := &fakeSFN{smType: "STANDARD", events: failedHistory(),
		exec: map[string]any{"executionArn": arn, "status": "FAILED", "input": "{}", "startDate": 1.7e9, "stopDate": 1.7e9 + 5}}
	res, err = fastRunner(f2.serve(t), nil).Run(context.Background(), request(fakeSM, `{}`))
	if err != nil || res.Status != result.Failed || !res.Attached || f2.redrives != 0 {
		t.Fatalf("re-run without redrive: %+v, %v", res, err)
	}
	if fl := res.Failure; fl.Where != "Fan > Charge" || fl.Error != "Card.Declined" || fl.Cause != "insufficient funds" {
		t.Errorf("failure %+v", fl)
	}
}

// describeHook calls after once each DescribeExecution has answered.
type describeHook struct {
	Client
	n     int
	after func(n int)
}

func (d *describeHook) DescribeExecution(ctx context.Context, in *sfnDescribeIn, optFns ...func(*sfnOptions)) (*sfnDescribeOut, error) {
	out, err := d.Client.DescribeExecution(ctx, in, optFns...)
	d.n++
	d.after(d.n)
	return out, err
}

// TestHistoryPaginates: the explanation reads the history newest first,
// page by page, and stops at the start of the execution; progress lines
// follow the history forwards across polls without repeating events.
func TestHistoryPaginates(t *testing.T) {
	f := &fakeSFN{events: failedHistory()}
	client := f.serve(t)
	fl, err := Explain(context.Background(), client, "arn:aws:states:us-east-1:123456789012:execution:orders:x")
	if err != nil || fl.Where != "Fan > Charge" || fl.Error != "Card.Declined" || fl.Cause != "insufficient funds" {
		t.Fatalf("Explain = %+v, %v", fl, err)
	}
	if got := strings.Join(f.pages, " "); got != "/true 2/true 4/true 6/true" {
		t.Errorf("pages read %q, want 4 reverse pages", got)
	}

	f2 := &fakeSFN{events: failedHistory()[:3]}
	client2 := f2.serve(t)
	cur := &cursor{arn: "x"}
	first, err := cur.next(context.Background(), client2)
	if err != nil || len(first) != 3 {
		t.Fatalf("first read: %d events, %v", len(first), err)
	}
	f2.mu.Lock()
	f2.events = failedHistory()
	f2.mu.Unlock()
	more, err := cur.next(context.Background(), client2)
	if err != nil || len(more) != 4 || more[0].Id != 4 {
		t.Fatalf("second read: %+v, %v", more, err)
	}
	// The second read starts at the last page of the first (token "2"),
	// not at the beginning.
	if got := strings.Join(f2.pages, " "); got != "/false 2/false 2/false 4/false 6/false" {
		t.Errorf("pages read %q", got)
	}
	var lines []string
	for _, e := range append(first, more...) {
		if l := progressLine(e); l != "" {
			lines = append(lines, l)
		}
	}
	out := strings.Join(lines, "\n")
	for _, want := range []string{`entered "Prepare"`, `exited  "Prepare"`, `entered "Charge"`, "TaskFailed: Card.Declined (insufficient funds ::error::injected)"} {
		if !strings.Contains(out, want) {
			t.Errorf("progress lacks %q:\n%s", want, out)
		}
	}
}

type (
	sfnDescribeIn  = sfn.DescribeExecutionInput
	sfnDescribeOut = sfn.DescribeExecutionOutput
	sfnOptions     = sfn.Options
)
