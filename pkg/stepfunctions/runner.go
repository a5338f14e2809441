package stepfunctions

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/aws/smithy-go"

	"github.com/stagecrew/stagecrew/pkg/annotations"
	"github.com/stagecrew/stagecrew/pkg/poll"
	"github.com/stagecrew/stagecrew/pkg/result"
)

// ErrInputMismatch: an execution with the name of this job exists and was
// started with another input. Nothing was started.
var ErrInputMismatch = errors.New("an execution with this name exists with a different input")

// stopTimeout bounds the calls made after a cancellation.
const stopTimeout = 15 * time.Second

// Runner starts Step Functions executions and waits for them. The zero
// values of its options are the defaults. A Runner holds no state between
// runs and may run several at once.
type Runner struct {
	Client Client // required

	// MinDelay is the first delay between polls and the shortest;
	// MaxDelay the longest, except while Step Functions throttles, when
	// delays grow up to 4×MaxDelay (DefaultMinDelay, DefaultMaxDelay).
	MinDelay, MaxDelay time.Duration
	// Timeout ends the wait with status WaitTimeout (the execution keeps
	// running); 0 waits until the execution ends or ctx does. A deadline
	// of ctx counts as a timeout too.
	Timeout time.Duration
	// StopOnCancel stops the execution when ctx is cancelled.
	StopOnCancel bool
	// Attempts bounds how often one call is made while it keeps failing
	// with throttling, 5xx or connection errors (default 5; each is itself
	// retried by the SDK's retryer, except StartExecution, which is made
	// again only after a look-up shows that the failed one started
	// nothing).
	Attempts int

	// NoWait returns as soon as the execution is started (or found),
	// with status result.Running.
	NoWait bool

	Log   Logger         // progress lines; nil writes none
	Clock Clock          // nil is the real clock
	Rand  func() float64 // jitter in [0,1); nil is math/rand/v2
}

// Clock tells the time and sleeps. The runner uses the real clock unless a
// test or a benchmark gives it a simulated one.
type Clock = poll.Clock

// Request says what to run.
type Request struct {
	StateMachine annotations.StateMachineARN // may be a version or alias ARN
	Entity       string                      // entity ref, such as component:default/orders
	Environment  string
	RunID        string // GitHub run id
	Job          string // GitHub job id (and matrix values, if any)
	// Name is the execution name; "" derives it with ExecutionName from
	// Entity, Environment, RunID and Job.
	Name string
	// Input is the execution input, checked with CheckInput; "" is "{}".
	Input string
	// Redrive redrives the failed, timed-out or aborted execution of this
	// name instead of reporting its failure again; without one, a new
	// execution starts.
	Redrive bool
	Audit   result.Audit
}

