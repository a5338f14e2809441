package stepfunctions

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/stagecrew/stagecrew/pkg/result"
)

// runSync runs an Express state machine with StartSyncExecution, which
// answers when the execution ends (Express executions last at most five
// minutes). Express executions cannot be looked up, stopped or redriven,
// and their names are not unique, so a re-run starts a new execution, and
// a failed call is not made again (it may have started one).
func (r *Runner) runSync(ctx context.Context, req Request, name, input string, res *result.Result) (*result.Result, error) {
	r.group("Step Functions Express execution " + name)
	defer r.endGroup()
	sctx := ctx
	if r.Timeout > 0 {
		var cancel context.CancelFunc
		sctx, cancel = context.WithTimeout(ctx, r.Timeout)
		defer cancel()
	}
	res.StartedAt = r.clock().Now()
	r.line("starting Express execution %s and waiting for it (StartSyncExecution)", name)
	out, err := r.Client.StartSyncExecution(sctx, &sfn.StartSyncExecutionInput{
		StateMachineArn: aws.String(req.StateMachine.String()), Name: aws.String(name), Input: aws.String(input),
	}, noSDKRetry)
	if err != nil {
		switch {
		case errors.Is(ctx.Err(), context.Canceled):
			res.Status = result.Cancelled
			res.Failure = &result.Failure{Error: "Cancelled", Cause: "the workflow run was cancelled while stagecrew waited",
				Details: []string{"state unknown: an Express execution cannot be described or stopped; it may still be running"}}
			return res, nil
		case sctx.Err() != nil:
			res.Status = result.WaitTimeout
			res.Failure = &result.Failure{Details: []string{"stopped waiting; the Express execution may still be running"}}
			return res, nil
		}
		return nil, fmt.Errorf("stepfunctions: starting Express execution %s: %w", name, err)
	}
	r.setID(res, aws.ToString(out.ExecutionArn))
	res.StartedAt = aws.ToTime(out.StartDate)
	res.EndedAt = aws.ToTime(out.StopDate)
	res.Values["execution-status"] = string(out.Status)
	switch out.Status {
	case types.SyncExecutionStatusSucceeded:
		res.Status = result.Succeeded
	case types.SyncExecutionStatusTimedOut:
		res.Status = result.TimedOut
	default:
		res.Status = result.Failed
	}
	if out.Output != nil {
		res.SetOutput(aws.ToString(out.Output))
	}
	if res.Status != result.Succeeded {
		res.Failure = &result.Failure{
			Error: aws.ToString(out.Error), Cause: aws.ToString(out.Cause),
			Details: []string{"Express executions keep no history in Step Functions: the failing state is in the state machine's CloudWatch Logs"},
		}
		r.line("Express execution %s: %s", out.Status, describeError(res.Failure.Error, res.Failure.Cause, 500))
	} else {
		r.line("Express execution SUCCEEDED")
	}
	return res, nil
}
