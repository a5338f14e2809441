package ecs

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/stagecrew/stagecrew/pkg/annotations"
	"github.com/stagecrew/stagecrew/pkg/poll"
	"github.com/stagecrew/stagecrew/pkg/result"
)

// missingPolls is how many polls in a row may list no deployment of the new
// task definition (when UpdateService's answer listed none) before the wait
// says the service did not start one.
const missingPolls = 3

// watch is the state of one deployment wait.
type watch struct {
	service          annotations.ServiceARN
	target, previous string
	depID            string
	start            time.Time
	seen             map[string]bool // service event ids already printed (or older than the start)
	missing          int
	failedSeen       int32
	stopped          []types.Task // stopped tasks of the target revision, oldest first
	stoppedSeen      map[string]bool
	lastLine         string
	revertedTo       string // the task definition the PRIMARY deployment went back to
	last             *types.Deployment
}

func newWatch(s annotations.ServiceARN, target, previous string, svc *types.Service) *watch {
	w := &watch{service: s, target: target, previous: previous, seen: map[string]bool{}, stoppedSeen: map[string]bool{}}
	if svc != nil {
		for _, e := range svc.Events {
			w.seen[aws.ToString(e.Id)] = true
		}
	}
	return w
}

// waitDeployment polls the service until the deployment ends, the wait
// times out or ctx is cancelled, and fills res.
func (r *Runner) waitDeployment(ctx context.Context, w *watch, res *result.Result) {
	clk := r.clock()
	if w.start.IsZero() {
		w.start = clk.Now()
	}
	wo, b := r.newBackoff()
	deadline := clk.Now().Add(wo.Timeout)
	errs := 0
	for {
		if err := clk.Sleep(ctx, min(b.Next(), max(deadline.Sub(clk.Now()), 0))); err != nil {
			res.Status = result.Cancelled
			r.explainDeployment(context.WithoutCancel(ctx), w, res, "the wait was cancelled; the deployment goes on")
			return
		}
		svc, err := r.describeServiceOnce(ctx, w.service)
		b.Observe(err)
		switch {
		case err != nil && ctx.Err() != nil:
			res.Status = result.Cancelled
			r.explainDeployment(context.WithoutCancel(ctx), w, res, "the wait was cancelled; the deployment goes on")
			return
		case err != nil && poll.IsTransient(err):
			if !poll.IsThrottle(err) {
				errs++
			}
			if errs >= wo.MaxErrors {
				res.Status = result.WaitTimeout
				r.explainDeployment(ctx, w, res, fmt.Sprintf("DescribeServices failed %d times in a row: %v", errs, err))
				return
			}
		case err != nil:
			res.Status = result.Failed
			res.Failure = &result.Failure{Where: w.service.Service, Error: "DescribeServices", Cause: err.Error()}
			return
		default:
			errs = 0
			if done := r.step(ctx, w, svc, res); done {
				return
			}
		}
		if !clk.Now().Before(deadline) {
			res.Status = result.WaitTimeout
			r.explainDeployment(ctx, w, res, fmt.Sprintf("stopped waiting after %v; the deployment goes on", wo.Timeout))
			return
		}
	}
}

