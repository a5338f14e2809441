package ecs

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/stagecrew/stagecrew/pkg/annotations"
	"github.com/stagecrew/stagecrew/pkg/poll"
	"github.com/stagecrew/stagecrew/pkg/result"
)

// TaskOptions says which one-off task to run.
type TaskOptions struct {
	// Service lends its defaults: cluster, task definition, launch type or
	// capacity provider strategy, platform version and network configuration
	// (subnets, security groups, public IP). Zero means none: set Cluster
	// and TaskDefinition then.
	Service annotations.ServiceARN
	Cluster string // default: the service's cluster
	// TaskDefinition is an ARN, family:revision or family (latest ACTIVE
	// revision); default: the service's task definition.
	TaskDefinition string
	// Container is the container that Command and Environment override and
	// whose exit code is the result's; default: the only container, or the
	// only essential one.
	Container   string
	Command     []string
	Environment map[string]string

	// Overrides of what the service lends.
	LaunchType               types.LaunchType
	CapacityProviderStrategy []types.CapacityProviderStrategyItem
	NetworkConfiguration     *types.NetworkConfiguration
	PlatformVersion          string
	// Subnets, SecurityGroups and AssignPublicIP override single parts of
	// the awsvpc configuration (after NetworkConfiguration); empty keeps
	// the service's.
	Subnets        []string
	SecurityGroups []string
	AssignPublicIP types.AssignPublicIp

	// Tags are set on the task; PropagateTags copies the task
	// definition's (TASK_DEFINITION); EnableECSManagedTags adds ECS's.
	Tags                 map[string]string
	PropagateTags        types.PropagateTags
	EnableECSManagedTags bool

	// StartedBy marks the task (RunTask startedBy, up to 128 letters,
	// digits, '-', '_', '/'). A run that finds a task with the same mark
	// waits for it instead of starting another, so derive it from the
	// workflow run and job. Empty: a random one (no attaching on reruns).
	StartedBy string
	// StopOnCancel stops the task when ctx is cancelled.
	StopOnCancel bool
	Target       result.Target
}

// Values keys of a task's result (and ValueTaskDefinition).
const (
	ValueExitCode   = "exit-code"  // of the chosen container
	ValueExitCodes  = "exit-codes" // name=code,... of every container that has one
	ValueTaskARN    = "task-arn"
	ValueStopCode   = "stop-code"
	ValueLastStatus = "last-status"
	ValueStartedBy  = "started-by"
)

// task is the state of one task run.
type task struct {
	cluster   string
	arn       string
	container string
	essential []string
	lastLine  string
	logs      *logStreams
}

