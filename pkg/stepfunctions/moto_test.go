package stepfunctions

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/stagecrew/stagecrew/internal/testenv"
	"github.com/stagecrew/stagecrew/pkg/annotations"
	"github.com/stagecrew/stagecrew/pkg/result"
)

// motoEnv is one moto server for a top-level test. moto 5.2.1 answers 500
// (cannot pickle '_thread.RLock') to a second StartExecution on the server,
// even of another state machine, once an execution has run: machine resets
// the server before creating the state machine of a scenario.
type motoEnv struct {
	m      *testenv.Moto
	client *sfn.Client // straight to moto, for setting up and checking
	n      atomic.Int64
}

func newMoto(t *testing.T) *motoEnv {
	t.Helper()
	m := testenv.StartMoto(t)
	return &motoEnv{m: m, client: sfn.NewFromConfig(m.Config())}
}

// clientVia returns a client whose requests go to url (a proxy in front of
// moto).
func (e *motoEnv) clientVia(url string) *sfn.Client {
	return sfn.NewFromConfig(e.m.Config(), func(o *sfn.Options) { o.BaseEndpoint = aws.String(url) })
}

// machine resets the server and creates a standard state machine.
func (e *motoEnv) machine(t *testing.T, definition string) annotations.StateMachineARN {
	t.Helper()
	e.m.Reset(t)
	out, err := e.client.CreateStateMachine(context.Background(), &sfn.CreateStateMachineInput{
		Name:       aws.String(fmt.Sprintf("sm-%d", e.n.Add(1))),
		RoleArn:    aws.String("arn:aws:iam::123456789012:role/sfn"),
		Definition: aws.String(definition),
	})
	if err != nil {
		t.Fatalf("CreateStateMachine: %v", err)
	}
	sm, err := annotations.ParseStateMachineARN(aws.ToString(out.StateMachineArn))
	if err != nil {
		t.Fatal(err)
	}
	return sm
}

// executions lists the executions of sm, asking moto directly.
func (e *motoEnv) executions(t *testing.T, sm annotations.StateMachineARN) []types.ExecutionListItem {
	t.Helper()
	out, err := e.client.ListExecutions(context.Background(), &sfn.ListExecutionsInput{StateMachineArn: aws.String(sm.String())})
	if err != nil {
		t.Fatalf("ListExecutions: %v", err)
	}
	return out.Executions
}

func (e *motoEnv) status(t *testing.T, arn string) types.ExecutionStatus {
	t.Helper()
	out, err := e.client.DescribeExecution(context.Background(), &sfn.DescribeExecutionInput{ExecutionArn: aws.String(arn)})
	if err != nil {
		t.Fatalf("DescribeExecution: %v", err)
	}
	return out.Status
}

// recLog records what the runner logs; onLine, when set, sees each line.
type recLog struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	onLine func(string)
}

func (l *recLog) Group(title string) { l.mu.Lock(); ActionsLog{&l.buf}.Group(title); l.mu.Unlock() }
func (l *recLog) EndGroup()          { l.mu.Lock(); ActionsLog{&l.buf}.EndGroup(); l.mu.Unlock() }
func (l *recLog) Line(s string) {
	l.mu.Lock()
	ActionsLog{&l.buf}.Line(s)
	f := l.onLine
	l.mu.Unlock()
	if f != nil {
		f(s)
	}
}
func (l *recLog) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.buf.String() }

func request(sm annotations.StateMachineARN, input string) Request {
	return Request{
		StateMachine: sm, Entity: "component:default/orders", Environment: "staging",
		RunID: "9876543210", Job: "deploy", Input: input,
		Audit: result.Audit{Actor: "octocat", Repository: "acme/orders"},
	}
}

func fastRunner(c Client, log Logger) *Runner {
	return &Runner{Client: c, MinDelay: 50 * time.Millisecond, MaxDelay: 500 * time.Millisecond, Log: log}
}

func jsonEqual(t *testing.T, got, want string) bool {
	t.Helper()
	var a, b any
	if err := json.Unmarshal([]byte(got), &a); err != nil {
		t.Errorf("output %q: %v", got, err)
		return false
	}
	if err := json.Unmarshal([]byte(want), &b); err != nil {
		t.Fatal(err)
	}
	return reflect.DeepEqual(a, b)
}

