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
// page) and says what went wrong: the state that failed, outermost first
// ("Deploy > Migrate" when Migrate failed inside the Parallel or Map state
// Deploy), with the error and cause of the execution's failure, time-out or
// abort, or of the last failed task when the execution's own event has none.
// The failing state comes from the failure events themselves: from the
// execution's failure event back along previousEventId to the state whose
// failure ended it, then on to the Parallel and Map states around it; so a
// sibling branch entered later does not take the blame. It reads at most
// 20 pages of 100 events; a longer history gives what was found in them.
func Explain(ctx context.Context, client Client, executionARN string) (*result.Failure, error) {
	f := &result.Failure{}
	var evs []types.HistoryEvent // newest first
	var tok *string
	done := false
	for range maxHistoryPages {
		page, err := client.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{
			ExecutionArn: aws.String(executionARN), ReverseOrder: true, NextToken: tok, MaxResults: historyPage,
		})
		if err != nil {
			return nil, fmt.Errorf("stepfunctions: reading the history of %s: %w", executionARN, err)
		}
		pe := slices.Clone(page.Events)
		// Newest first, whatever order the server used (moto ignores reverseOrder).
		slices.SortFunc(pe, func(a, b types.HistoryEvent) int { return int(b.Id - a.Id) })
		for _, ev := range pe {
			if len(evs) > 0 && ev.Id >= evs[len(evs)-1].Id {
				continue // a server that ignores tokens sends the same events again
			}
			evs = append(evs, ev)
			// Events before a redrive belong to the earlier failure.
			if ev.Type == types.HistoryEventTypeExecutionStarted || ev.Type == types.HistoryEventTypeExecutionRedriven {
				done = true
				break
			}
		}
		if done || page.NextToken == nil {
			break
		}
		tok = page.NextToken
	}
	var taskErr, taskCause string
	haveExec, haveTask := false, false
	for _, ev := range evs {
		e, c, ok := eventError(ev)
		if !ok {
			continue
		}
		switch isExec := isExecutionEnd(ev); {
		case isExec && !haveExec:
			haveExec, f.Error, f.Cause = true, e, c
		case !isExec && !haveTask && (e != "" || c != ""):
			haveTask, taskErr, taskCause = true, e, c
		}
	}
	if f.Error == "" && f.Cause == "" {
		f.Error, f.Cause = taskErr, taskCause
	}
	path := failurePath(evs)
	if path == nil {
		path = openStates(evs)
	}
	f.Where = strings.Join(path, " > ")
	return f, nil
}

// isExecutionEnd reports whether ev ends the execution unsuccessfully.
func isExecutionEnd(ev types.HistoryEvent) bool {
	return ev.ExecutionFailedEventDetails != nil || ev.ExecutionTimedOutEventDetails != nil || ev.ExecutionAbortedEventDetails != nil
}

// failurePath names the state that failed, outermost first ("Deploy >
// Migrate"), from the failure events themselves. It follows previousEventId
// from the execution's end (its failure, time-out or abort event, else the
// newest event) to the first failure of a state (a Fail state entered, a
// task, activity or Lambda failure or time-out); where that chain first
// reaches a Parallel or Map state instead (a Parallel's failure event may
// point at any branch's last event: moto's does), the failure is the one
// inside that state that ended its branch, the one with the execution's
// error first, else the earliest. From the failure it goes back to the
// state it belongs to and on to the Parallel and Map states around it. nil
// when the history has no such chain (events without previousEventId).
func failurePath(evs []types.HistoryEvent) []string {
	if len(evs) == 0 {
		return nil
	}
	byID := make(map[int64]types.HistoryEvent, len(evs))
	children := map[int64][]types.HistoryEvent{}
	for _, ev := range evs {
		byID[ev.Id] = ev
		children[ev.PreviousEventId] = append(children[ev.PreviousEventId], ev)
	}
	end := evs[0]
	for _, ev := range evs {
		if isExecutionEnd(ev) {
			end = ev
			break
		}
	}
	var origin, scope *types.HistoryEvent
	exits := map[string]int{}
	carried := false // a Parallel, Map or iteration failure seen: its previous event may be any branch's
	walkChain(byID, end, func(ev types.HistoryEvent) bool {
		switch {
		case isStateFailure(ev) && endsBranch(children[ev.Id]):
			origin = &ev
		case isScopeType(ev.Type, "Failed") || ev.Type == types.HistoryEventTypeMapIterationFailed:
			carried = true
		case ev.StateExitedEventDetails != nil:
			exits[aws.ToString(ev.StateExitedEventDetails.Name)]++
		case ev.StateEnteredEventDetails != nil:
			name := aws.ToString(ev.StateEnteredEventDetails.Name)
			switch {
			case exits[name] > 0:
				exits[name]--
			case carried && !isScopeType(ev.Type, "Entered"):
				// in a sibling branch, cancelled by the failure
			default:
				scope = &ev
				return false
			}
		}
		return origin == nil
	})
	if origin == nil && scope != nil && isScopeType(scope.Type, "Entered") {
		origin = failureInside(evs, byID, children, *scope, end)
	}
	start := origin
	if start == nil {
		start = scope
	}
	if start == nil {
		return nil
	}
	return statePath(byID, *start)
}