// Run starts the execution of req, or attaches to the one a previous
// attempt of the same job started (Result.Attached), waits for it and
// returns what happened. Every outcome the execution can have — failure,
// time-out, abort, cancellation of ctx, the end of the wait — is a Result
// with a non-OK status and a nil error; errors are for what kept Run from
// starting or observing the execution (bad input, ErrInputMismatch, access
// denied, ...), and then the Result, when not nil, says what is known.
func (r *Runner) Run(ctx context.Context, req Request) (*result.Result, error) {
	if r.Client == nil {
		return nil, errors.New("stepfunctions: Runner.Client is nil")
	}
	if req.StateMachine.IsZero() {
		return nil, errors.New("stepfunctions: no state machine ARN")
	}
	name := req.Name
	if name == "" {
		name = ExecutionName(req.Entity, req.Environment, req.RunID, req.Job)
	}
	if !validName(name) {
		return nil, fmt.Errorf("stepfunctions: execution name %q is not 1-80 letters, digits, hyphens and underscores", name)
	}
	if err := CheckInput(req.Input); err != nil {
		return nil, fmt.Errorf("stepfunctions: %w", err)
	}
	input := normInput(req.Input)
	res := &result.Result{
		Target: result.Target{
			Kind: result.StepFunctionsExecution, Entity: req.Entity, Environment: req.Environment,
			Resource: req.StateMachine.String(), Name: req.StateMachine.Name,
		},
		Status: result.Running,
		Audit:  req.Audit,
		Values: map[string]string{"execution-name": name},
	}

	typ, err := r.machineType(ctx, req.StateMachine)
	if err != nil {
		return nil, err
	}
	res.Values["state-machine-type"] = string(typ)
	if typ == types.StateMachineTypeExpress {
		if req.Redrive {
			return nil, fmt.Errorf("stepfunctions: %s is an Express state machine; Express executions cannot be redriven", req.StateMachine)
		}
		return r.runSync(ctx, req, name, input, res)
	}

	arn := ExecutionARN(req.StateMachine, name)
	r.setID(res, arn)
	r.group("Step Functions execution " + name)
	defer r.endGroup()

	existing, err := r.lookup(ctx, arn)
	if ctx.Err() != nil {
		return r.cancelled(ctx, res, arn)
	}
	if err != nil {
		return nil, err
	}
	var minRedrives int32
	switch {
	case existing != nil:
		if err := mismatch(arn, aws.ToString(existing.Input), input); err != nil {
			return nil, err
		}
		if req.Redrive && redrivable(existing.Status) {
			minRedrives = aws.ToInt32(existing.RedriveCount) + 1
			if _, err := r.Client.RedriveExecution(ctx, &sfn.RedriveExecutionInput{ExecutionArn: aws.String(arn)}); err != nil {
				if ctx.Err() != nil {
					return r.cancelled(ctx, res, arn)
				}
				return nil, fmt.Errorf("stepfunctions: redriving %s: %w", arn, err)
			}
			r.line("redriving execution %s (it was %s)", arn, existing.Status)
			res.Values["redrive-count"] = fmt.Sprint(minRedrives)
			existing = nil
		} else {
			res.Attached = true
			r.line("attaching to execution %s, started %s, now %s (an earlier attempt of this job started it)",
				arn, aws.ToTime(existing.StartDate).UTC().Format(time.RFC3339), existing.Status)
		}
	default:
		if req.Redrive {
			r.line("no execution %s to redrive; starting it", name)
		}
		var attached bool
		started := arn
		existing, attached, err = r.start(ctx, req.StateMachine, name, arn, input, &started)
		if ctx.Err() != nil {
			return r.cancelled(ctx, res, arn)
		}
		if err != nil {
			return nil, err
		}
		res.Attached = attached
		if started != arn {
			arn = started
			r.setID(res, arn)
		}
	}
	if existing != nil {
		res.StartedAt = aws.ToTime(existing.StartDate)
	} else {
		res.StartedAt = r.clock().Now()
	}

	if r.NoWait {
		r.line("not waiting for %s", arn)
		return res, nil
	}
	cur := &cursor{arn: arn}
	d, outcome, err := r.wait(ctx, arn, existing, minRedrives, cur)
	switch outcome {
	case waitCancelled:
		return r.cancelled(ctx, res, arn)
	case waitTimeout:
		res.Status = result.WaitTimeout
		status := "RUNNING"
		if d != nil {
			status = string(d.Status)
		}
		res.Failure = &result.Failure{Details: []string{fmt.Sprintf("stopped waiting; the execution is still %s", status)}}
		if err != nil {
			res.Failure.Details = append(res.Failure.Details, "last error: "+err.Error())
		}
		r.line("stopped waiting for %s (still %s)", arn, status)
		return res, nil
	}
	if err != nil {
		return res, fmt.Errorf("stepfunctions: waiting for %s: %w", arn, err)
	}
	return r.finish(ctx, res, d), nil
}

func (r *Runner) clock() Clock {
	if r.Clock == nil {
		return poll.RealClock{}
	}
	return r.Clock
}

func (r *Runner) setID(res *result.Result, arn string) {
	res.ID = arn
	res.Links = nil
	if u, err := result.ExecutionConsoleURL(arn); err == nil {
		res.Links = append(res.Links, result.Link{Title: "Step Functions execution", URL: u})
	}
}

func (r *Runner) group(title string) {
	if r.Log != nil {
		r.Log.Group(title)
	}
}

func (r *Runner) endGroup() {
	if r.Log != nil {
		r.Log.EndGroup()
	}
}

func (r *Runner) line(format string, args ...any) {
	if r.Log != nil {
		r.Log.Line(r.clock().Now().UTC().Format("15:04:05.000") + "  " + fmt.Sprintf(format, args...))
	}
}

// machineType asks for the type of the state machine. A role without
// states:DescribeStateMachine gets STANDARD, the common case.
func (r *Runner) machineType(ctx context.Context, sm annotations.StateMachineARN) (types.StateMachineType, error) {
	var out *sfn.DescribeStateMachineOutput
	err := r.retrying(ctx, func() (err error) {
		out, err = r.Client.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: aws.String(sm.Unqualified().String())})
		return err
	})
	var api smithy.APIError
	switch {
	case err == nil:
		return out.Type, nil
	case errors.As(err, &api) && (api.ErrorCode() == "AccessDeniedException" || api.ErrorCode() == "AccessDenied"):
		r.line("cannot describe %s (%s); taking it for a STANDARD state machine", sm, api.ErrorCode())
		return types.StateMachineTypeStandard, nil
	}
	return "", fmt.Errorf("stepfunctions: describing state machine %s: %w", sm, err)
}

