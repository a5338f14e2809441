package ecs

// This file holds a small ECS server speaking the JSON 1.1 protocol of ECS,
// for exactly what moto 5.2.1 does not model: a rollout that FAILS, the
// deployment circuit breaker rolling back (the new deployment disappears or
// the PRIMARY deployment reverts), tasks of the new revision that stop with a
// reason and exit codes, and one-off tasks exiting non-zero or without an
// exit code. Everything else is tested against moto (moto_test.go).

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
)

const (
	fakeAccount = "123456789012"
	fakeCluster = "prod"
	fakeService = "storefront"
)

func fakeTDARN(rev int) string {
	return fmt.Sprintf("arn:aws:ecs:us-east-1:%s:task-definition/storefront:%d", fakeAccount, rev)
}

func fakeTaskARN(id string) string {
	return fmt.Sprintf("arn:aws:ecs:us-east-1:%s:task/%s/%s", fakeAccount, fakeCluster, id)
}

// fakeECS is the server's state. Scenario hooks change it between calls.
type fakeECS struct {
	mu          sync.Mutex
	revisions   []map[string]any // task definitions, revision i+1 at i
	service     map[string]any
	deployments []map[string]any
	events      []map[string]any
	tasks       map[string]map[string]any // by ARN
	calls       map[string]int
	// onDescribe runs before each DescribeServices answer (n counts them
	// from 1) and onUpdate after each UpdateService.
	onDescribe func(f *fakeECS, n int)
	onUpdate   func(f *fakeECS, td string)
	// onDescribeTasks changes a task before it is described (n from 1).
	onDescribeTasks func(f *fakeECS, t map[string]any, n int)
}

func newFakeECS() *fakeECS {
	f := &fakeECS{tasks: map[string]map[string]any{}, calls: map[string]int{}}
	f.register(map[string]any{
		"family": "storefront", "networkMode": "awsvpc",
		"containerDefinitions": []any{map[string]any{"name": "web", "image": "storefront:1", "essential": true}},
	})
	f.service = map[string]any{
		"serviceName": fakeService, "serviceArn": fmt.Sprintf("arn:aws:ecs:us-east-1:%s:service/%s/%s", fakeAccount, fakeCluster, fakeService),
		"status": "ACTIVE", "taskDefinition": fakeTDARN(1), "desiredCount": 2, "launchType": "FARGATE",
	}
	f.deployments = []map[string]any{f.deployment("ecs-svc/1", fakeTDARN(1), "PRIMARY", "COMPLETED")}
	f.deployments[0]["runningCount"] = 2
	return f
}

func (f *fakeECS) register(td map[string]any) map[string]any {
	rev := len(f.revisions) + 1
	td["revision"] = rev
	td["taskDefinitionArn"] = fakeTDARN(rev)
	td["status"] = "ACTIVE"
	f.revisions = append(f.revisions, td)
	return td
}

func (f *fakeECS) deployment(id, td, status, rollout string) map[string]any {
	return map[string]any{"id": id, "taskDefinition": td, "status": status, "rolloutState": rollout,
		"desiredCount": 2, "runningCount": 0, "pendingCount": 0, "failedTasks": 0, "createdAt": float64(time.Now().Unix())}
}

func (f *fakeECS) event(msg string) {
	f.events = append([]map[string]any{{"id": fmt.Sprint(len(f.events) + 1), "message": msg, "createdAt": float64(time.Now().Unix())}}, f.events...)
}

// stoppedTask adds a stopped task of td with the containers' exit codes
// (nil: none).
func (f *fakeECS) stoppedTask(id, td, reason string, group string, exits map[string]*int) map[string]any {
	var cs []any
	for name, code := range exits {
		c := map[string]any{"name": name, "lastStatus": "STOPPED"}
		if code != nil {
			c["exitCode"] = *code
		} else {
			c["reason"] = "CannotPullContainerError: pull image manifest has been retried 5 time(s)"
		}
		cs = append(cs, c)
	}
	t := map[string]any{"taskArn": fakeTaskARN(id), "taskDefinitionArn": td, "lastStatus": "STOPPED", "desiredStatus": "STOPPED",
		"stopCode": "EssentialContainerExited", "stoppedReason": reason, "group": group, "containers": cs,
		"stoppedAt": float64(time.Now().Unix())}
	f.tasks[fakeTaskARN(id)] = t
	return t
}

func (f *fakeECS) findDeployment(id string) map[string]any {
	for _, d := range f.deployments {
		if d["id"] == id {
			return d
		}
	}
	return nil
}

