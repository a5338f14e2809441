package ecs

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/stagecrew/stagecrew/pkg/annotations"
	"github.com/stagecrew/stagecrew/pkg/result"
)

// Values keys of a deployment's result, beside those in deploy.go.
const (
	// ValueDeregistered lists the revisions keep-revisions deregistered
	// (family:revision, comma-separated).
	ValueDeregistered = "deregistered"
	// ValueCancelRollback says what a cancelled deploy did: "started" (the
	// previous task definition is being deployed again), "error", or
	// "skipped".
	ValueCancelRollback = "cancel-rollback"
	// ValueCleanupProblem is the last problem keep-revisions met; it does
	// not fail the deployment.
	ValueCleanupProblem = "cleanup-problem"
)

// changesService reports whether the options change a setting of svc that
// only UpdateService changes (so an identical task definition is not a
// reason to skip the call).
func (o *DeployOptions) changesService(svc *types.Service) bool {
	return (o.DesiredCount != nil && *o.DesiredCount != svc.DesiredCount) ||
		(o.PropagateTags != "" && o.PropagateTags != svc.PropagateTags) ||
		(o.EnableECSManagedTags && !svc.EnableECSManagedTags)
}

// serviceSettings sets the options' service settings on an update.
func (o *DeployOptions) serviceSettings(in *ecs.UpdateServiceInput) {
	in.DesiredCount = o.DesiredCount
	if o.PropagateTags != "" {
		in.PropagateTags = o.PropagateTags
	}
	if o.EnableECSManagedTags {
		in.EnableECSManagedTags = aws.Bool(true)
	}
}

// rollbackOnCancel puts the previous task definition back after the wait
// was cancelled. The runner is being stopped: it starts the deployment and
// does not wait for it.
func (r *Runner) rollbackOnCancel(ctx context.Context, o DeployOptions, w *watch, res *result.Result) {
	fail := res.Failure
	if fail == nil {
		fail = &result.Failure{Where: o.Service.Service}
		res.Failure = fail
	}
	if w.previous == "" || sameTD(w.previous, w.target) {
		res.Values[ValueCancelRollback] = "skipped"
		fail.Cause = "the wait was cancelled; no earlier task definition to go back to, so the deployment goes on"
		return
	}
	ctx = context.WithoutCancel(ctx)
	res.Values[ValueRollbackTaskDefinition] = w.previous
	id, err := r.updateService(ctx, o.Service, w.previous, false, r.clock().Now(), nil)
	if err != nil {
		res.Values[ValueCancelRollback] = "error"
		fail.Cause = fmt.Sprintf("the wait was cancelled; going back to %s failed: %v", tdKey(w.previous), err)
		return
	}
	res.Values[ValueCancelRollback] = "started"
	res.Values[ValueRollbackDeploymentID] = id
	fail.Cause = fmt.Sprintf("the wait was cancelled; service %s is going back to %s", o.Service.Service, tdKey(w.previous))
	if id != "" {
		fail.Cause += " in deployment " + id
	}
	r.out().linef("%s", fail.Cause)
}

// pruneRevisions deregisters the ACTIVE revisions of target's family older
// than the newest keep, except those the service uses (its task definition,
// its deployments' and task sets') and those in protect. Problems are
// reported in the result's details; they do not fail the deploy.
func (r *Runner) pruneRevisions(ctx context.Context, s annotations.ServiceARN, target string, keep int, protect []string, res *result.Result) {
	p := r.out()
	note := func(format string, args ...any) {
		line := fmt.Sprintf(format, args...)
		p.linef("%s", line)
		res.Values[ValueCleanupProblem] = line
	}
	family, _, _ := strings.Cut(tdKey(target), ":")
	inUse := map[string]bool{tdKey(target): true}
	for _, t := range protect {
		if t != "" {
			inUse[tdKey(t)] = true
		}
	}
	svc, err := r.describeService(ctx, s)
	if err != nil {
		note("keep-revisions: not cleaning up: %v", err)
		return
	}
	inUse[tdKey(aws.ToString(svc.TaskDefinition))] = true
	for _, d := range svc.Deployments {
		inUse[tdKey(aws.ToString(d.TaskDefinition))] = true
	}
	for _, ts := range svc.TaskSets {
		inUse[tdKey(aws.ToString(ts.TaskDefinition))] = true
	}

	type rev struct {
		arn string
		n   int
	}
	var revs []rev
	in := &ecs.ListTaskDefinitionsInput{FamilyPrefix: aws.String(family), Status: types.TaskDefinitionStatusActive, Sort: types.SortOrderDesc}
	for pages := 0; pages < 100; pages++ {
		var out *ecs.ListTaskDefinitionsOutput
		err := r.retry(ctx, "ListTaskDefinitions", func() error {
			var err error
			out, err = r.ECS.ListTaskDefinitions(ctx, in)
			return err
		})
		if err != nil {
			note("keep-revisions: not cleaning up: %v", err)
			return
		}
		for _, a := range out.TaskDefinitionArns {
			f, n, _ := strings.Cut(tdKey(a), ":")
			if f != family { // the filter is a prefix: storefront matches storefront-worker
				continue
			}
			if i, err := strconv.Atoi(n); err == nil {
				revs = append(revs, rev{a, i})
			}
		}
		if out.NextToken == nil {
			break
		}
		in.NextToken = out.NextToken
	}
	slices.SortFunc(revs, func(a, b rev) int { return cmp.Compare(b.n, a.n) })
	var gone []string
	for i, rv := range revs {
		if i < keep || inUse[tdKey(rv.arn)] {
			continue
		}
		err := r.retry(ctx, "DeregisterTaskDefinition", func() error {
			_, err := r.ECS.DeregisterTaskDefinition(ctx, &ecs.DeregisterTaskDefinitionInput{TaskDefinition: aws.String(rv.arn)})
			return err
		})
		if err != nil {
			note("keep-revisions: deregistering %s failed: %v", tdKey(rv.arn), err)
			continue
		}
		gone = append(gone, tdKey(rv.arn))
	}
	res.Values[ValueDeregistered] = strings.Join(gone, ",")
	if len(gone) > 0 {
		p.linef("keep-revisions %d: deregistered %s", keep, strings.Join(gone, ", "))
	}
}