// retrying calls f until it succeeds, fails for good, or has failed
// r.attempts() times, with backoff in between.
func (r *Runner) retrying(ctx context.Context, f func() error) error {
	bo := newBackoff(r.MinDelay, r.MaxDelay, r.Rand)
	for attempt := 1; ; attempt++ {
		err := f()
		if err == nil || !poll.IsTransient(err) || attempt >= r.attempts() {
			return err
		}
		bo.Observe(err)
		if serr := r.clock().Sleep(ctx, bo.Next()); serr != nil {
			return err
		}
	}
}

// lookup describes the execution arn: nil when it does not exist.
// Transient errors are tried again.
func (r *Runner) lookup(ctx context.Context, arn string) (*sfn.DescribeExecutionOutput, error) {
	bo := newBackoff(r.MinDelay, r.MaxDelay, r.Rand)
	for attempt := 1; ; attempt++ {
		out, err := r.Client.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(arn)})
		var missing *types.ExecutionDoesNotExist
		switch {
		case err == nil:
			return out, nil
		case errors.As(err, &missing):
			return nil, nil
		case !poll.IsTransient(err) || attempt >= r.attempts():
			return nil, fmt.Errorf("stepfunctions: looking up execution %s: %w", arn, err)
		}
		bo.Observe(err)
		if err := r.clock().Sleep(ctx, bo.Next()); err != nil {
			return nil, err
		}
	}
}

func (r *Runner) attempts() int {
	if r.Attempts > 0 {
		return r.Attempts
	}
	return 5
}

// start starts the execution once. After a transient error the request
// may have reached Step Functions, so the execution is looked up before
// another StartExecution. It returns the execution's description when a
// look-up found it (attached reports that Step Functions said it already
// existed before this run's first call), or nil when the start answered.
func (r *Runner) start(ctx context.Context, sm annotations.StateMachineARN, name, arn, input string, startedARN *string) (d *sfn.DescribeExecutionOutput, attached bool, err error) {
	bo := newBackoff(r.MinDelay, r.MaxDelay, r.Rand)
	for attempt := 1; ; attempt++ {
		out, err := r.Client.StartExecution(ctx, &sfn.StartExecutionInput{
			StateMachineArn: aws.String(sm.String()), Name: aws.String(name), Input: aws.String(input),
		}, noSDKRetry)
		var exists *types.ExecutionAlreadyExists
		switch {
		case err == nil:
			if got := aws.ToString(out.ExecutionArn); got != arn {
				// Not expected; the answer is what counts for this run,
				// but a re-run will not find this execution.
				r.line("warning: Step Functions named the execution %s, not %s; a re-run of this job will not find it", got, arn)
				*startedARN = got
			}
			r.line("started execution %s", *startedARN)
			return nil, false, nil
		case errors.As(err, &exists):
			// Started by an earlier attempt (or by this run, when a
			// request whose answer was lost arrived after all).
			d, lerr := r.lookup(ctx, arn)
			if lerr != nil {
				return nil, false, lerr
			}
			if d == nil {
				return nil, false, fmt.Errorf("stepfunctions: Step Functions says execution %s exists but does not describe it: %w", name, err)
			}
			if err := mismatch(arn, aws.ToString(d.Input), input); err != nil {
				return nil, false, err
			}
			r.line("attaching to execution %s (it already exists), now %s", arn, d.Status)
			return d, attempt == 1, nil
		case ctx.Err() != nil:
			return nil, false, ctx.Err()
		case !poll.IsTransient(err):
			return nil, false, fmt.Errorf("stepfunctions: starting execution %s: %w", name, err)
		}
		// The request may have started the execution before its answer
		// was lost: look before starting again.
		d, lerr := r.lookup(ctx, arn)
		if lerr != nil {
			return nil, false, lerr
		}
		if d != nil {
			if err := mismatch(arn, aws.ToString(d.Input), input); err != nil {
				return nil, false, err
			}
			r.line("StartExecution's answer was lost (%v); execution %s had started", err, arn)
			return d, false, nil
		}
		if attempt >= r.attempts() {
			return nil, false, fmt.Errorf("stepfunctions: starting execution %s: gave up after %d attempts: %w", name, attempt, err)
		}
		bo.Observe(err)
		if err := r.clock().Sleep(ctx, bo.Next()); err != nil {
			return nil, false, err
		}
	}
}