// step looks at one answer of DescribeServices; it reports whether the
// deployment ended (and res is filled).
func (r *Runner) step(ctx context.Context, w *watch, svc *types.Service, res *result.Result) bool {
	p := r.out()
	// New service events, oldest first (ECS lists them newest first).
	for _, e := range slices.Backward(svc.Events) {
		id := aws.ToString(e.Id)
		if w.seen[id] {
			continue
		}
		w.seen[id] = true
		p.linef("event: %s", aws.ToString(e.Message))
	}

	var dep *types.Deployment
	if w.depID != "" {
		dep = deploymentByID(svc.Deployments, w.depID)
	} else if dep = deploymentOf(svc.Deployments, w.target); dep != nil {
		w.depID = aws.ToString(dep.Id)
		res.ID = w.depID
		res.Values[ValueDeploymentID] = w.depID
		p.linef("deployment %s of %s started", w.depID, tdKey(w.target))
	}
	prim := primary(svc.Deployments)
	primTD := ""
	if prim != nil {
		primTD = aws.ToString(prim.TaskDefinition)
	}

	if dep == nil {
		if w.depID != "" {
			w.revertedTo = primTD
			res.Status = result.Failed
			cause := fmt.Sprintf("deployment %s of %s is gone: the deployment circuit breaker rolled it back", w.depID, tdKey(w.target))
			if prim != nil {
				cause += fmt.Sprintf("; the PRIMARY deployment %s runs %s", aws.ToString(prim.Id), tdKey(primTD))
			}
			r.explainDeployment(ctx, w, res, cause)
			res.Failure.Error = "RolledBack"
			return true
		}
		w.missing++
		if w.missing < missingPolls {
			return false
		}
		res.Status = result.Failed
		cause := fmt.Sprintf("service %s lists no deployment of %s (service task definition: %s", w.service.Service, tdKey(w.target), tdKey(aws.ToString(svc.TaskDefinition)))
		if prim != nil {
			cause += fmt.Sprintf("; PRIMARY deployment %s runs %s", aws.ToString(prim.Id), tdKey(primTD))
		}
		r.explainDeployment(ctx, w, res, cause+")")
		res.Failure.Error = "NoDeployment"
		return true
	}

	w.last = dep
	res.Values[ValueRolloutState] = string(dep.RolloutState)
	if line := rolloutLine(dep); line != w.lastLine {
		w.lastLine = line
		p.linef("%s", line)
	}
	if dep.FailedTasks > w.failedSeen {
		w.failedSeen = dep.FailedTasks
		r.collectStopped(ctx, w)
	}

	reverted := prim != nil && aws.ToString(prim.Id) != w.depID && !sameTD(primTD, w.target)
	if reverted {
		w.revertedTo = primTD
	}
	switch {
	case dep.RolloutState == types.DeploymentRolloutStateFailed:
		res.Status = result.Failed
		cause := aws.ToString(dep.RolloutStateReason)
		if cause == "" {
			cause = "rollout FAILED"
		}
		if reverted {
			cause += fmt.Sprintf("; the PRIMARY deployment %s went back to %s", aws.ToString(prim.Id), tdKey(primTD))
		}
		r.explainDeployment(ctx, w, res, cause)
		res.Failure.Error = "RolloutFailed"
		return true
	case reverted:
		res.Status = result.Failed
		r.explainDeployment(ctx, w, res, fmt.Sprintf("the PRIMARY deployment %s went back to %s: the deployment circuit breaker rolled back %s",
			aws.ToString(prim.Id), tdKey(primTD), tdKey(w.target)))
		res.Failure.Error = "RolledBack"
		return true
	case dep.RolloutState == types.DeploymentRolloutStateCompleted && aws.ToString(dep.Status) == "PRIMARY",
		dep.RolloutState == "" && aws.ToString(dep.Status) == "PRIMARY" && len(svc.Deployments) == 1 && dep.RunningCount >= dep.DesiredCount:
		res.Status = result.Succeeded
		res.Failure = nil
		p.linef("deployment %s completed: %d/%d running %s", w.depID, dep.RunningCount, dep.DesiredCount, tdKey(w.target))
		return true
	}
	return false
}

// explainDeployment fills res.Failure: the cause, the stopped tasks of the
// new revision with their reasons and exit codes.
func (r *Runner) explainDeployment(ctx context.Context, w *watch, res *result.Result, cause string) {
	if w.depID != "" || w.last != nil {
		r.collectStopped(ctx, w)
	}
	f := &result.Failure{Where: w.service.Service, Cause: cause}
	if w.last != nil {
		f.Details = append(f.Details, rolloutLine(w.last))
	}
	for _, t := range w.stopped {
		f.Details = append(f.Details, stoppedLine(t))
	}
	if n := len(w.stopped); n > 0 {
		t := w.stopped[n-1]
		f.Exits = exits(t.Containers)
		if c := failedContainer(t.Containers); c != "" {
			f.Where = w.service.Service + "/" + c
		}
	}
	res.Failure = f
	r.out().linef("%s: %s", strings.ToUpper(string(res.Status)), cause)
}

