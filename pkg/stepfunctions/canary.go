package stepfunctions

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/stagecrew/stagecrew/pkg/poll"
	"github.com/stagecrew/stagecrew/pkg/result"
)

// canary routes weight percent of the alias's executions to version (the
// rest to prev), watches the executions of version started since for the
// window, and then moves the alias to version or, at the first execution
// that did not succeed, back to prev. A cancelled ctx rolls back too, so no
// split is left behind.
func (d *Deployer) canary(ctx context.Context, res *result.Result, aliasARN, prev, version string, c Canary) (*result.Result, error) {
	window := c.Window
	if window <= 0 {
		window = DefaultCanaryWindow
	}
	w := int32(c.Weight)
	split := []types.RoutingConfigurationListItem{
		{StateMachineVersionArn: aws.String(prev), Weight: 100 - w},
		{StateMachineVersionArn: aws.String(version), Weight: w},
	}
	clock := d.clock()
	since := clock.Now()
	if err := d.moveAlias(ctx, aliasARN, split); err != nil {
		return nil, err
	}
	d.line(fmt.Sprintf("canary: alias sends %d%% to %s, %d%% to %s for %s", w, version, 100-w, prev, window))
	res.Values["canary-weight"] = strconv.Itoa(c.Weight)

	seen := map[string]bool{}
	failed, err := d.watch(ctx, version, since, since.Add(window), seen)
	res.Values["canary-executions"] = strconv.Itoa(len(seen))
	if err != nil || failed != nil {
		// Roll back with a context of its own: ctx may be what ended.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), stopTimeout)
		defer cancel()
		if rerr := d.moveAlias(rctx, aliasARN, route(prev, 100)); rerr != nil {
			return nil, fmt.Errorf("stepfunctions: canary stopped (%v) and rolling back failed, the alias still splits: %w", err, rerr)
		}
		d.line("canary: alias rolled back to " + prev)
		res.Values["rolled-back"] = "true"
		res.EndedAt = clock.Now()
		if err != nil {
			if ctx.Err() != nil {
				res.Status = result.Cancelled
				res.Failure = &result.Failure{Cause: "cancelled during the canary; alias rolled back to " + prev}
				return res, nil
			}
			return res, err
		}
		res.Status, res.Failure = result.Failed, failed
		return res, nil
	}
	if err := d.moveAlias(ctx, aliasARN, route(version, 100)); err != nil {
		return nil, err
	}
	d.line(fmt.Sprintf("canary: %d execution(s) of the new version, none failed; alias -> %s", len(seen), version))
	res.Status, res.EndedAt = result.Succeeded, clock.Now()
	return res, nil
}

// watch polls the executions of version started at or after since until
// the deadline, and returns the first that failed, timed out or was
// aborted, explained. seen collects every execution seen.
func (d *Deployer) watch(ctx context.Context, version string, since, deadline time.Time, seen map[string]bool) (*result.Failure, error) {
	clock := d.clock()
	bo := newBackoff(d.MinDelay, d.MaxDelay, d.Rand)
	for {
		f, err := d.checkExecutions(ctx, version, since, seen)
		bo.Observe(err)
		switch {
		case f != nil:
			return f, nil
		case err != nil && !poll.IsTransient(err):
			return nil, err
		}
		now := clock.Now()
		if !now.Before(deadline) {
			return nil, nil
		}
		if err := clock.Sleep(ctx, min(bo.Next(), deadline.Sub(now))); err != nil {
			return nil, err
		}
	}
}

// checkExecutions lists the executions of version (newest first) back to
// since and returns the first unsuccessful one.
func (d *Deployer) checkExecutions(ctx context.Context, version string, since time.Time, seen map[string]bool) (*result.Failure, error) {
	var tok *string
	for range maxHistoryPages {
		out, err := d.Client.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: aws.String(version), NextToken: tok, MaxResults: historyPage})
		if err != nil {
			return nil, fmt.Errorf("stepfunctions: listing executions of %s: %w", version, err)
		}
		older := false
		for _, e := range out.Executions {
			if e.StartDate != nil && e.StartDate.Before(since) {
				older = true
				continue
			}
			arn := aws.ToString(e.ExecutionArn)
			if !seen[arn] {
				seen[arn] = true
				d.line("canary: execution " + quoteName(aws.ToString(e.Name)) + " " + string(e.Status))
			}
			switch e.Status {
			case types.ExecutionStatusFailed, types.ExecutionStatusTimedOut, types.ExecutionStatusAborted:
				return d.executionFailure(ctx, arn, e.Status), nil
			}
		}
		if older || out.NextToken == nil {
			return nil, nil
		}
		tok = out.NextToken
	}
	return nil, nil
}

// executionFailure explains a failed canary execution: its error and
// cause when DescribeExecution gives them.
func (d *Deployer) executionFailure(ctx context.Context, arn string, status types.ExecutionStatus) *result.Failure {
	f := &result.Failure{Where: arn, Error: "canary execution " + string(status)}
	out, err := d.Client.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(arn)})
	if err == nil {
		if e := aws.ToString(out.Error); e != "" {
			f.Error = e
		}
		f.Cause = clip(aws.ToString(out.Cause), 1000)
	}
	f.Details = []string{"execution " + arn + " of the new version " + string(status)}
	return f
}
