package stepfunctions

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/stagecrew/stagecrew/internal/testenv"
	"github.com/stagecrew/stagecrew/pkg/result"
)

// waitMachine is a state machine that waits, then succeeds with {"done":true}.
func waitMachine(seconds int) string {
	return fmt.Sprintf(`{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":%d,"Next":"P"},"P":{"Type":"Pass","Result":{"done":true},"End":true}}}`, seconds)
}

// TestRerunAttaches proves a job started once: a re-run of a finished job,
// and a re-run while the first attempt's execution still runs, attach to the
// existing execution, and a different input is refused.
func TestRerunAttaches(t *testing.T) {
	e := newMoto(t)
	ctx := context.Background()

	t.Run("after it ended", func(t *testing.T) {
		sm := e.machine(t, `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`)
		first, err := fastRunner(e.client, nil).Run(ctx, request(sm, `{"commit":"abc"}`))
		if err != nil || first.Status != result.Succeeded || first.Attached {
			t.Fatalf("first run: %+v, %v", first, err)
		}
		log := &recLog{}
		// Same input written differently: still the same input.
		again, err := fastRunner(e.client, log).Run(ctx, request(sm, `{ "commit" : "abc" }`))
		if err != nil || again.Status != result.Succeeded || !again.Attached || again.ID != first.ID {
			t.Fatalf("re-run: %+v, %v", again, err)
		}
		if !strings.Contains(log.String(), "attaching to execution") {
			t.Errorf("log does not say it attached:\n%s", log)
		}
		if n := len(e.executions(t, sm)); n != 1 {
			t.Errorf("%d executions after a re-run, want 1", n)
		}
		_, err = fastRunner(e.client, nil).Run(ctx, request(sm, `{"commit":"def"}`))
		if !errors.Is(err, ErrInputMismatch) || !strings.Contains(err.Error(), "differs at $.commit") {
			t.Errorf("different input: err = %v, want ErrInputMismatch at $.commit", err)
		}
		if n := len(e.executions(t, sm)); n != 1 {
			t.Errorf("%d executions after a mismatch, want 1", n)
		}
	})

	t.Run("while it runs", func(t *testing.T) {
		sm := e.machine(t, waitMachine(2))
		r := fastRunner(e.client, nil)
		r.Timeout = 100 * time.Millisecond
		first, err := r.Run(ctx, request(sm, `{}`))
		if err != nil || first.Status != result.WaitTimeout || !strings.Contains(first.Failure.Details[0], "still RUNNING") {
			t.Fatalf("first run: %+v %+v, %v", first, first.Failure, err)
		}
		again, err := fastRunner(e.client, nil).Run(ctx, request(sm, `{}`))
		if err != nil || again.Status != result.Succeeded || !again.Attached || !jsonEqual(t, again.Output, `{"done":true}`) {
			t.Fatalf("re-run: %+v, %v", again, err)
		}
		if n := len(e.executions(t, sm)); n != 1 {
			t.Errorf("%d executions, want 1", n)
		}
	})

	t.Run("started by another runner between look-up and start", func(t *testing.T) {
		sm := e.machine(t, `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`)
		name := ExecutionName("component:default/orders", "staging", "9876543210", "deploy")
		// The other runner's execution starts, and ends, just after this
		// runner's look-up: StartExecution answers ExecutionAlreadyExists
		// (while it still ran, Step Functions would answer with its ARN).
		c := &hookClient{Client: e.client, beforeStart: func() {
			out, err := e.client.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(sm.String()), Name: aws.String(name), Input: aws.String(`{}`)})
			if err != nil {
				t.Fatalf("the other start: %v", err)
			}
			for e.status(t, aws.ToString(out.ExecutionArn)) == types.ExecutionStatusRunning {
				time.Sleep(20 * time.Millisecond)
			}
		}}
		res, err := fastRunner(c, nil).Run(ctx, request(sm, `{}`))
		if err != nil || res.Status != result.Succeeded || !res.Attached {
			t.Fatalf("run: %+v, %v", res, err)
		}
		if n := len(e.executions(t, sm)); n != 1 {
			t.Errorf("%d executions, want 1", n)
		}
	})
}

// hookClient runs beforeStart once, just before the first StartExecution.
type hookClient struct {
	Client
	beforeStart func()
}

func (h *hookClient) StartExecution(ctx context.Context, in *sfn.StartExecutionInput, optFns ...func(*sfn.Options)) (*sfn.StartExecutionOutput, error) {
	if f := h.beforeStart; f != nil {
		h.beforeStart = nil
		f()
	}
	return h.Client.StartExecution(ctx, in, optFns...)
}

