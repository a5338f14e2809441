package ecs

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/stagecrew/stagecrew/pkg/annotations"
	"github.com/stagecrew/stagecrew/pkg/poll"
	"github.com/stagecrew/stagecrew/pkg/result"
)

// DeployOptions says what to deploy where.
type DeployOptions struct {
	// Service is the ECS service to update. It may be zero only with
	// RegisterOnly and a TaskDefinitionFile.
	Service annotations.ServiceARN
	// Container is the container whose image is set (stagecrew.dev/ecs-container);
	// "" means the only container, or the only essential one.
	Container string
	// Image is the new image; "" keeps the image of the base task definition.
	Image string
	// Environment sets environment variables of the container.
	Environment map[string]string
	// Edits change several containers (images, environment, secrets), the
	// task and execution roles and the new revision's tags, after Image
	// and Environment.
	Edits Edits
	// TaskDefinitionFile is the content of a task definition file from the
	// repository (stagecrew.dev/task-definition). When nil, the service's
	// current task definition is the base.
	TaskDefinitionFile []byte
	// TaskDefinitionARN deploys this task definition as it is: nothing is
	// registered, Image and Environment must be empty.
	TaskDefinitionARN string
	// RegisterOnly registers the task definition and stops there.
	RegisterOnly bool
	// ForceNewDeployment starts a deployment even when the service already
	// runs the task definition.
	ForceNewDeployment bool
	// Rollback puts the previous task definition back when the deployment
	// fails or the wait times out, and waits for that deployment too.
	Rollback bool
	// RollbackOnCancel puts the previous task definition back when ctx is
	// cancelled during the wait (the runner's SIGTERM), without waiting for
	// it; otherwise a cancelled deploy is left running.
	RollbackOnCancel bool

	// DesiredCount sets the service's desired count; nil keeps it.
	DesiredCount *int32
	// PropagateTags sets where the service's tasks take tags from; ""
	// keeps the service's setting.
	PropagateTags types.PropagateTags
	// EnableECSManagedTags turns ECS managed tags on; false leaves the
	// service's setting alone.
	EnableECSManagedTags bool
	// KeepRevisions, when above 0, deregisters after a successful
	// deployment the ACTIVE revisions of the family older than the newest
	// KeepRevisions, except those the service's deployments use and the
	// one it ran before.
	KeepRevisions int
	// CodeDeploy shapes the deployment of a service with the CODE_DEPLOY
	// deployment controller (blue/green).
	CodeDeploy CodeDeployOptions
	// Target carries the entity and environment into the result; Kind,
	// Resource and Name are filled in.
	Target result.Target
}

// Values keys of a deployment's result.
const (
	ValueTaskDefinition         = "task-definition"
	ValueRevision               = "revision"
	ValueRegistered             = "registered" // "true" when this run registered the revision
	ValuePreviousTaskDefinition = "previous-task-definition"
	ValueDeploymentID           = "deployment-id"
	ValueRolloutState           = "rollout-state"
	ValueRollbackTaskDefinition = "rollback-task-definition"
	ValueRollbackDeploymentID   = "rollback-deployment-id"
	ValueRollbackStatus         = "rollback-status"
)

// ErrOptions is wrapped by errors about options that do not fit together.
var ErrOptions = errors.New("invalid options")

