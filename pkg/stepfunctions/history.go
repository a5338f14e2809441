package stepfunctions

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/stagecrew/stagecrew/pkg/result"
)

// historyPage is how many events one GetExecutionHistory call asks for.
const historyPage = 100

// maxHistoryPages bounds the pages one poll or one explanation reads.
const maxHistoryPages = 20

// cursor follows an execution's history forwards, across polls. Step
// Functions returns no nextToken with the last page, and a call without a
// token starts from the first event again; so the cursor keeps the token
// that fetched the last page and asks for that page again next time,
// skipping the events it has already seen (by id). A server that ignores
// tokens and page sizes (moto) is handled by the same skipping.
type cursor struct {
	arn    string
	token  *string // fetches the page that was last when last read
	lastID int64
}

// next returns the events not seen yet, in order.
func (c *cursor) next(ctx context.Context, client Client) ([]types.HistoryEvent, error) {
	var out []types.HistoryEvent
	tok := c.token
	for range maxHistoryPages {
		page, err := client.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{
			ExecutionArn: aws.String(c.arn), NextToken: tok, MaxResults: historyPage,
		})
		var invalid *types.InvalidToken
		if errors.As(err, &invalid) && tok != nil {
			tok, c.token = nil, nil // expired (24 h): read from the start, skip what was seen
			continue
		}
		if err != nil {
			return out, err
		}
		evs := slices.Clone(page.Events)
		slices.SortFunc(evs, func(a, b types.HistoryEvent) int { return int(a.Id - b.Id) })
		for _, ev := range evs {
			if ev.Id > c.lastID {
				out = append(out, ev)
				c.lastID = ev.Id
			}
		}
		if page.NextToken == nil {
			c.token = tok
			return out, nil
		}
		tok = page.NextToken
	}
	c.token = tok
	return out, nil
}

// progressLine formats an event for the log, or returns "" for events not
// worth a line. Every line starts with the event's time, so none can begin
// with text from AWS.
func progressLine(ev types.HistoryEvent) string {
	var what string
	typ := string(ev.Type)
	switch {
	case ev.StateEnteredEventDetails != nil:
		what = "entered " + quoteName(aws.ToString(ev.StateEnteredEventDetails.Name))
	case ev.StateExitedEventDetails != nil:
		what = "exited  " + quoteName(aws.ToString(ev.StateExitedEventDetails.Name))
	case ev.Type == types.HistoryEventTypeExecutionStarted:
		what = "execution started"
	case ev.Type == types.HistoryEventTypeExecutionSucceeded:
		what = "execution succeeded"
	case ev.Type == types.HistoryEventTypeExecutionRedriven:
		what = "execution redriven"
	case ev.MapIterationFailedEventDetails != nil:
		d := ev.MapIterationFailedEventDetails
		what = fmt.Sprintf("map iteration %d of %s failed", d.Index, quoteName(aws.ToString(d.Name)))
	default:
		e, c, ok := eventError(ev)
		if !ok {
			return ""
		}
		what = typ
		if e != "" || c != "" {
			what += ": " + describeError(e, c, 300)
		}
	}
	ts := "--:--:--.---"
	if ev.Timestamp != nil {
		ts = ev.Timestamp.UTC().Format("15:04:05.000")
	}
	return ts + "  " + what
}

func quoteName(s string) string { return fmt.Sprintf("%q", clip(s, 120)) }

func describeError(e, c string, n int) string {
	switch {
	case e == "":
		return clip(oneLine(c), n)
	case c == "":
		return clip(oneLine(e), n)
	}
	return clip(oneLine(e), n/3) + " (" + clip(oneLine(c), n) + ")"
}