func (f *fakeECS) serviceJSON() map[string]any {
	s := map[string]any{}
	for k, v := range f.service {
		s[k] = v
	}
	ds := make([]any, len(f.deployments))
	for i, d := range f.deployments {
		ds[i] = d
	}
	es := make([]any, len(f.events))
	for i, e := range f.events {
		es[i] = e
	}
	s["deployments"], s["events"] = ds, es
	return s
}

func (f *fakeECS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	action := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "AmazonEC2ContainerServiceV20141113.")
	var in map[string]any
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		http.Error(w, err.Error(), 400)
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls[action]++
	out, errCode := f.handle(action, in)
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	if errCode != "" {
		w.WriteHeader(400)
		_ = json.NewEncoder(w).Encode(map[string]any{"__type": errCode, "message": out})
		return
	}
	_ = json.NewEncoder(w).Encode(out)
}

func (f *fakeECS) handle(action string, in map[string]any) (any, string) {
	switch action {
	case "DescribeServices":
		if f.onDescribe != nil {
			f.onDescribe(f, f.calls[action])
		}
		return map[string]any{"services": []any{f.serviceJSON()}}, ""
	case "DescribeTaskDefinition":
		ref := tdKey(in["taskDefinition"].(string))
		for i := len(f.revisions) - 1; i >= 0; i-- {
			td := f.revisions[i]
			if ref == "storefront" || ref == fmt.Sprintf("storefront:%d", td["revision"]) {
				return map[string]any{"taskDefinition": td}, ""
			}
		}
		return "Unable to describe task definition.", "ClientException"
	case "RegisterTaskDefinition":
		return map[string]any{"taskDefinition": f.register(in)}, ""
	case "UpdateService":
		td := in["taskDefinition"].(string)
		f.service["taskDefinition"] = td
		for _, d := range f.deployments {
			d["status"] = "ACTIVE"
		}
		d := f.deployment(fmt.Sprintf("ecs-svc/%d", len(f.deployments)+1+f.calls[action]*10), td, "PRIMARY", "IN_PROGRESS")
		f.deployments = append([]map[string]any{d}, f.deployments...)
		f.event(fmt.Sprintf("(service %s) has started 2 tasks: ::warning::task a", fakeService))
		if f.onUpdate != nil {
			f.onUpdate(f, td)
		}
		return map[string]any{"service": f.serviceJSON()}, ""
	case "ListTasks":
		var arns []any
		for arn, t := range f.tasks {
			if sb, ok := in["startedBy"]; ok && t["startedBy"] != sb {
				continue
			}
			if ds, ok := in["desiredStatus"]; ok && t["desiredStatus"] != ds {
				continue
			}
			arns = append(arns, arn)
		}
		return map[string]any{"taskArns": arns}, ""
	case "DescribeTasks":
		var ts []any
		for _, a := range in["tasks"].([]any) {
			if t, ok := f.tasks[a.(string)]; ok {
				if f.onDescribeTasks != nil {
					f.onDescribeTasks(f, t, f.calls[action])
				}
				ts = append(ts, t)
			}
		}
		return map[string]any{"tasks": ts}, ""
	case "RunTask":
		id := fmt.Sprintf("run%d", f.calls[action])
		t := map[string]any{"taskArn": fakeTaskARN(id), "taskDefinitionArn": in["taskDefinition"], "lastStatus": "PROVISIONING",
			"desiredStatus": "RUNNING", "startedBy": in["startedBy"], "containers": []any{map[string]any{"name": "web", "lastStatus": "PENDING"}}}
		f.tasks[fakeTaskARN(id)] = t
		return map[string]any{"tasks": []any{t}}, ""
	case "StopTask":
		t := f.tasks[in["task"].(string)]
		t["desiredStatus"] = "STOPPED"
		return map[string]any{"task": t}, ""
	}
	return "unknown action " + action, "InvalidAction"
}

// startFake serves f and returns an ECS client pointed at it.
func startFake(t testing.TB, f *fakeECS) *ecs.Client {
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return ecs.NewFromConfig(aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("testing", "testing", ""),
		BaseEndpoint: aws.String(srv.URL),
	})
}

// simClock is a simulated clock: Sleep moves time on at once.
type simClock struct {
	mu    sync.Mutex
	now   time.Time
	slept []time.Duration
}

func newSimClock() *simClock { return &simClock{now: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)} }

func (c *simClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *simClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	c.slept = append(c.slept, d)
	return nil
}
