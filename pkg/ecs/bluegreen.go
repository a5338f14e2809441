package ecs

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codedeploy"
	cdtypes "github.com/aws/aws-sdk-go-v2/service/codedeploy/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/stagecrew/stagecrew/pkg/poll"
	"github.com/stagecrew/stagecrew/pkg/result"
)

// CodeDeployAPI is the part of *codedeploy.Client a blue/green deployment
// calls.
type CodeDeployAPI interface {
	CreateDeployment(context.Context, *codedeploy.CreateDeploymentInput, ...func(*codedeploy.Options)) (*codedeploy.CreateDeploymentOutput, error)
	GetDeployment(context.Context, *codedeploy.GetDeploymentInput, ...func(*codedeploy.Options)) (*codedeploy.GetDeploymentOutput, error)
	ListDeployments(context.Context, *codedeploy.ListDeploymentsInput, ...func(*codedeploy.Options)) (*codedeploy.ListDeploymentsOutput, error)
	ListDeploymentTargets(context.Context, *codedeploy.ListDeploymentTargetsInput, ...func(*codedeploy.Options)) (*codedeploy.ListDeploymentTargetsOutput, error)
	GetDeploymentTarget(context.Context, *codedeploy.GetDeploymentTargetInput, ...func(*codedeploy.Options)) (*codedeploy.GetDeploymentTargetOutput, error)
	StopDeployment(context.Context, *codedeploy.StopDeploymentInput, ...func(*codedeploy.Options)) (*codedeploy.StopDeploymentOutput, error)
}

var _ CodeDeployAPI = (*codedeploy.Client)(nil)

// CodeDeployOptions shape the blue/green deployment of a service whose
// deployment controller is CODE_DEPLOY.
type CodeDeployOptions struct {
	// Application and DeploymentGroup default to AppECS-CLUSTER-SERVICE and
	// DgpECS-CLUSTER-SERVICE, the names the ECS console gives them.
	Application, DeploymentGroup string
	// AppSpec is an AppSpec file (YAML or JSON); nil builds one from the
	// service's load balancer (see AppSpec).
	AppSpec []byte
	// Config is the deployment configuration; "" uses the group's.
	Config string
	// Description of the deployment; "" says which revision stagecrew
	// deploys.
	Description string
}

// Values keys of a blue/green deployment's result (beside ValueTaskDefinition
// and the others).
const (
	ValueDeploymentController = "deployment-controller"    // ECS or CODE_DEPLOY
	ValueCodeDeployID         = "codedeploy-deployment-id" // also the result's ID
	ValueCodeDeployStatus     = "codedeploy-status"
	ValueCodeDeployStop       = "codedeploy-stop" // what StopDeployment answered, when stagecrew stopped it
)

// inFlight are the CodeDeploy statuses of a deployment that has not ended.
var inFlight = []cdtypes.DeploymentStatus{cdtypes.DeploymentStatusCreated, cdtypes.DeploymentStatusQueued,
	cdtypes.DeploymentStatusInProgress, cdtypes.DeploymentStatusBaking, cdtypes.DeploymentStatusReady}

func isCodeDeploy(svc *types.Service) bool {
	return svc != nil && svc.DeploymentController != nil && svc.DeploymentController.Type == types.DeploymentControllerTypeCodeDeploy
}

func (o *CodeDeployOptions) names(s DeployOptions) (app, group string) {
	app, group = o.Application, o.DeploymentGroup
	if app == "" {
		app = "AppECS-" + s.Service.Cluster + "-" + s.Service.Service
	}
	if group == "" {
		group = "DgpECS-" + s.Service.Cluster + "-" + s.Service.Service
	}
	return app, group
}

// bgWatch is the state of one blue/green wait.
type bgWatch struct {
	id       string
	status   cdtypes.DeploymentStatus
	events   map[string]cdtypes.LifecycleEventStatus // lifecycle event -> last status printed
	failed   []string                                // failed lifecycle events, explained
	lastLine string
	info     *cdtypes.DeploymentInfo
}