// eventError returns the error and cause of an event that reports a
// failure, a time-out or an abort.
func eventError(ev types.HistoryEvent) (errName, cause string, ok bool) {
	s := aws.ToString
	switch {
	case ev.ExecutionFailedEventDetails != nil:
		return s(ev.ExecutionFailedEventDetails.Error), s(ev.ExecutionFailedEventDetails.Cause), true
	case ev.ExecutionTimedOutEventDetails != nil:
		return s(ev.ExecutionTimedOutEventDetails.Error), s(ev.ExecutionTimedOutEventDetails.Cause), true
	case ev.ExecutionAbortedEventDetails != nil:
		return s(ev.ExecutionAbortedEventDetails.Error), s(ev.ExecutionAbortedEventDetails.Cause), true
	case ev.TaskFailedEventDetails != nil:
		return s(ev.TaskFailedEventDetails.Error), s(ev.TaskFailedEventDetails.Cause), true
	case ev.TaskStartFailedEventDetails != nil:
		return s(ev.TaskStartFailedEventDetails.Error), s(ev.TaskStartFailedEventDetails.Cause), true
	case ev.TaskSubmitFailedEventDetails != nil:
		return s(ev.TaskSubmitFailedEventDetails.Error), s(ev.TaskSubmitFailedEventDetails.Cause), true
	case ev.TaskTimedOutEventDetails != nil:
		return s(ev.TaskTimedOutEventDetails.Error), s(ev.TaskTimedOutEventDetails.Cause), true
	case ev.ActivityFailedEventDetails != nil:
		return s(ev.ActivityFailedEventDetails.Error), s(ev.ActivityFailedEventDetails.Cause), true
	case ev.ActivityScheduleFailedEventDetails != nil:
		return s(ev.ActivityScheduleFailedEventDetails.Error), s(ev.ActivityScheduleFailedEventDetails.Cause), true
	case ev.ActivityTimedOutEventDetails != nil:
		return s(ev.ActivityTimedOutEventDetails.Error), s(ev.ActivityTimedOutEventDetails.Cause), true
	case ev.LambdaFunctionFailedEventDetails != nil:
		return s(ev.LambdaFunctionFailedEventDetails.Error), s(ev.LambdaFunctionFailedEventDetails.Cause), true
	case ev.LambdaFunctionScheduleFailedEventDetails != nil:
		return s(ev.LambdaFunctionScheduleFailedEventDetails.Error), s(ev.LambdaFunctionScheduleFailedEventDetails.Cause), true
	case ev.LambdaFunctionStartFailedEventDetails != nil:
		return s(ev.LambdaFunctionStartFailedEventDetails.Error), s(ev.LambdaFunctionStartFailedEventDetails.Cause), true
	case ev.LambdaFunctionTimedOutEventDetails != nil:
		return s(ev.LambdaFunctionTimedOutEventDetails.Error), s(ev.LambdaFunctionTimedOutEventDetails.Cause), true
	case ev.EvaluationFailedEventDetails != nil:
		return s(ev.EvaluationFailedEventDetails.Error), s(ev.EvaluationFailedEventDetails.Cause), true
	case ev.MapRunFailedEventDetails != nil:
		return s(ev.MapRunFailedEventDetails.Error), s(ev.MapRunFailedEventDetails.Cause), true
	}
	switch t := string(ev.Type); {
	case strings.HasSuffix(t, "Failed"), strings.HasSuffix(t, "TimedOut"), strings.HasSuffix(t, "Aborted"):
		return "", "", true
	}
	return "", "", false
}

// Explain reads an execution's history backwards (newest first, page by
// page) and says what went wrong: the state that failed, innermost first
// ("Deploy > Migrate" when Migrate failed inside the Parallel or Map state
// Deploy), with the error and cause of the execution's failure, time-out or
// abort, or of the last failed task when the execution's own event has none.
// It reads at most 20 pages of 100 events; a longer history gives what was
// found in them.
func Explain(ctx context.Context, client Client, executionARN string) (*result.Failure, error) {
	f := &result.Failure{}
	exits := map[string]int{}
	var open []string // states entered and never exited, newest first
	var tok *string
	var taskErr, taskCause string
	haveExec, done := false, false
	for range maxHistoryPages {
		page, err := client.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{
			ExecutionArn: aws.String(executionARN), ReverseOrder: true, NextToken: tok, MaxResults: historyPage,
		})
		if err != nil {
			return nil, fmt.Errorf("stepfunctions: reading the history of %s: %w", executionARN, err)
		}
		evs := slices.Clone(page.Events)
		// Newest first, whatever order the server used (moto ignores reverseOrder).
		slices.SortFunc(evs, func(a, b types.HistoryEvent) int { return int(b.Id - a.Id) })
		for _, ev := range evs {
			switch {
			case ev.Type == types.HistoryEventTypeExecutionStarted:
				done = true
			case ev.Type == types.HistoryEventTypeExecutionRedriven:
				// Events before a redrive belong to the earlier failure.
				done = true
			case ev.StateExitedEventDetails != nil:
				exits[aws.ToString(ev.StateExitedEventDetails.Name)]++
			case ev.StateEnteredEventDetails != nil:
				name := aws.ToString(ev.StateEnteredEventDetails.Name)
				if exits[name] > 0 {
					exits[name]--
				} else if !slices.Contains(open, name) {
					open = append(open, name)
				}
			default:
				e, c, ok := eventError(ev)
				if !ok {
					break
				}
				isExec := ev.ExecutionFailedEventDetails != nil || ev.ExecutionTimedOutEventDetails != nil || ev.ExecutionAbortedEventDetails != nil
				switch {
				case isExec && !haveExec:
					haveExec, f.Error, f.Cause = true, e, c
				case !isExec && taskErr == "" && taskCause == "":
					taskErr, taskCause = e, c
				}
			}
			if done {
				break
			}
		}
		if done || page.NextToken == nil {
			break
		}
		tok = page.NextToken
	}
	if f.Error == "" && f.Cause == "" {
		f.Error, f.Cause = taskErr, taskCause
	}
	switch len(open) {
	case 0:
	case 1:
		f.Where = open[0]
	default:
		f.Where = open[len(open)-1] + " > " + open[0]
	}
	return f, nil
}