// TestLostStartAnswer: the StartExecution request reaches Step Functions but
// its answer is lost (connection reset after moto handled it). The runner
// looks the execution up instead of starting again: one execution.
func TestLostStartAnswer(t *testing.T) {
	e := newMoto(t)
	sm := e.machine(t, waitMachine(1))
	p := testenv.StartLossyProxy(t, e.m.URL, func(op string, n int) bool { return op == "StartExecution" && n == 0 })
	log := &recLog{}
	res, err := fastRunner(e.clientVia(p.URL), log).Run(context.Background(), request(sm, `{"x":1}`))
	if err != nil || res.Status != result.Succeeded {
		t.Fatalf("run: %+v, %v\n%s", res, err, log)
	}
	if got := p.Lost(); len(got) != 1 || got[0] != "StartExecution" {
		t.Fatalf("lost %v, want one StartExecution answer", got)
	}
	starts := 0
	for _, op := range p.Calls() {
		if op == "StartExecution" {
			starts++
		}
	}
	if starts != 1 {
		t.Errorf("%d StartExecution calls, want 1 (look up, not start again): %v", starts, p.Calls())
	}
	if n := len(e.executions(t, sm)); n != 1 {
		t.Errorf("%d executions, want 1", n)
	}
	if !strings.Contains(log.String(), "StartExecution's answer was lost") {
		t.Errorf("log does not say what happened:\n%s", log)
	}
}

// TestCancel cancels the run once the execution started, with and without
// stop-on-cancel, and checks in moto what state the execution was left in.
func TestCancel(t *testing.T) {
	e := newMoto(t)
	for _, stop := range []bool{false, true} {
		name := map[bool]string{false: "left running", true: "stopped"}[stop]
		t.Run(name, func(t *testing.T) {
			sm := e.machine(t, waitMachine(9))
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			log := &recLog{onLine: func(s string) {
				if strings.Contains(s, "started execution") {
					cancel() // as SIGINT would, once the execution runs
				}
			}}
			r := fastRunner(e.client, log)
			r.StopOnCancel = stop
			res, err := r.Run(ctx, request(sm, `{}`))
			if err != nil || res.Status != result.Cancelled || res.Failure == nil || len(res.Failure.Details) == 0 {
				t.Fatalf("run: %+v, %v", res, err)
			}
			detail := res.Failure.Details[0]
			got := e.status(t, res.ID)
			switch {
			case stop && (got != types.ExecutionStatusAborted || detail != "stopped: the execution is now ABORTED"):
				t.Errorf("stop-on-cancel: moto says %s, result says %q", got, detail)
			case !stop && (got != types.ExecutionStatusRunning || !strings.HasPrefix(detail, "still running")):
				t.Errorf("no stop: moto says %s, result says %q", got, detail)
			}
			if res.Values["execution-status"] != string(got) {
				t.Errorf("execution-status %q, moto %s", res.Values["execution-status"], got)
			}
		})
	}
}

// TestFaultsInFrontOfMoto puts the fault proxy (throttling, 5xx, resets
// before the request reaches moto) and the lossy proxy (answers lost after
// moto handled the request) in front of moto: each scenario ends with the
// right result and exactly one execution.
func TestFaultsInFrontOfMoto(t *testing.T) {
	e := newMoto(t)
	const failDef = `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":1,"Next":"F"},"F":{"Type":"Fail","Error":"Boom","Cause":"bad"}}}`
	T, S5, S3, R, P := testenv.SFNThrottle, testenv.SFNInternal500, testenv.SFNUnavailable503, testenv.Reset, testenv.Pass
	cases := []struct {
		name   string
		script []testenv.Fault
		lose   func(op string, n int) bool
		def    string
		want   result.Status
	}{
		{name: "throttling", script: []testenv.Fault{T, T, T, P, T, T, T, T, T, T, P, T, T}, want: result.Succeeded},
		{name: "5xx", script: []testenv.Fault{S5, S3, P, S5, S3, S5, S5, P, S3}, want: result.Succeeded},
		{name: "resets", script: []testenv.Fault{R, P, R, R, P, R, P, R}, want: result.Succeeded},
		{name: "mixed, failing execution", script: []testenv.Fault{T, R, S5, P, R, T, S3, P, R, T, S5}, def: failDef, want: result.Failed},
		{
			name: "lost answers of start and polls", script: []testenv.Fault{P, P, R, T},
			lose: func(op string, n int) bool {
				return op == "StartExecution" && n < 2 || op == "DescribeExecution" && n%3 == 2
			},
			want: result.Succeeded,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			def := c.def
			if def == "" {
				def = waitMachine(1)
			}
			sm := e.machine(t, def)
			lossy := testenv.StartLossyProxy(t, e.m.URL, c.lose)
			fp := testenv.StartFaultProxy(t, lossy.URL, c.script...)
			log := &recLog{}
			res, err := fastRunner(e.clientVia(fp.URL), log).Run(context.Background(), request(sm, `{}`))
			if err != nil || res.Status != c.want {
				t.Fatalf("run: %+v, %v\nproxy: %v\nlossy: %v\n%s", res, err, fp.Log(), lossy.Calls(), log)
			}
			if c.want == result.Failed && (res.Failure.Where != "F" || res.Failure.Error != "Boom" || res.Failure.Cause != "bad") {
				t.Errorf("failure %+v", res.Failure)
			}
			if n := len(e.executions(t, sm)); n != 1 {
				t.Errorf("%d executions, want 1; proxy %v, lossy %v", n, fp.Log(), lossy.Calls())
			}
			t.Logf("faults applied: %v; operations: %v", fp.Log(), lossy.Calls())
		})
	}
}