// Deploy registers (unless it exists already) a task definition with the new
// image and updates the service to it, then waits for the deployment to
// complete. It returns an error, and possibly a partial result, when it
// could not do its work (bad options, AWS errors); a deployment that ran and
// failed is a result with Status Failed and a Failure, and a nil error.
//
// A service whose deployment controller is CODE_DEPLOY is deployed blue/green
// through CodeDeploy instead of UpdateService (see CodeDeployOptions): the
// result's ID is then the CodeDeploy deployment id.
func (r *Runner) Deploy(ctx context.Context, o DeployOptions) (*result.Result, error) {
	if err := o.check(); err != nil {
		return nil, err
	}
	clk := r.clock()
	res := &result.Result{Target: o.Target, Status: result.Running, StartedAt: clk.Now(), Values: map[string]string{}}
	res.Target.Kind = result.ECSDeployment
	var svc *types.Service
	if !o.Service.IsZero() {
		res.Target.Resource, res.Target.Name = o.Service.String(), o.Service.Service
		res.Links = append(res.Links, result.Link{Title: "ECS service deployments",
			URL: result.ServiceConsoleURL(o.Service.Partition, o.Service.Region, o.Service.Cluster, o.Service.Service)})
		var err error
		if svc, err = r.describeService(ctx, o.Service); err != nil {
			return res, err
		}
	}

	td, err := r.taskDefinitionFor(ctx, o, svc, res)
	if err != nil {
		return res, err
	}
	res.Values[ValueTaskDefinition] = td
	res.Values[ValueRevision] = revisionOf(td)
	if o.RegisterOnly {
		res.ID, res.Status, res.EndedAt = td, result.Succeeded, clk.Now()
		return res, nil
	}

	prev := aws.ToString(svc.TaskDefinition)
	res.Values[ValuePreviousTaskDefinition] = prev
	if isCodeDeploy(svc) {
		return r.deployBlueGreen(ctx, o, svc, td, res)
	}
	res.Values[ValueDeploymentController] = string(types.DeploymentControllerTypeEcs)
	w := newWatch(o.Service, td, prev, svc)
	if err := r.startDeployment(ctx, o, svc, w, res); err != nil {
		return res, err
	}
	if r.NoWait {
		return res, nil
	}
	r.waitDeployment(ctx, w, res)

	switch {
	case res.Status == result.Cancelled && o.RollbackOnCancel:
		r.rollbackOnCancel(ctx, o, w, res)
	case o.Rollback && !res.Status.OK() && res.Status != result.Cancelled:
		r.rollback(ctx, o, w, res)
	case res.Status == result.Succeeded && o.KeepRevisions > 0:
		r.pruneRevisions(ctx, o.Service, td, o.KeepRevisions, []string{prev}, res)
	}
	res.EndedAt = clk.Now()
	return res, nil
}

func (o *DeployOptions) check() error {
	switch {
	case o.Service.IsZero() && !(o.RegisterOnly && o.TaskDefinitionFile != nil):
		return fmt.Errorf("%w: no ECS service (only registering a task definition file needs none)", ErrOptions)
	case o.TaskDefinitionARN != "" && (o.Image != "" || len(o.Environment) > 0 || o.TaskDefinitionFile != nil || !o.Edits.IsZero()):
		return fmt.Errorf("%w: a task definition ARN is deployed as it is: no image, environment, secrets, roles, tags or file with it", ErrOptions)
	case o.Image != "" && o.Container != "" && o.Edits.Containers[o.Container].Image != "":
		return fmt.Errorf("%w: the image of container %s is given twice (image and images)", ErrOptions, o.Container)
	case o.TaskDefinitionARN != "" && o.RegisterOnly:
		return fmt.Errorf("%w: a task definition ARN is registered already", ErrOptions)
	}
	return nil
}

// taskDefinitionFor returns the ARN of the task definition to deploy,
// registering it unless the family's latest revision has the same content.
func (r *Runner) taskDefinitionFor(ctx context.Context, o DeployOptions, svc *types.Service, res *result.Result) (string, error) {
	p := r.out()
	if o.TaskDefinitionARN != "" {
		td, _, err := r.describeTaskDefinition(ctx, o.TaskDefinitionARN)
		if err != nil {
			return "", fmt.Errorf("task definition %s: %w", o.TaskDefinitionARN, err)
		}
		res.Values[ValueRegistered] = "false"
		return aws.ToString(td.TaskDefinitionArn), nil
	}
	var in *ecs.RegisterTaskDefinitionInput
	if o.TaskDefinitionFile != nil {
		var err error
		if in, err = ParseTaskDefinition(o.TaskDefinitionFile); err != nil {
			return "", err
		}
	} else {
		cur, tags, err := r.describeTaskDefinition(ctx, aws.ToString(svc.TaskDefinition))
		if err != nil {
			return "", fmt.Errorf("current task definition of %s: %w", o.Service.Service, err)
		}
		in = RegisterInput(cur, tags)
	}
	if err := SetImage(in, o.Container, o.Image, o.Environment); err != nil {
		return "", err
	}
	if err := o.Edits.Apply(in); err != nil {
		return "", err
	}
	family := aws.ToString(in.Family)

	latest, err := r.latestRevision(ctx, family)
	if err != nil {
		return "", err
	}
	if latest != nil && SameTaskDefinition(RegisterInput(latest, nil), in) {
		arn := aws.ToString(latest.TaskDefinitionArn)
		p.linef("task definition %s already has this content: not registering a new revision", tdKey(arn))
		res.Values[ValueRegistered] = "false"
		return arn, nil
	}

	// Register without the SDK's retries: a response lost after ECS
	// registered would otherwise register a second revision. Before trying
	// again, look whether the first attempt took effect.
	wo, b := r.newBackoff()
	errs := 0
	for {
		out, err := r.ECS.RegisterTaskDefinition(ctx, in, noRetry)
		b.Observe(err)
		if err == nil {
			arn := aws.ToString(out.TaskDefinition.TaskDefinitionArn)
			p.linef("registered task definition %s", tdKey(arn))
			res.Values[ValueRegistered] = "true"
			return arn, nil
		}
		if !poll.IsTransient(err) {
			return "", fmt.Errorf("RegisterTaskDefinition %s: %w", family, err)
		}
		if !poll.IsThrottle(err) {
			errs++
		}
		if errs >= wo.MaxErrors {
			return "", fmt.Errorf("RegisterTaskDefinition %s: giving up after %d failed attempts: %w", family, errs, err)
		}
		if err := r.clock().Sleep(ctx, b.Next()); err != nil {
			return "", err
		}
		now, err := r.latestRevision(ctx, family)
		if err != nil {
			return "", err
		}
		if now != nil && (latest == nil || now.Revision > latest.Revision) && SameTaskDefinition(RegisterInput(now, nil), in) {
			arn := aws.ToString(now.TaskDefinitionArn)
			p.linef("registered task definition %s (the answer was lost; found it)", tdKey(arn))
			res.Values[ValueRegistered] = "true"
			return arn, nil
		}
	}
}

