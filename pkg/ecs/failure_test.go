package ecs

// Rollout failure, circuit-breaker rollback, rollback on failure and
// non-zero exit codes: moto 5.2.1 models none of them, so these run against
// the small ECS server of fake_test.go.

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/stagecrew/stagecrew/pkg/annotations"
	"github.com/stagecrew/stagecrew/pkg/result"
)

var fakeServiceARN = annotations.ServiceARN{Partition: "aws", Region: "us-east-1", Account: fakeAccount, Cluster: fakeCluster, Service: fakeService}

func intp(i int) *int { return &i }

func fakeRunner(t *testing.T, f *fakeECS) (*Runner, *bytes.Buffer) {
	var out bytes.Buffer
	return &Runner{ECS: startFake(t, f), Out: &out, Clock: newSimClock(), Rand: func() float64 { return 0.5 }}, &out
}

func TestDeployRolloutFailed(t *testing.T) {
	f := newFakeECS()
	f.onDescribe = func(f *fakeECS, n int) {
		d := f.deployments[0]
		switch n {
		case 1:
			d["pendingCount"] = 2
		case 2:
			d["failedTasks"] = 1
			f.stoppedTask("t1", d["taskDefinition"].(string), "Essential container in task exited", "service:storefront", map[string]*int{"web": intp(1)})
			f.event("(service storefront) has stopped 1 running tasks: (task t1).")
		case 4:
			d["failedTasks"] = 2
			f.stoppedTask("t2", d["taskDefinition"].(string), "Essential container in task exited", "service:storefront", map[string]*int{"web": intp(137)})
			d["rolloutState"] = "FAILED"
			d["rolloutStateReason"] = "ECS deployment circuit breaker: tasks failed to start."
		}
	}
	r, out := fakeRunner(t, f)
	res, err := r.Deploy(context.Background(), DeployOptions{Service: fakeServiceARN, Image: "storefront:2"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != result.Failed || res.Failure == nil {
		t.Fatalf("status %s, failure %+v\n%s", res.Status, res.Failure, out)
	}
	fl := res.Failure
	if fl.Error != "RolloutFailed" || fl.Cause != "ECS deployment circuit breaker: tasks failed to start." {
		t.Errorf("failure = %+v", fl)
	}
	if fl.Exits["web"] != 137 || fl.Where != "storefront/web" {
		t.Errorf("exits %v where %q, want the last stopped task's web=137", fl.Exits, fl.Where)
	}
	details := strings.Join(fl.Details, "\n")
	for _, want := range []string{"task t1 (storefront:2) stopped [EssentialContainerExited]: Essential container in task exited; web exit 1", "task t2", "web exit 137"} {
		if !strings.Contains(details, want) {
			t.Errorf("details lack %q:\n%s", want, details)
		}
	}
	if res.Values[ValueRegistered] != "true" || res.Values[ValueRevision] != "2" || res.Values[ValueRolloutState] != "FAILED" {
		t.Errorf("values = %v", res.Values)
	}
	// The service event carries "::warning::" from outside: neutralised.
	if strings.Contains(out.String(), "::warning::") || !strings.Contains(out.String(), "has stopped 1 running tasks") {
		t.Errorf("progress:\n%s", out)
	}
}

func TestDeployCircuitBreakerDeploymentDisappears(t *testing.T) {
	f := newFakeECS()
	f.onDescribe = func(f *fakeECS, n int) {
		if n == 3 {
			f.stoppedTask("t1", fakeTDARN(2), "Task failed container health checks", "service:storefront", map[string]*int{"web": intp(143)})
			// The circuit breaker drops the new deployment and puts back one
			// of the old revision as PRIMARY.
			f.deployments = []map[string]any{f.deployment("ecs-svc/rollback", fakeTDARN(1), "PRIMARY", "IN_PROGRESS")}
			f.service["taskDefinition"] = fakeTDARN(1)
		}
	}
	r, out := fakeRunner(t, f)
	res, err := r.Deploy(context.Background(), DeployOptions{Service: fakeServiceARN, Container: "web", Image: "storefront:2", Rollback: true})
	if err != nil {
		t.Fatal(err)
	}
	fl := res.Failure
	if res.Status != result.Failed || fl.Error != "RolledBack" || !strings.Contains(fl.Cause, "circuit breaker rolled it back") || !strings.Contains(fl.Cause, "runs storefront:1") {
		t.Fatalf("status %s failure %+v\n%s", res.Status, fl, out)
	}
	if fl.Exits["web"] != 143 || !strings.Contains(strings.Join(fl.Details, "\n"), "Task failed container health checks") {
		t.Errorf("stopped task not explained: %+v", fl)
	}
	// The circuit breaker already went back: no second rollback.
	if res.Values[ValueRollbackStatus] != "circuit-breaker" || f.calls["UpdateService"] != 1 {
		t.Errorf("rollback %q after %d UpdateService calls", res.Values[ValueRollbackStatus], f.calls["UpdateService"])
	}
}

func TestDeployPrimaryReverts(t *testing.T) {
	f := newFakeECS()
	f.onDescribe = func(f *fakeECS, n int) {
		if n == 2 {
			// The failed deployment is still listed (ACTIVE) while a rollback
			// deployment of the old revision became PRIMARY.
			f.deployments[0]["status"] = "ACTIVE"
			f.deployments = append([]map[string]any{f.deployment("ecs-svc/rollback", fakeTDARN(1), "PRIMARY", "IN_PROGRESS")}, f.deployments...)
		}
	}
	r, _ := fakeRunner(t, f)
	res, err := r.Deploy(context.Background(), DeployOptions{Service: fakeServiceARN, Image: "storefront:2"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != result.Failed || res.Failure.Error != "RolledBack" || !strings.Contains(res.Failure.Cause, "went back to storefront:1") {
		t.Fatalf("%s %+v", res.Status, res.Failure)
	}
}

func TestDeployRollbackOnFailure(t *testing.T) {
	f := newFakeECS()
	f.onUpdate = func(f *fakeECS, td string) {
		if td == fakeTDARN(1) { // our rollback: it completes
			f.deployments[0]["rolloutState"] = "COMPLETED"
			f.deployments[0]["runningCount"] = 2
		}
	}
	f.onDescribe = func(f *fakeECS, n int) {
		if n == 2 {
			d := f.deployments[0]
			d["rolloutState"], d["rolloutStateReason"] = "FAILED", "ECS deployment ecs-svc/22 failed: tasks failed to start"
		}
	}
	r, out := fakeRunner(t, f)
	res, err := r.Deploy(context.Background(), DeployOptions{Service: fakeServiceARN, Image: "storefront:2", Rollback: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != result.Failed || res.Values[ValueRollbackStatus] != "succeeded" || res.Values[ValueRollbackTaskDefinition] != fakeTDARN(1) {
		t.Fatalf("%s %v %+v\n%s", res.Status, res.Values, res.Failure, out)
	}
	if f.calls["UpdateService"] != 2 || f.service["taskDefinition"] != fakeTDARN(1) {
		t.Errorf("UpdateService calls %d, service at %v", f.calls["UpdateService"], f.service["taskDefinition"])
	}
	if !slices.ContainsFunc(res.Failure.Details, func(s string) bool { return strings.HasPrefix(s, "rolled back to storefront:1: deployment ") }) {
		t.Errorf("details: %q", res.Failure.Details)
	}
}

func TestDeployTimeout(t *testing.T) {
	f := newFakeECS() // the deployment stays IN_PROGRESS
	r, _ := fakeRunner(t, f)
	r.Wait.Timeout = 10 * 60e9
	res, err := r.Deploy(context.Background(), DeployOptions{Service: fakeServiceARN, Image: "storefront:2"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != result.WaitTimeout || !strings.Contains(res.Failure.Cause, "stopped waiting after 10m0s") {
		t.Fatalf("%s %+v", res.Status, res.Failure)
	}
	if got := res.EndedAt.Sub(res.StartedAt); got < 10*60e9 || got > 10*60e9+r.Wait.withDefaults().MaxDelay {
		t.Errorf("waited %v", got)
	}
}

func TestRunTaskNonZeroExit(t *testing.T) {
	for _, tc := range []struct {
		name      string
		exits     map[string]*int
		essential []string
		wantError string
		wantCode  string
	}{
		{"non-zero", map[string]*int{"web": intp(3)}, nil, "NonZeroExit", "3"},
		{"missing exit code", map[string]*int{"web": nil}, nil, "EssentialContainerExited", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeECS()
			f.onDescribeTasks = func(f *fakeECS, tk map[string]any, n int) {
				if n >= 2 {
					st := f.stoppedTask("x", tk["taskDefinitionArn"].(string), "Essential container in task exited", "", tc.exits)
					for k, v := range st {
						if k != "taskArn" {
							tk[k] = v
						}
					}
				}
			}
			r, out := fakeRunner(t, f)
			res, err := r.RunTask(context.Background(), TaskOptions{Service: fakeServiceARN, Command: []string{"migrate"}, StartedBy: "run-1"})
			if err != nil {
				t.Fatal(err)
			}
			if res.Status != result.Failed || res.Failure.Error != tc.wantError || res.Values[ValueExitCode] != tc.wantCode {
				t.Fatalf("%s %v %+v\n%s", res.Status, res.Values, res.Failure, out)
			}
			if !strings.Contains(res.Failure.Cause, "stopped reason: Essential container in task exited") {
				t.Errorf("cause %q", res.Failure.Cause)
			}
			if tc.exits["web"] != nil && res.Failure.Exits["web"] != *tc.exits["web"] {
				t.Errorf("exits %v", res.Failure.Exits)
			}
		})
	}
}

func TestRunTaskStopOnCancel(t *testing.T) {
	f := newFakeECS()
	r, _ := fakeRunner(t, f)
	ctx, cancel := context.WithCancel(context.Background())
	f.onDescribeTasks = func(f *fakeECS, tk map[string]any, n int) {
		if n == 2 {
			cancel()
		}
	}
	res, err := r.RunTask(ctx, TaskOptions{Service: fakeServiceARN, StartedBy: "run-2", StopOnCancel: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != result.Cancelled || f.calls["StopTask"] != 1 || !strings.Contains(res.Failure.Cause, "told to stop") {
		t.Fatalf("%s %+v, %d StopTask", res.Status, res.Failure, f.calls["StopTask"])
	}
}