// TestRunAgainstMoto runs real ASL in moto and checks status, output and,
// for failures, the explained state, error and cause.
func TestRunAgainstMoto(t *testing.T) {
	e := newMoto(t)
	cases := []struct {
		name, def, input string
		status           result.Status
		output           string // JSON; "" when none
		where, err       string
		cause            string
		logs             []string
	}{
		{
			name: "pass", def: `{"StartAt":"P","States":{"P":{"Type":"Pass","Result":{"ok":true},"End":true}}}`,
			status: result.Succeeded, output: `{"ok":true}`, logs: []string{`entered "P"`, `exited  "P"`, "execution succeeded"},
		},
		{
			name: "choice", input: `{"n": 7}`,
			def: `{"StartAt":"C","States":{
				"C":{"Type":"Choice","Choices":[{"Variable":"$.n","NumericGreaterThan":5,"Next":"Big"}],"Default":"Small"},
				"Big":{"Type":"Pass","Result":{"size":"big"},"End":true},
				"Small":{"Type":"Pass","Result":{"size":"small"},"End":true}}}`,
			// An object: moto 5.2.1 returns a JSON string output unquoted.
			status: result.Succeeded, output: `{"size":"big"}`, logs: []string{`entered "Big"`},
		},
		{
			name: "wait", def: `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":1,"Next":"P"},"P":{"Type":"Pass","End":true}}}`,
			input: `{"a":1}`, status: result.Succeeded, output: `{"a":1}`, logs: []string{`entered "W"`, `exited  "W"`},
		},
		{
			name: "parallel",
			def: `{"StartAt":"Par","States":{"Par":{"Type":"Parallel","End":true,"Branches":[
				{"StartAt":"A","States":{"A":{"Type":"Pass","Result":1,"End":true}}},
				{"StartAt":"B","States":{"B":{"Type":"Pass","Result":2,"End":true}}}]}}}`,
			status: result.Succeeded, output: `[1,2]`,
		},
		{
			name: "map", input: `{"items":[1,2,3]}`,
			def: `{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items","End":true,
				"ItemProcessor":{"ProcessorConfig":{"Mode":"INLINE"},"StartAt":"Wrap","States":{"Wrap":{"Type":"Pass","Parameters":{"v.$":"$"},"End":true}}}}}}`,
			status: result.Succeeded, output: `[{"v":1},{"v":2},{"v":3}]`,
		},
		{
			name:   "fail",
			def:    `{"StartAt":"Check","States":{"Check":{"Type":"Pass","Next":"F"},"F":{"Type":"Fail","Error":"Orders.Invalid","Cause":"order 42 has no lines"}}}`,
			status: result.Failed, where: "F", err: "Orders.Invalid", cause: "order 42 has no lines",
			logs: []string{"ExecutionFailed: Orders.Invalid (order 42 has no lines)"},
		},
		{
			name: "fail inside parallel",
			def: `{"StartAt":"Deploy","States":{"Deploy":{"Type":"Parallel","End":true,"Branches":[
				{"StartAt":"Ok","States":{"Ok":{"Type":"Pass","End":true}}},
				{"StartAt":"Migrate","States":{"Migrate":{"Type":"Fail","Error":"Migration.Failed","Cause":"column exists"}}}]}}}`,
			status: result.Failed, where: "Deploy > Migrate", err: "Migration.Failed", cause: "column exists",
		},
		{
			name: "fail after a caught parallel",
			def: `{"StartAt":"Try","States":{
				"Try":{"Type":"Parallel","Branches":[{"StartAt":"Boom","States":{"Boom":{"Type":"Fail","Error":"Flaky","Cause":"caught"}}}],
					"Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":"$.error","Next":"Recovered"}],"End":true},
				"Recovered":{"Type":"Pass","Next":"Give up"},
				"Give up":{"Type":"Fail","Error":"Orders.GaveUp","Cause":"after recovery"}}}`,
			input: `{}`, status: result.Failed, where: "Give up", err: "Orders.GaveUp", cause: "after recovery",
		},
		{
			name: "fail in a parallel inside a map", input: `{"items":[1,2]}`,
			def: `{"StartAt":"Each","States":{"Each":{"Type":"Map","ItemsPath":"$.items","End":true,
				"ItemProcessor":{"ProcessorConfig":{"Mode":"INLINE"},"StartAt":"Prep","States":{
					"Prep":{"Type":"Pass","Next":"Fan"},
					"Fan":{"Type":"Parallel","End":true,"Branches":[
						{"StartAt":"Ok","States":{"Ok":{"Type":"Pass","End":true}}},
						{"StartAt":"Ship","States":{"Ship":{"Type":"Fail","Error":"Ship.Failed","Cause":"no carrier"}}}]}}}}}}`,
			status: result.Failed, where: "Each > Fan > Ship", err: "Ship.Failed", cause: "no carrier",
		},
		{
			name: "retry then catch",
			def: `{"StartAt":"Try","States":{
				"Try":{"Type":"Parallel","Branches":[{"StartAt":"Boom","States":{"Boom":{"Type":"Fail","Error":"Flaky","Cause":"try again"}}}],
					"Retry":[{"ErrorEquals":["Flaky"],"IntervalSeconds":1,"MaxAttempts":1}],
					"Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":"$.error","Next":"Recovered"}],"Next":"Done"},
				"Recovered":{"Type":"Pass","End":true},
				"Done":{"Type":"Pass","End":true}}}`,
			input: `{}`, status: result.Succeeded, output: `{"error":{"Error":"Flaky","Cause":"try again"}}`,
			logs: []string{`entered "Recovered"`},
		},
		{
			name: "retry exhausted without catch",
			def: `{"StartAt":"Try","States":{
				"Try":{"Type":"Parallel","End":true,"Branches":[{"StartAt":"Boom","States":{"Boom":{"Type":"Fail","Error":"Flaky","Cause":"still failing"}}}],
					"Retry":[{"ErrorEquals":["Flaky"],"IntervalSeconds":1,"MaxAttempts":1}]}}}`,
			status: result.Failed, where: "Try > Boom", err: "Flaky", cause: "still failing",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sm := e.machine(t, c.def)
			log := &recLog{}
			res, err := fastRunner(e.client, log).Run(context.Background(), request(sm, c.input))
			if err != nil {
				t.Fatalf("Run: %v\n%s", err, log)
			}
			if res.Status != c.status {
				t.Fatalf("status %s, want %s; failure %+v\n%s", res.Status, c.status, res.Failure, log)
			}
			if c.output != "" && !jsonEqual(t, res.Output, c.output) {
				t.Errorf("output %s, want %s", res.Output, c.output)
			}
			if c.status == result.Succeeded && res.Failure != nil {
				t.Errorf("failure on success: %+v", res.Failure)
			}
			if c.status != result.Succeeded {
				f := res.Failure
				if f == nil || f.Where != c.where || f.Error != c.err || f.Cause != c.cause {
					t.Errorf("failure %+v, want where %q error %q cause %q\n%s", f, c.where, c.err, c.cause, log)
				}
			}
			wantARN := ExecutionARN(sm, ExecutionName("component:default/orders", "staging", "9876543210", "deploy"))
			if res.ID != wantARN || res.Attached || len(res.Links) != 1 || !strings.Contains(res.Links[0].URL, "/v2/executions/details/") {
				t.Errorf("id %s attached %v links %+v", res.ID, res.Attached, res.Links)
			}
			if res.StartedAt.IsZero() || res.EndedAt.IsZero() || res.EndedAt.Before(res.StartedAt) {
				t.Errorf("times %v - %v", res.StartedAt, res.EndedAt)
			}
			out := log.String()
			for _, l := range c.logs {
				if !strings.Contains(out, l) {
					t.Errorf("log lacks %q:\n%s", l, out)
				}
			}
			if !strings.HasPrefix(out, "::group::Step Functions execution ") || !strings.Contains(out, "::endgroup::") {
				t.Errorf("log not grouped:\n%s", out)
			}
			if n := len(e.executions(t, sm)); n != 1 {
				t.Errorf("%d executions, want 1", n)
			}
		})
	}
}