// latestRevision returns the latest ACTIVE revision of a family, nil when it
// has none.
func (r *Runner) latestRevision(ctx context.Context, family string) (*types.TaskDefinition, error) {
	td, _, err := r.describeTaskDefinition(ctx, family)
	if isNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("latest revision of %s: %w", family, err)
	}
	return td, nil
}

// startDeployment updates the service to w.target, or attaches to the
// deployment that already runs it.
func (r *Runner) startDeployment(ctx context.Context, o DeployOptions, svc *types.Service, w *watch, res *result.Result) error {
	p := r.out()
	if d := primary(svc.Deployments); d != nil && sameTD(aws.ToString(d.TaskDefinition), w.target) && !o.ForceNewDeployment && !o.changesService(svc) {
		w.depID = aws.ToString(d.Id)
		res.Attached = true
		res.ID = w.depID
		res.Values[ValueDeploymentID] = w.depID
		p.linef("service %s already runs %s in deployment %s (%s): waiting for it", o.Service.Service, tdKey(w.target), w.depID, string(d.RolloutState))
		return nil
	}
	id, err := r.updateService(ctx, o.Service, w.target, o.ForceNewDeployment, w.start, o.serviceSettings)
	if err != nil {
		return err
	}
	w.depID = id
	res.ID = id
	res.Values[ValueDeploymentID] = id
	if id != "" {
		p.linef("service %s: deployment %s of %s started", o.Service.Service, id, tdKey(w.target))
	} else {
		p.linef("service %s updated to %s; no deployment of it is listed yet", o.Service.Service, tdKey(w.target))
	}
	return nil
}

// updateService points the service at td and returns the id of the
// deployment of td ("" when ECS lists none yet). The call is not retried
// by the SDK: after a failure the service is read to see whether the update
// took effect before trying again, so a lost answer starts no second
// deployment even when forcing one.
func (r *Runner) updateService(ctx context.Context, s annotations.ServiceARN, td string, force bool, since time.Time, settings func(*ecs.UpdateServiceInput)) (string, error) {
	wo, b := r.newBackoff()
	errs := 0
	for {
		in := &ecs.UpdateServiceInput{
			Cluster:            aws.String(s.Cluster),
			Service:            aws.String(s.Service),
			TaskDefinition:     aws.String(td),
			ForceNewDeployment: force,
		}
		if settings != nil {
			settings(in)
		}
		out, err := r.ECS.UpdateService(ctx, in, noRetry)
		b.Observe(err)
		if err == nil {
			if d := deploymentOf(out.Service.Deployments, td); d != nil {
				return aws.ToString(d.Id), nil
			}
			return "", nil
		}
		if !poll.IsTransient(err) {
			return "", fmt.Errorf("UpdateService %s: %w", s.Service, err)
		}
		if !poll.IsThrottle(err) {
			errs++
		}
		if errs >= wo.MaxErrors {
			return "", fmt.Errorf("UpdateService %s: giving up after %d failed attempts: %w", s.Service, errs, err)
		}
		if err := r.clock().Sleep(ctx, b.Next()); err != nil {
			return "", err
		}
		svc, err := r.describeService(ctx, s)
		if err != nil {
			return "", err
		}
		if d := primary(svc.Deployments); d != nil && sameTD(aws.ToString(d.TaskDefinition), td) &&
			(!force || d.CreatedAt == nil || !d.CreatedAt.Before(since.Add(-time.Minute))) {
			return aws.ToString(d.Id), nil
		}
		if !force && sameTD(aws.ToString(svc.TaskDefinition), td) {
			return "", nil // updated; the deployment shows up later (or never, in moto)
		}
	}
}