// failureInside returns the failure, inside the Parallel or Map state
// entered by scope, that ended its branch: no event follows it but the
// failure of its Parallel, Map or iteration or of the execution. The one
// with the error and cause of end comes first, else the earliest.
func failureInside(evs []types.HistoryEvent, byID map[int64]types.HistoryEvent, children map[int64][]types.HistoryEvent, scope, end types.HistoryEvent) *types.HistoryEvent {
	endErr, endCause, _ := eventError(end)
	var found *types.HistoryEvent
	matched := false
	for i := len(evs) - 1; i >= 0; i-- { // oldest first
		ev := evs[i]
		if ev.Id <= scope.Id || !isStateFailure(ev) || !endsBranch(children[ev.Id]) || !descends(byID, ev, scope.Id) {
			continue
		}
		e, c, _ := eventError(ev)
		m := (e != "" || c != "") && e == endErr && c == endCause
		if found == nil || (m && !matched) {
			found, matched = &evs[i], m
		}
	}
	return found
}

// endsBranch reports whether the events following a failure only carry
// it outwards (nothing caught or retried it).
func endsBranch(next []types.HistoryEvent) bool {
	for _, ev := range next {
		t := ev.Type
		if !isExecutionEnd(ev) && !isScopeType(t, "Failed") && t != types.HistoryEventTypeMapIterationFailed &&
			!strings.HasSuffix(string(t), "Aborted") {
			return false
		}
	}
	return true
}

// descends reports whether ev's chain of previous events reaches the
// event id.
func descends(byID map[int64]types.HistoryEvent, ev types.HistoryEvent, id int64) bool {
	found := false
	walkChain(byID, ev, func(e types.HistoryEvent) bool {
		found = e.Id == id
		return !found && e.Id > id
	})
	return found
}

// walkChain calls f on ev and then on each previous event, while f returns
// true and the previous event is known.
func walkChain(byID map[int64]types.HistoryEvent, ev types.HistoryEvent, f func(types.HistoryEvent) bool) {
	for steps := 0; steps <= len(byID); steps++ {
		if !f(ev) || ev.PreviousEventId == 0 || ev.PreviousEventId >= ev.Id {
			return
		}
		var ok bool
		if ev, ok = byID[ev.PreviousEventId]; !ok {
			return
		}
	}
}

// isStateFailure reports whether ev is a state's own failure: a Fail state
// entered, or a task, activity, Lambda, evaluation or map run failure or
// time-out. The failures of Parallel and Map states and iterations only
// carry one outwards; aborts follow another failure.
func isStateFailure(ev types.HistoryEvent) bool {
	if ev.Type == types.HistoryEventTypeFailStateEntered {
		return true
	}
	t := ev.Type
	if _, _, ok := eventError(ev); !ok || isExecutionEnd(ev) || isScopeType(t, "Failed") ||
		t == types.HistoryEventTypeMapIterationFailed || strings.HasSuffix(string(t), "Aborted") {
		return false
	}
	return true
}

// statePath goes back from a failure event to the state it belongs to (the
// first state entered and not exited on its chain), then on to the
// Parallel and Map states around it, and returns their names outermost
// first.
func statePath(byID map[int64]types.HistoryEvent, start types.HistoryEvent) []string {
	var path []string // innermost first
	exits := map[string]int{}
	closes := 0        // Parallel and Map states closed without an exit event seen
	afterExit := false // the newer event on the chain was a Parallel or Map exit
	walkChain(byID, start, func(ev types.HistoryEvent) bool {
		wasExit := false
		switch {
		case ev.StateExitedEventDetails != nil:
			exits[aws.ToString(ev.StateExitedEventDetails.Name)]++
			wasExit = isScopeType(ev.Type, "Exited")
		case ev.StateEnteredEventDetails != nil:
			name := aws.ToString(ev.StateEnteredEventDetails.Name)
			switch {
			case exits[name] > 0:
				exits[name]--
			case len(path) == 0:
				path = append(path, name) // the failing state
			case !isScopeType(ev.Type, "Entered"):
				// A state before the failing one on its chain (a Fail or
				// Task state whose error was caught): it contains nothing.
			case closes > 0:
				closes--
			case !slices.Contains(path, name):
				path = append(path, name)
			}
		case len(path) > 0 && !afterExit && (isScopeType(ev.Type, "Succeeded") || isScopeType(ev.Type, "Failed") || isScopeType(ev.Type, "Aborted")):
			closes++
		}
		afterExit = wasExit
		return true
	})
	if len(path) == 0 {
		return nil
	}
	slices.Reverse(path)
	return path
}

// isScopeType reports whether t is the event of a Parallel or Map state
// with the given suffix (ParallelStateFailed, MapStateExited...).
func isScopeType(t types.HistoryEventType, suffix string) bool {
	return t == types.HistoryEventType("ParallelState"+suffix) || t == types.HistoryEventType("MapState"+suffix)
}

// openStates is the explanation for a history without previousEventId:
// the states entered and never exited, newest first, give the innermost
// and the outermost.
func openStates(evs []types.HistoryEvent) []string {
	exits := map[string]int{}
	var open []string
	for _, ev := range evs {
		switch {
		case ev.StateExitedEventDetails != nil:
			exits[aws.ToString(ev.StateExitedEventDetails.Name)]++
		case ev.StateEnteredEventDetails != nil:
			name := aws.ToString(ev.StateEnteredEventDetails.Name)
			if exits[name] > 0 {
				exits[name]--
			} else if !slices.Contains(open, name) {
				open = append(open, name)
			}
		}
	}
	switch len(open) {
	case 0:
		return nil
	case 1:
		return open
	}
	return []string{open[len(open)-1], open[0]}
}