// deployBlueGreen deploys td through CodeDeploy: it creates a deployment of
// the group with an AppSpec naming td (or attaches to one of the same
// AppSpec still in flight), waits for it, and explains a failure with the
// deployment's error and the lifecycle events that failed.
func (r *Runner) deployBlueGreen(ctx context.Context, o DeployOptions, svc *types.Service, td string, res *result.Result) (*result.Result, error) {
	p := r.out()
	res.Values[ValueDeploymentController] = string(types.DeploymentControllerTypeCodeDeploy)
	if r.CodeDeploy == nil {
		return res, fmt.Errorf("%w: service %s is deployed by CodeDeploy (blue/green) and the runner has no CodeDeploy client", ErrOptions, o.Service.Service)
	}
	if o.changesService(svc) {
		if err := r.retry(ctx, "UpdateService", func() error {
			in := &ecs.UpdateServiceInput{Cluster: aws.String(o.Service.Cluster), Service: aws.String(o.Service.Service)}
			o.serviceSettings(in)
			_, err := r.ECS.UpdateService(ctx, in)
			return err
		}); err != nil {
			return res, fmt.Errorf("UpdateService %s: %w", o.Service.Service, err)
		}
	}
	app, group := o.CodeDeploy.names(o)
	content, sha, err := AppSpec(o.CodeDeploy.AppSpec, td, svc)
	if err != nil {
		return res, err
	}
	w := &bgWatch{events: map[string]cdtypes.LifecycleEventStatus{}}
	if w.id, err = r.findBlueGreen(ctx, app, group, sha); err != nil {
		return res, err
	}
	if w.id != "" {
		res.Attached = true
		p.linef("CodeDeploy deployment %s of %s/%s already deploys %s: waiting for it", w.id, app, group, tdKey(td))
	} else {
		if w.id, err = r.createBlueGreen(ctx, o, app, group, content, sha, td); err != nil {
			return res, err
		}
		p.linef("CodeDeploy deployment %s of %s/%s started: %s", w.id, app, group, tdKey(td))
	}
	res.ID = w.id
	res.Values[ValueCodeDeployID] = w.id
	res.Values[ValueDeploymentID] = w.id
	res.Links = append([]result.Link{{Title: "CodeDeploy deployment", URL: codeDeployConsoleURL(o.Service.Partition, o.Service.Region, w.id)}}, res.Links...)
	if r.NoWait {
		return res, nil
	}
	r.waitBlueGreen(ctx, o, w, res)
	if res.Status == result.Succeeded && o.KeepRevisions > 0 {
		r.pruneRevisions(ctx, o.Service, td, o.KeepRevisions, []string{res.Values[ValuePreviousTaskDefinition]}, res)
	}
	res.EndedAt = r.clock().Now()
	return res, nil
}

func codeDeployConsoleURL(partition, region, id string) string {
	host := region + ".console.aws.amazon.com"
	switch partition {
	case "aws-cn":
		host = region + ".console.amazonaws.cn"
	case "aws-us-gov":
		host = region + ".console.amazonaws-us-gov.com"
	}
	return fmt.Sprintf("https://%s/codesuite/codedeploy/deployments/%s?region=%s", host, url.PathEscape(id), url.QueryEscape(region))
}

// findBlueGreen returns the deployment of the group still in flight whose
// AppSpec has the given SHA-256, or "".
func (r *Runner) findBlueGreen(ctx context.Context, app, group, sha string) (string, error) {
	var ids []string
	in := &codedeploy.ListDeploymentsInput{ApplicationName: aws.String(app), DeploymentGroupName: aws.String(group), IncludeOnlyStatuses: inFlight}
	for range 20 {
		var out *codedeploy.ListDeploymentsOutput
		if err := r.retry(ctx, "ListDeployments", func() error {
			var err error
			out, err = r.CodeDeploy.ListDeployments(ctx, in)
			return err
		}); err != nil {
			return "", fmt.Errorf("CodeDeploy %s/%s: %w", app, group, err)
		}
		ids = append(ids, out.Deployments...)
		if out.NextToken == nil {
			break
		}
		in.NextToken = out.NextToken
	}
	for _, id := range ids {
		info, err := r.getDeployment(ctx, id)
		if err != nil {
			return "", err
		}
		if !slices.Contains(inFlight, info.Status) || info.Revision == nil || info.Revision.AppSpecContent == nil {
			continue
		}
		c := info.Revision.AppSpecContent
		if aws.ToString(c.Sha256) == sha || sha256Hex(aws.ToString(c.Content)) == sha {
			return id, nil
		}
	}
	return "", nil
}