func primary(ds []types.Deployment) *types.Deployment {
	for i := range ds {
		if aws.ToString(ds[i].Status) == "PRIMARY" {
			return &ds[i]
		}
	}
	return nil
}

// deploymentOf returns the newest deployment of td, preferring the PRIMARY.
func deploymentOf(ds []types.Deployment, td string) *types.Deployment {
	var best *types.Deployment
	for i := range ds {
		d := &ds[i]
		if !sameTD(aws.ToString(d.TaskDefinition), td) {
			continue
		}
		if aws.ToString(d.Status) == "PRIMARY" {
			return d
		}
		if best == nil || (d.CreatedAt != nil && best.CreatedAt != nil && d.CreatedAt.After(*best.CreatedAt)) {
			best = d
		}
	}
	return best
}

func deploymentByID(ds []types.Deployment, id string) *types.Deployment {
	for i := range ds {
		if aws.ToString(ds[i].Id) == id {
			return &ds[i]
		}
	}
	return nil
}

// rollback puts w.previous back after a failed wait and waits for it.
func (r *Runner) rollback(ctx context.Context, o DeployOptions, w *watch, res *result.Result) {
	p := r.out()
	fail := res.Failure
	if fail == nil {
		fail = &result.Failure{}
		res.Failure = fail
	}
	switch {
	case w.previous == "" || sameTD(w.previous, w.target):
		res.Values[ValueRollbackStatus] = "skipped"
		fail.Details = append(fail.Details, "rollback skipped: no earlier task definition to go back to")
		return
	case w.revertedTo != "" && sameTD(w.revertedTo, w.previous):
		res.Values[ValueRollbackStatus] = "circuit-breaker"
		res.Values[ValueRollbackTaskDefinition] = w.previous
		fail.Details = append(fail.Details, fmt.Sprintf("rollback: the deployment circuit breaker already went back to %s", tdKey(w.previous)))
		return
	}
	p.linef("rolling back service %s to %s", o.Service.Service, tdKey(w.previous))
	res.Values[ValueRollbackTaskDefinition] = w.previous
	ctx = context.WithoutCancel(ctx)
	id, err := r.updateService(ctx, o.Service, w.previous, false, r.clock().Now(), nil)
	if err != nil {
		res.Values[ValueRollbackStatus] = "error"
		fail.Details = append(fail.Details, fmt.Sprintf("rollback to %s failed: %v", tdKey(w.previous), err))
		return
	}
	rw := newWatch(o.Service, w.previous, w.target, nil)
	rw.start = r.clock().Now()
	rw.depID = id
	rw.seen = w.seen
	rres := &result.Result{Values: map[string]string{}}
	r.waitDeployment(ctx, rw, rres)
	res.Values[ValueRollbackDeploymentID] = rw.depID
	res.Values[ValueRollbackStatus] = string(rres.Status)
	line := fmt.Sprintf("rolled back to %s: deployment %s %s", tdKey(w.previous), rw.depID, rres.Status)
	if rres.Failure != nil && rres.Failure.Cause != "" {
		line += ": " + rres.Failure.Cause
	}
	fail.Details = append(fail.Details, line)
}

// rolloutLine describes a deployment in one progress line.
func rolloutLine(d *types.Deployment) string {
	s := fmt.Sprintf("deployment %s (%s): %s, %d/%d running, %d pending",
		aws.ToString(d.Id), tdKey(aws.ToString(d.TaskDefinition)), orDash(string(d.RolloutState)), d.RunningCount, d.DesiredCount, d.PendingCount)
	if d.FailedTasks > 0 {
		s += ", " + strconv.Itoa(int(d.FailedTasks)) + " failed"
	}
	return s
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