// collectStopped finds the stopped tasks of the new revision (ECS keeps
// stopped tasks listed for about an hour).
func (r *Runner) collectStopped(ctx context.Context, w *watch) {
	var arns []string
	err := r.retry(ctx, "ListTasks", func() error {
		out, err := r.ECS.ListTasks(ctx, &ecs.ListTasksInput{
			Cluster:       aws.String(w.service.Cluster),
			ServiceName:   aws.String(w.service.Service),
			DesiredStatus: types.DesiredStatusStopped,
		})
		if err == nil {
			arns = out.TaskArns
		}
		return err
	})
	if err != nil || len(arns) == 0 {
		return
	}
	var fresh []string
	for _, a := range arns {
		if !w.stoppedSeen[a] {
			fresh = append(fresh, a)
		}
	}
	for chunk := range slices.Chunk(fresh, 100) {
		var tasks []types.Task
		err := r.retry(ctx, "DescribeTasks", func() error {
			out, err := r.ECS.DescribeTasks(ctx, &ecs.DescribeTasksInput{Cluster: aws.String(w.service.Cluster), Tasks: chunk})
			if err == nil {
				tasks = out.Tasks
			}
			return err
		})
		if err != nil {
			return
		}
		slices.SortStableFunc(tasks, func(a, b types.Task) int {
			return aws.ToTime(a.StoppedAt).Compare(aws.ToTime(b.StoppedAt))
		})
		for _, t := range tasks {
			if aws.ToString(t.LastStatus) != "STOPPED" || !sameTD(aws.ToString(t.TaskDefinitionArn), w.target) {
				continue
			}
			if g := aws.ToString(t.Group); g != "" && g != "service:"+w.service.Service {
				continue
			}
			w.stoppedSeen[aws.ToString(t.TaskArn)] = true
			w.stopped = append(w.stopped, t)
			r.out().linef("%s", stoppedLine(t))
		}
	}
}

func taskID(arn string) string { return arn[strings.LastIndexByte(arn, '/')+1:] }

// stoppedLine describes a stopped task: its reason and its containers' exit
// codes.
func stoppedLine(t types.Task) string {
	var b strings.Builder
	fmt.Fprintf(&b, "task %s (%s) stopped", taskID(aws.ToString(t.TaskArn)), tdKey(aws.ToString(t.TaskDefinitionArn)))
	if t.StopCode != "" {
		fmt.Fprintf(&b, " [%s]", t.StopCode)
	}
	if s := aws.ToString(t.StoppedReason); s != "" {
		fmt.Fprintf(&b, ": %s", s)
	}
	for _, c := range t.Containers {
		fmt.Fprintf(&b, "; %s ", aws.ToString(c.Name))
		if c.ExitCode != nil {
			fmt.Fprintf(&b, "exit %d", *c.ExitCode)
		} else {
			b.WriteString("no exit code")
		}
		if c.Reason != nil && *c.Reason != "" {
			fmt.Fprintf(&b, " (%s)", *c.Reason)
		}
	}
	return b.String()
}

// exits maps container names to their exit codes; containers without one
// are left out.
func exits(cs []types.Container) map[string]int {
	m := map[string]int{}
	for _, c := range cs {
		if c.ExitCode != nil {
			m[aws.ToString(c.Name)] = int(*c.ExitCode)
		}
	}
	if len(m) == 0 {
		return nil
	}
	return m
}

// failedContainer names the first container with a non-zero exit code or a
// reason.
func failedContainer(cs []types.Container) string {
	for _, c := range cs {
		if (c.ExitCode != nil && *c.ExitCode != 0) || aws.ToString(c.Reason) != "" {
			return aws.ToString(c.Name)
		}
	}
	return ""
}