func (r *Runner) getDeployment(ctx context.Context, id string) (*cdtypes.DeploymentInfo, error) {
	var info *cdtypes.DeploymentInfo
	err := r.retry(ctx, "GetDeployment", func() error {
		out, err := r.CodeDeploy.GetDeployment(ctx, &codedeploy.GetDeploymentInput{DeploymentId: aws.String(id)})
		if err == nil {
			if out.DeploymentInfo == nil {
				return fmt.Errorf("GetDeployment %s: empty answer", id)
			}
			info = out.DeploymentInfo
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("CodeDeploy deployment %s: %w", id, err)
	}
	return info, nil
}

// createBlueGreen calls CreateDeployment without the SDK's retries; after
// a failure it looks for the deployment the call may have created before
// trying again, so a lost answer starts no second deployment.
func (r *Runner) createBlueGreen(ctx context.Context, o DeployOptions, app, group, content, sha, td string) (string, error) {
	desc := o.CodeDeploy.Description
	if desc == "" {
		desc = "stagecrew: deploy " + tdKey(td)
		if o.Target.Entity != "" {
			desc += " for " + o.Target.Entity
			if o.Target.Environment != "" {
				desc += " in " + o.Target.Environment
			}
		}
	}
	in := &codedeploy.CreateDeploymentInput{
		ApplicationName: aws.String(app), DeploymentGroupName: aws.String(group), Description: aws.String(desc),
		Revision: &cdtypes.RevisionLocation{RevisionType: cdtypes.RevisionLocationTypeAppSpecContent,
			AppSpecContent: &cdtypes.AppSpecContent{Content: aws.String(content), Sha256: aws.String(sha)}},
	}
	if o.CodeDeploy.Config != "" {
		in.DeploymentConfigName = aws.String(o.CodeDeploy.Config)
	}
	if o.Rollback {
		// CodeDeploy moves the traffic back to the original task set.
		in.AutoRollbackConfiguration = &cdtypes.AutoRollbackConfiguration{Enabled: true,
			Events: []cdtypes.AutoRollbackEvent{cdtypes.AutoRollbackEventDeploymentFailure, cdtypes.AutoRollbackEventDeploymentStopOnAlarm}}
	}
	wo, b := r.newBackoff()
	errs := 0
	for {
		out, err := r.CodeDeploy.CreateDeployment(ctx, in, func(o *codedeploy.Options) { o.RetryMaxAttempts = 1 })
		b.Observe(err)
		if err == nil {
			return aws.ToString(out.DeploymentId), nil
		}
		if !poll.IsTransient(err) {
			return "", fmt.Errorf("CodeDeploy CreateDeployment %s/%s: %w", app, group, err)
		}
		if !poll.IsThrottle(err) {
			errs++
		}
		if errs >= wo.MaxErrors {
			return "", fmt.Errorf("CodeDeploy CreateDeployment %s/%s: giving up after %d failed attempts: %w", app, group, errs, err)
		}
		if err := r.clock().Sleep(ctx, b.Next()); err != nil {
			return "", err
		}
		id, ferr := r.findBlueGreen(ctx, app, group, sha)
		if ferr != nil {
			return "", ferr
		}
		if id != "" {
			r.out().linef("CreateDeployment's answer was lost; found deployment %s by its AppSpec", id)
			return id, nil
		}
	}
}

// waitBlueGreen polls the deployment until it ends, the wait times out or
// ctx is cancelled, printing status and lifecycle event changes.
func (r *Runner) waitBlueGreen(ctx context.Context, o DeployOptions, w *bgWatch, res *result.Result) {
	clk := r.clock()
	wo, b := r.newBackoff()
	deadline := clk.Now().Add(wo.Timeout)
	errs := 0
	first := true
	for {
		if !first {
			if err := clk.Sleep(ctx, min(b.Next(), max(deadline.Sub(clk.Now()), 0))); err != nil {
				r.blueGreenCancelled(ctx, o, w, res)
				return
			}
		}
		first = false
		out, err := r.CodeDeploy.GetDeployment(ctx, &codedeploy.GetDeploymentInput{DeploymentId: aws.String(w.id)})
		b.Observe(err)
		switch {
		case err != nil && ctx.Err() != nil:
			r.blueGreenCancelled(ctx, o, w, res)
			return
		case err != nil && poll.IsTransient(err):
			if !poll.IsThrottle(err) {
				errs++
			}
			if errs >= wo.MaxErrors {
				res.Status = result.WaitTimeout
				r.explainBlueGreen(ctx, w, res, fmt.Sprintf("GetDeployment failed %d times in a row: %v", errs, err))
				return
			}
		case err != nil:
			res.Status = result.Failed
			res.Failure = &result.Failure{Where: w.id, Error: "GetDeployment", Cause: err.Error()}
			return
		case out.DeploymentInfo == nil:
			errs++
		default:
			errs = 0
			if r.stepBlueGreen(ctx, w, out.DeploymentInfo, res) {
				return
			}
		}
		if !clk.Now().Before(deadline) {
			res.Status = result.WaitTimeout
			cause := fmt.Sprintf("stopped waiting after %v; the deployment goes on", wo.Timeout)
			if o.Rollback {
				cause = fmt.Sprintf("stopped waiting after %v; %s", wo.Timeout, r.stopBlueGreen(w, res, "the wait timed out"))
			}
			r.explainBlueGreen(ctx, w, res, cause)
			return
		}
	}
}

// stepBlueGreen looks at one answer of GetDeployment; it reports whether the
// deployment ended (and res is filled).
func (r *Runner) stepBlueGreen(ctx context.Context, w *bgWatch, info *cdtypes.DeploymentInfo, res *result.Result) bool {
	p := r.out()
	w.info = info
	w.status = info.Status
	res.Values[ValueCodeDeployStatus] = string(info.Status)
	line := fmt.Sprintf("CodeDeploy deployment %s: %s", w.id, info.Status)
	if ov := info.DeploymentOverview; ov != nil {
		line += fmt.Sprintf(" (targets: %d in progress, %d succeeded, %d failed)", ov.InProgress, ov.Succeeded, ov.Failed)
	}
	if line != w.lastLine {
		w.lastLine = line
		p.linef("%s", line)
	}
	if info.Status != cdtypes.DeploymentStatusCreated && info.Status != cdtypes.DeploymentStatusQueued {
		r.lifecycleEvents(ctx, w)
	}
	switch info.Status {
	case cdtypes.DeploymentStatusSucceeded:
		res.Status = result.Succeeded
		res.Failure = nil
		p.linef("CodeDeploy deployment %s succeeded", w.id)
		return true
	case cdtypes.DeploymentStatusFailed:
		res.Status = result.Failed
		r.explainBlueGreen(ctx, w, res, "")
		return true
	case cdtypes.DeploymentStatusStopped:
		res.Status = result.Aborted
		r.explainBlueGreen(ctx, w, res, "the deployment was stopped")
		return true
	}
	return false
}

// lifecycleEvents prints the lifecycle events of the deployment's ECS
// target whose status changed, and remembers those that failed.
func (r *Runner) lifecycleEvents(ctx context.Context, w *bgWatch) {
	var ids []string
	err := r.retry(ctx, "ListDeploymentTargets", func() error {
		out, err := r.CodeDeploy.ListDeploymentTargets(ctx, &codedeploy.ListDeploymentTargetsInput{DeploymentId: aws.String(w.id)})
		if err == nil {
			ids = out.TargetIds
		}
		return err
	})
	if err != nil {
		return // the status polls go on; the explanation says less
	}
	for _, tid := range ids {
		var t *cdtypes.DeploymentTarget
		err := r.retry(ctx, "GetDeploymentTarget", func() error {
			out, err := r.CodeDeploy.GetDeploymentTarget(ctx, &codedeploy.GetDeploymentTargetInput{DeploymentId: aws.String(w.id), TargetId: aws.String(tid)})
			if err == nil {
				t = out.DeploymentTarget
			}
			return err
		})
		if err != nil || t == nil || t.EcsTarget == nil {
			continue
		}
		for _, ev := range t.EcsTarget.LifecycleEvents {
			name := aws.ToString(ev.LifecycleEventName)
			if w.events[name] == ev.Status {
				continue
			}
			w.events[name] = ev.Status
			if ev.Status == cdtypes.LifecycleEventStatusPending {
				continue
			}
			line := fmt.Sprintf("lifecycle event %s: %s", name, ev.Status)
			if d := ev.Diagnostics; d != nil && ev.Status == cdtypes.LifecycleEventStatusFailed {
				line += diagnostics(d)
				w.failed = append(w.failed, line)
			}
			r.out().linef("%s", line)
		}
	}
}

// diagnostics describes a failed lifecycle event's diagnostics: the error
// code, the hook (script) and its message and log tail.
func diagnostics(d *cdtypes.Diagnostics) string {
	var b strings.Builder
	if d.ErrorCode != "" {
		fmt.Fprintf(&b, " [%s]", d.ErrorCode)
	}
	if s := aws.ToString(d.ScriptName); s != "" {
		fmt.Fprintf(&b, " hook %s", s)
	}
	if m := aws.ToString(d.Message); m != "" {
		fmt.Fprintf(&b, ": %s", m)
	}
	if t := strings.TrimSpace(aws.ToString(d.LogTail)); t != "" {
		if len(t) > 2000 {
			t = "..." + t[len(t)-2000:]
		}
		fmt.Fprintf(&b, "; log tail: %s", strings.ReplaceAll(t, "\n", " | "))
	}
	return b.String()
}

// explainBlueGreen fills res.Failure from the deployment's error
// information, rollback information and failed lifecycle events.
func (r *Runner) explainBlueGreen(ctx context.Context, w *bgWatch, res *result.Result, cause string) {
	if w.id != "" {
		r.lifecycleEvents(context.WithoutCancel(ctx), w)
	}
	f := &result.Failure{Where: w.id, Cause: cause}
	if info := w.info; info != nil {
		if ei := info.ErrorInformation; ei != nil && (ei.Code != "" || aws.ToString(ei.Message) != "") {
			f.Error = string(ei.Code)
			if f.Cause == "" {
				f.Cause = aws.ToString(ei.Message)
			} else if m := aws.ToString(ei.Message); m != "" {
				f.Details = append(f.Details, "CodeDeploy: "+m)
			}
		}
		if ri := info.RollbackInfo; ri != nil && (aws.ToString(ri.RollbackDeploymentId) != "" || aws.ToString(ri.RollbackMessage) != "") {
			res.Values[ValueRollbackDeploymentID] = aws.ToString(ri.RollbackDeploymentId)
			res.Values[ValueRollbackStatus] = "codedeploy"
			line := "CodeDeploy rolled back"
			if id := aws.ToString(ri.RollbackDeploymentId); id != "" {
				line += " in deployment " + id
			}
			if m := aws.ToString(ri.RollbackMessage); m != "" {
				line += ": " + m
			}
			f.Details = append(f.Details, line)
		}
	}
	if f.Cause == "" {
		f.Cause = fmt.Sprintf("CodeDeploy deployment %s %s", w.id, w.status)
	}
	if len(w.failed) > 0 {
		f.Details = append(f.Details, w.failed...)
		if name, _, ok := strings.Cut(strings.TrimPrefix(w.failed[0], "lifecycle event "), ":"); ok {
			f.Where = w.id + "/" + name
		}
	}
	res.Failure = f
	r.out().linef("%s: %s", strings.ToUpper(string(res.Status)), f.Cause)
}

// blueGreenCancelled reports a cancelled wait; with RollbackOnCancel it
// stops the deployment, asking CodeDeploy to roll back.
func (r *Runner) blueGreenCancelled(ctx context.Context, o DeployOptions, w *bgWatch, res *result.Result) {
	res.Status = result.Cancelled
	cause := "the wait was cancelled; the deployment goes on"
	if o.RollbackOnCancel {
		cause = "the wait was cancelled; " + r.stopBlueGreen(w, res, "the workflow run was cancelled")
	}
	res.Failure = &result.Failure{Where: w.id, Cause: cause}
	r.out().linef("CANCELLED: %s", cause)
}

// stopBlueGreen stops the deployment with automatic rollback and says what
// happened. It runs on its own context: the run's may be cancelled.
func (r *Runner) stopBlueGreen(w *bgWatch, res *result.Result, why string) string {
	ctx := context.Background()
	var out *codedeploy.StopDeploymentOutput
	err := r.retry(ctx, "StopDeployment", func() error {
		var err error
		out, err = r.CodeDeploy.StopDeployment(ctx, &codedeploy.StopDeploymentInput{DeploymentId: aws.String(w.id), AutoRollbackEnabled: aws.Bool(true)})
		return err
	})
	if err != nil {
		res.Values[ValueCodeDeployStop] = "error"
		return fmt.Sprintf("stopping deployment %s failed: %v", w.id, err)
	}
	res.Values[ValueCodeDeployStop] = string(out.Status)
	msg := fmt.Sprintf("deployment %s was told to stop and roll back (%s): %s", w.id, why, out.Status)
	if m := aws.ToString(out.StatusMessage); m != "" {
		msg += ", " + m
	}
	return msg
}