func mismatch(arn, have, want string) error {
	if path := inputDiff(have, want); path != "" {
		return fmt.Errorf("stepfunctions: %w: %s was started with an input that differs at %s; "+
			"a job starts one execution per run (a template using github.run_attempt changes on every re-run), "+
			"so start a new workflow run or give the execution another name", ErrInputMismatch, arn, path)
	}
	return nil
}

func redrivable(s types.ExecutionStatus) bool {
	return s == types.ExecutionStatusFailed || s == types.ExecutionStatusTimedOut || s == types.ExecutionStatusAborted
}

// status maps an execution status to a result status.
func status(s types.ExecutionStatus) result.Status {
	switch s {
	case types.ExecutionStatusSucceeded:
		return result.Succeeded
	case types.ExecutionStatusFailed:
		return result.Failed
	case types.ExecutionStatusTimedOut:
		return result.TimedOut
	case types.ExecutionStatusAborted:
		return result.Aborted
	}
	return result.Running
}

// finish fills res from the final description, explaining a failure.
func (r *Runner) finish(ctx context.Context, res *result.Result, d *sfn.DescribeExecutionOutput) *result.Result {
	res.Status = status(d.Status)
	res.Values["execution-status"] = string(d.Status)
	if t := aws.ToTime(d.StartDate); !t.IsZero() {
		res.StartedAt = t
	}
	res.EndedAt = aws.ToTime(d.StopDate)
	if d.Output != nil {
		res.SetOutput(aws.ToString(d.Output))
	}
	if res.Status != result.Succeeded {
		var f *result.Failure
		err := r.retrying(ctx, func() (err error) {
			f, err = Explain(ctx, r.Client, res.ID)
			return err
		})
		if err != nil {
			f = &result.Failure{Details: []string{err.Error()}}
		}
		if f.Error == "" && f.Cause == "" {
			f.Error, f.Cause = aws.ToString(d.Error), aws.ToString(d.Cause)
		}
		res.Failure = f
		where := ""
		if f.Where != "" {
			where = " in state " + quoteName(f.Where)
		}
		r.line("execution %s%s: %s", d.Status, where, describeError(f.Error, f.Cause, 500))
	} else {
		r.line("execution SUCCEEDED")
	}
	return res
}

// cancelled reports a run whose ctx was cancelled: it stops the execution
// when asked to, with a context of its own, and says what state it was left
// in.
func (r *Runner) cancelled(ctx context.Context, res *result.Result, arn string) (*result.Result, error) {
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), stopTimeout)
	defer cancel()
	res.Status = result.Cancelled
	f := &result.Failure{Error: "Cancelled", Cause: "the workflow run was cancelled while stagecrew waited"}
	res.Failure = f
	d, err := r.lookup(sctx, arn)
	switch {
	case err != nil:
		f.Details = append(f.Details, "state unknown: "+err.Error())
		return res, nil
	case d == nil:
		f.Details = append(f.Details, "not started: no execution exists")
		return res, nil
	case terminal(d.Status):
		res.Values["execution-status"] = string(d.Status)
		f.Details = append(f.Details, fmt.Sprintf("already ended: the execution is %s", d.Status))
		return res, nil
	}
	if !r.StopOnCancel {
		res.Values["execution-status"] = string(d.Status)
		f.Details = append(f.Details, fmt.Sprintf("still running: the execution was left %s (stop-on-cancel is off)", d.Status))
		r.line("cancelled; execution %s left %s", arn, d.Status)
		return res, nil
	}
	err = r.retrying(sctx, func() error {
		_, err := r.Client.StopExecution(sctx, &sfn.StopExecutionInput{
			ExecutionArn: aws.String(arn),
			Error:        aws.String("stagecrew.Cancelled"),
			Cause:        aws.String("the GitHub Actions workflow run was cancelled"),
		})
		return err
	})
	if err != nil {
		f.Details = append(f.Details, fmt.Sprintf("still running: stopping the execution failed: %v", err))
		return res, nil
	}
	// A stopped execution can read RUNNING for a moment (moto under load
	// does): look again, briefly, before saying what it was left in.
	after := types.ExecutionStatusAborted
	for wait := 100 * time.Millisecond; ; wait *= 2 {
		d, err := r.lookup(sctx, arn)
		if err != nil || d == nil {
			break
		}
		after = d.Status
		if terminal(after) || wait > 1600*time.Millisecond {
			break
		}
		select {
		case <-sctx.Done():
		case <-time.After(wait):
			continue
		}
		break
	}
	res.Values["execution-status"] = string(after)
	f.Details = append(f.Details, fmt.Sprintf("stopped: the execution is now %s", after))
	r.line("cancelled; stopped execution %s (now %s)", arn, after)
	return res, nil
}