// RunTask starts a one-off task (or finds the one a previous attempt with
// the same StartedBy started), streams its CloudWatch log lines, waits for it
// to stop and reports every container's exit code. A task that ran and
// failed (non-zero or missing exit code) is a result with Status Failed and a
// nil error; an error means the task could not be started or watched.
func (r *Runner) RunTask(ctx context.Context, o TaskOptions) (*result.Result, error) {
	if o.StartedBy == "" {
		var b [8]byte
		_, _ = rand.Read(b[:])
		o.StartedBy = "stagecrew-" + hex.EncodeToString(b[:])
	}
	if !isStartedBy(o.StartedBy) {
		return nil, fmt.Errorf("%w: startedBy %q is not 1-128 letters, digits, '-', '_' or '/'", ErrOptions, o.StartedBy)
	}
	clk := r.clock()
	p := r.out()
	res := &result.Result{Target: o.Target, Status: result.Running, StartedAt: clk.Now(), Values: map[string]string{ValueStartedBy: o.StartedBy}}
	res.Target.Kind = result.ECSTask

	in := &ecs.RunTaskInput{
		Cluster:        aws.String(o.Cluster),
		StartedBy:      aws.String(o.StartedBy),
		ClientToken:    aws.String(clientToken(o.StartedBy)),
		TaskDefinition: aws.String(o.TaskDefinition),
	}
	if !o.Service.IsZero() {
		svc, err := r.describeService(ctx, o.Service)
		if err != nil {
			return nil, err
		}
		if o.Cluster == "" {
			in.Cluster = aws.String(o.Service.Cluster)
		}
		if o.TaskDefinition == "" {
			in.TaskDefinition = svc.TaskDefinition
		}
		if len(svc.CapacityProviderStrategy) > 0 {
			in.CapacityProviderStrategy = svc.CapacityProviderStrategy
		} else {
			in.LaunchType = svc.LaunchType
		}
		in.NetworkConfiguration = svc.NetworkConfiguration
		in.PlatformVersion = svc.PlatformVersion
		res.Target.Resource, res.Target.Name = o.Service.String(), o.Service.Service
	}
	switch {
	case aws.ToString(in.Cluster) == "":
		return nil, fmt.Errorf("%w: no cluster: name a service or a cluster", ErrOptions)
	case aws.ToString(in.TaskDefinition) == "":
		return nil, fmt.Errorf("%w: no task definition: name a service or a task definition", ErrOptions)
	}
	if o.LaunchType != "" {
		in.LaunchType, in.CapacityProviderStrategy = o.LaunchType, nil
	}
	if len(o.CapacityProviderStrategy) > 0 {
		in.LaunchType, in.CapacityProviderStrategy = "", o.CapacityProviderStrategy
	}
	if o.NetworkConfiguration != nil {
		in.NetworkConfiguration = o.NetworkConfiguration
	}
	if o.PlatformVersion != "" {
		in.PlatformVersion = aws.String(o.PlatformVersion)
	}
	in.NetworkConfiguration = o.network(in.NetworkConfiguration)
	in.Tags = ecsTags(o.Tags)
	in.PropagateTags = o.PropagateTags
	in.EnableECSManagedTags = o.EnableECSManagedTags

	td, _, err := r.describeTaskDefinition(ctx, aws.ToString(in.TaskDefinition))
	if err != nil {
		return nil, fmt.Errorf("task definition %s: %w", aws.ToString(in.TaskDefinition), err)
	}
	in.TaskDefinition = td.TaskDefinitionArn
	if res.Target.Resource == "" {
		res.Target.Resource, res.Target.Name = aws.ToString(td.TaskDefinitionArn), tdKey(aws.ToString(td.TaskDefinitionArn))
	}
	res.Values[ValueTaskDefinition] = aws.ToString(td.TaskDefinitionArn)
	i, err := findContainer(aws.ToString(td.Family), td.ContainerDefinitions, o.Container)
	if err != nil {
		return nil, err
	}
	t := &task{cluster: aws.ToString(in.Cluster), container: aws.ToString(td.ContainerDefinitions[i].Name)}
	for _, c := range td.ContainerDefinitions {
		if c.Essential == nil || *c.Essential {
			t.essential = append(t.essential, aws.ToString(c.Name))
		}
	}
	if len(o.Command) > 0 || len(o.Environment) > 0 {
		co := types.ContainerOverride{Name: aws.String(t.container), Command: o.Command}
		for _, k := range sortedKeys(o.Environment) {
			co.Environment = append(co.Environment, types.KeyValuePair{Name: aws.String(k), Value: aws.String(o.Environment[k])})
		}
		in.Overrides = &types.TaskOverride{ContainerOverrides: []types.ContainerOverride{co}}
	}

	// Start once: look for a task with our mark first, and after any failed
	// RunTask before trying again.
	if t.arn, err = r.findTask(ctx, t.cluster, o.StartedBy); err != nil {
		return nil, err
	}
	if t.arn != "" {
		res.Attached = true
		p.linef("task %s (startedBy %s) is already there: waiting for it", taskID(t.arn), o.StartedBy)
	} else if t.arn, err = r.startTask(ctx, in); err != nil {
		return nil, err
	} else {
		p.linef("started task %s of %s in cluster %s", taskID(t.arn), tdKey(aws.ToString(td.TaskDefinitionArn)), t.cluster)
	}
	res.ID = t.arn
	res.Values[ValueTaskARN] = t.arn
	if u, err := result.TaskConsoleURL(t.arn); err == nil {
		res.Links = append(res.Links, result.Link{Title: "ECS task", URL: u})
	}
	t.logs = newLogStreams(r, td, taskID(t.arn))
	if r.NoWait {
		return res, nil
	}

	r.waitTask(ctx, o, t, res)
	res.EndedAt = clk.Now()
	res.SetOutput(t.logs.tail())
	res.Truncated = res.Truncated || t.logs.cut
	return res, nil
}

// network applies Subnets, SecurityGroups and AssignPublicIP over nc (the
// service's or NetworkConfiguration), on a copy.
func (o *TaskOptions) network(nc *types.NetworkConfiguration) *types.NetworkConfiguration {
	if len(o.Subnets) == 0 && len(o.SecurityGroups) == 0 && o.AssignPublicIP == "" {
		return nc
	}
	vpc := types.AwsVpcConfiguration{}
	if nc != nil && nc.AwsvpcConfiguration != nil {
		vpc = *nc.AwsvpcConfiguration
	}
	if len(o.Subnets) > 0 {
		vpc.Subnets = o.Subnets
	}
	if len(o.SecurityGroups) > 0 {
		vpc.SecurityGroups = o.SecurityGroups
	}
	if o.AssignPublicIP != "" {
		vpc.AssignPublicIp = o.AssignPublicIP
	}
	return &types.NetworkConfiguration{AwsvpcConfiguration: &vpc}
}

