package stepfunctions

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// fakeSFN is a small Step Functions server speaking the service's JSON
// protocol (X-Amz-Target: AWSStepFunctions.<Operation>), for what moto
// 5.2.1 does not implement: StartSyncExecution (Express state machines)
// and RedriveExecution (it answers 500 NotImplementedError), and paginated,
// reverse-ordered GetExecutionHistory (moto ignores nextToken, maxResults
// and reverseOrder). Everything else is tested against moto.
type fakeSFN struct {
	mu       sync.Mutex
	smType   string
	sync     map[string]any // the StartSyncExecution answer
	exec     map[string]any // the one standard execution, nil before it exists
	events   []map[string]any
	redrives int
	calls    []string
	pages    []string // GetExecutionHistory calls: "token/reverse"
	// onRedrive changes the execution when it is redriven.
	onRedrive func(f *fakeSFN)
}

func (f *fakeSFN) serve(t *testing.T) *sfn.Client {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in map[string]any
		_ = json.NewDecoder(r.Body).Decode(&in)
		op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "AWSStepFunctions.")
		f.mu.Lock()
		defer f.mu.Unlock()
		f.calls = append(f.calls, op)
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		fail := func(status int, code string) {
			w.WriteHeader(status)
			fmt.Fprintf(w, `{"__type":%q,"message":"fake"}`, code)
		}
		var out any
		switch op {
		case "DescribeStateMachine":
			out = map[string]any{"stateMachineArn": in["stateMachineArn"], "name": "fake", "type": f.smType,
				"definition": "{}", "roleArn": "arn:aws:iam::123456789012:role/r", "creationDate": 1.7e9}
		case "StartSyncExecution":
			if !strings.HasPrefix(r.Host, "127.0.0.1") {
				t.Errorf("StartSyncExecution went to host %q", r.Host)
			}
			out = f.sync
		case "DescribeExecution":
			if f.exec == nil {
				fail(400, "ExecutionDoesNotExist")
				return
			}
			out = f.exec
		case "RedriveExecution":
			f.redrives++
			if f.onRedrive != nil {
				f.onRedrive(f)
			}
			out = map[string]any{"redriveDate": 1.7e9}
		case "GetExecutionHistory":
			tok, _ := in["nextToken"].(string)
			rev, _ := in["reverseOrder"].(bool)
			f.pages = append(f.pages, fmt.Sprintf("%s/%v", tok, rev))
			max := 2 // small pages, so that every test paginates
			start, _ := strconv.Atoi(tok)
			evs := append([]map[string]any(nil), f.events...)
			if rev {
				for i, j := 0, len(evs)-1; i < j; i, j = i+1, j-1 {
					evs[i], evs[j] = evs[j], evs[i]
				}
			}
			end := min(start+max, len(evs))
			page := map[string]any{"events": evs[start:end]}
			if end < len(evs) {
				page["nextToken"] = strconv.Itoa(end)
			}
			out = page
		default:
			fail(400, "UnknownOperationException")
			return
		}
		_ = json.NewEncoder(w).Encode(out)
	}))
	t.Cleanup(srv.Close)
	return sfn.NewFromConfig(aws.Config{
		Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("k", "s", ""),
		BaseEndpoint: aws.String(srv.URL),
	}, func(o *sfn.Options) {
		// StartSyncExecution goes to the "sync-" host (sync-states.REGION.
		// amazonaws.com); the SDK puts the prefix on a BaseEndpoint too,
		// which a loopback URL cannot take.
		o.APIOptions = append(o.APIOptions, func(s *middleware.Stack) error {
			return s.Initialize.Add(middleware.InitializeMiddlewareFunc("noHostPrefix",
				func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
					return next.HandleInitialize(smithyhttp.DisableEndpointHostPrefix(ctx, true), in)
				}), middleware.Before)
		})
	})
}

func ev(id int, typ string, details map[string]any) map[string]any {
	m := map[string]any{"id": id, "type": typ, "timestamp": 1.7e9 + float64(id)}
	for k, v := range details {
		m[k] = v
	}
	return m
}

func entered(id int, typ, name string) map[string]any {
	return ev(id, typ+"StateEntered", map[string]any{"stateEnteredEventDetails": map[string]any{"name": name}})
}

func exited(id int, typ, name string) map[string]any {
	return ev(id, typ+"StateExited", map[string]any{"stateExitedEventDetails": map[string]any{"name": name}})
}

// failedHistory is a task that failed twice inside a Map, in 7 events.
func failedHistory() []map[string]any {
	return []map[string]any{
		ev(1, "ExecutionStarted", map[string]any{"executionStartedEventDetails": map[string]any{"input": "{}"}}),
		entered(2, "Pass", "Prepare"),
		exited(3, "Pass", "Prepare"),
		entered(4, "Map", "Fan"),
		entered(5, "Task", "Charge"),
		ev(6, "TaskFailed", map[string]any{"taskFailedEventDetails": map[string]any{"error": "Card.Declined", "cause": "insufficient funds\n::error::injected"}}),
		ev(7, "ExecutionFailed", map[string]any{"executionFailedEventDetails": map[string]any{"error": "Card.Declined", "cause": "insufficient funds"}}),
	}
}