// clientToken derives RunTask's idempotency token (up to 64 characters)
// from the startedBy mark, so ECS itself also refuses a second start.
func clientToken(startedBy string) string {
	h := sha256.Sum256([]byte("stagecrew/run-task/" + startedBy))
	return hex.EncodeToString(h[:16])
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// findTask returns the newest task of the cluster with the startedBy mark,
// running or stopped, or "".
func (r *Runner) findTask(ctx context.Context, cluster, startedBy string) (string, error) {
	for _, st := range []types.DesiredStatus{types.DesiredStatusRunning, types.DesiredStatusStopped} {
		var arns []string
		err := r.retry(ctx, "ListTasks", func() error {
			out, err := r.ECS.ListTasks(ctx, &ecs.ListTasksInput{Cluster: aws.String(cluster), StartedBy: aws.String(startedBy), DesiredStatus: st})
			if err == nil {
				arns = out.TaskArns
			}
			return err
		})
		if err != nil {
			return "", fmt.Errorf("looking for task startedBy %s: %w", startedBy, err)
		}
		if len(arns) > 0 {
			return arns[len(arns)-1], nil
		}
	}
	return "", nil
}

// startTask calls RunTask without the SDK's retries; after a failure it
// looks for the task by its mark before trying again.
func (r *Runner) startTask(ctx context.Context, in *ecs.RunTaskInput) (string, error) {
	wo, b := r.newBackoff()
	errs := 0
	for {
		out, err := r.ECS.RunTask(ctx, in, noRetry)
		b.Observe(err)
		if err == nil {
			if len(out.Tasks) > 0 {
				return aws.ToString(out.Tasks[0].TaskArn), nil
			}
			var reasons []string
			for _, f := range out.Failures {
				reasons = append(reasons, strings.Trim(aws.ToString(f.Arn)+" "+aws.ToString(f.Reason)+" "+aws.ToString(f.Detail), " "))
			}
			return "", fmt.Errorf("RunTask %s started no task: %s", tdKey(aws.ToString(in.TaskDefinition)), strings.Join(reasons, "; "))
		}
		if !poll.IsTransient(err) {
			return "", fmt.Errorf("RunTask %s: %w", tdKey(aws.ToString(in.TaskDefinition)), err)
		}
		if !poll.IsThrottle(err) {
			errs++
		}
		if errs >= wo.MaxErrors {
			return "", fmt.Errorf("RunTask: giving up after %d failed attempts: %w", errs, err)
		}
		if err := r.clock().Sleep(ctx, b.Next()); err != nil {
			return "", err
		}
		arn, ferr := r.findTask(ctx, aws.ToString(in.Cluster), aws.ToString(in.StartedBy))
		if ferr != nil {
			return "", ferr
		}
		if arn != "" {
			r.out().linef("RunTask's answer was lost; found task %s by its startedBy mark", taskID(arn))
			return arn, nil
		}
	}
}

// waitTask polls the task until it stops, streaming its logs.
func (r *Runner) waitTask(ctx context.Context, o TaskOptions, t *task, res *result.Result) {
	clk := r.clock()
	p := r.out()
	wo, b := r.newBackoff()
	deadline := clk.Now().Add(wo.Timeout)
	errs := 0
	first := true
	for {
		if !first {
			if err := clk.Sleep(ctx, min(b.Next(), max(deadline.Sub(clk.Now()), 0))); err != nil {
				r.cancelTask(o, t, res)
				return
			}
		}
		first = false
		out, err := r.ECS.DescribeTasks(ctx, &ecs.DescribeTasksInput{Cluster: aws.String(t.cluster), Tasks: []string{t.arn}})
		b.Observe(err)
		switch {
		case err != nil && ctx.Err() != nil:
			r.cancelTask(o, t, res)
			return
		case err != nil && poll.IsTransient(err):
			if !poll.IsThrottle(err) {
				errs++
			}
			if errs >= wo.MaxErrors {
				res.Status = result.WaitTimeout
				res.Failure = &result.Failure{Where: taskID(t.arn), Error: "DescribeTasks", Cause: fmt.Sprintf("failed %d times in a row: %v", errs, err)}
				return
			}
		case err != nil:
			res.Status = result.Failed
			res.Failure = &result.Failure{Where: taskID(t.arn), Error: "DescribeTasks", Cause: err.Error()}
			return
		case len(out.Tasks) == 0:
			errs++
			if errs >= wo.MaxErrors {
				res.Status = result.Failed
				res.Failure = &result.Failure{Where: taskID(t.arn), Error: "MISSING", Cause: "DescribeTasks does not know the task"}
				return
			}
		default:
			errs = 0
			tk := out.Tasks[0]
			res.Values[ValueLastStatus] = aws.ToString(tk.LastStatus)
			if line := fmt.Sprintf("task %s: %s", taskID(t.arn), aws.ToString(tk.LastStatus)); line != t.lastLine {
				t.lastLine = line
				p.linef("%s", line)
			}
			t.logs.poll(ctx, tk.Containers, false)
			if aws.ToString(tk.LastStatus) == "STOPPED" {
				t.logs.poll(ctx, tk.Containers, true)
				r.taskStopped(t, tk, res)
				return
			}
		}
		if !clk.Now().Before(deadline) {
			res.Status = result.WaitTimeout
			res.Failure = &result.Failure{Where: taskID(t.arn), Cause: fmt.Sprintf("stopped waiting after %v; the task goes on", wo.Timeout)}
			p.linef("WAIT_TIMEOUT: %s", res.Failure.Cause)
			return
		}
	}
}

// cancelTask reports a cancelled wait, stopping the task when asked.
func (r *Runner) cancelTask(o TaskOptions, t *task, res *result.Result) {
	res.Status = result.Cancelled
	res.Failure = &result.Failure{Where: taskID(t.arn), Cause: "the wait was cancelled; the task goes on"}
	if !o.StopOnCancel {
		return
	}
	ctx := context.Background()
	err := r.retry(ctx, "StopTask", func() error {
		_, err := r.ECS.StopTask(ctx, &ecs.StopTaskInput{Cluster: aws.String(t.cluster), Task: aws.String(t.arn), Reason: aws.String("stagecrew: the workflow run was cancelled")})
		return err
	})
	if err != nil {
		res.Failure.Cause = fmt.Sprintf("the wait was cancelled; stopping the task failed: %v", err)
		return
	}
	res.Failure.Cause = "the wait was cancelled; the task was told to stop"
	r.out().linef("task %s: stop requested", taskID(t.arn))
}

// taskStopped judges a stopped task: the chosen container must exit 0 and
// no other essential container may exit non-zero.
func (r *Runner) taskStopped(t *task, tk types.Task, res *result.Result) {
	p := r.out()
	res.Values[ValueStopCode] = string(tk.StopCode)
	ex := exits(tk.Containers)
	var codes []string
	for _, c := range tk.Containers {
		if c.ExitCode != nil {
			codes = append(codes, aws.ToString(c.Name)+"="+strconv.Itoa(int(*c.ExitCode)))
		}
	}
	res.Values[ValueExitCodes] = strings.Join(codes, ",")
	p.linef("%s", stoppedLine(tk))

	fail := func(where, code, cause string) {
		res.Status = result.Failed
		if r := aws.ToString(tk.StoppedReason); r != "" && !strings.Contains(cause, r) {
			cause += "; stopped reason: " + r
		}
		res.Failure = &result.Failure{Where: where, Error: code, Cause: cause, Exits: ex, Details: []string{stoppedLine(tk)}}
		p.linef("FAILED: %s", cause)
	}
	code, ok := ex[t.container]
	if ok {
		res.Values[ValueExitCode] = strconv.Itoa(code)
	}
	switch {
	case !ok:
		reason := "no exit code"
		for _, c := range tk.Containers {
			if aws.ToString(c.Name) == t.container && aws.ToString(c.Reason) != "" {
				reason += " (" + aws.ToString(c.Reason) + ")"
			}
		}
		fail(t.container, cmpOr(string(tk.StopCode), "NoExitCode"), fmt.Sprintf("container %s stopped with %s", t.container, reason))
		return
	case code != 0:
		fail(t.container, "NonZeroExit", fmt.Sprintf("container %s exited with code %d", t.container, code))
		return
	}
	for _, name := range t.essential {
		if c, ok := ex[name]; ok && c != 0 && name != t.container {
			fail(name, "NonZeroExit", fmt.Sprintf("essential container %s exited with code %d", name, c))
			return
		}
	}
	res.Status = result.Succeeded
	p.linef("task %s succeeded: %s exited 0", taskID(t.arn), t.container)
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
