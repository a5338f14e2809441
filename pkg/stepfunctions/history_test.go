package stepfunctions

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// h builds a history event: typ, previous event id, and a state name for
// entered and exited events ("" for others).
func h(id, prev int64, typ, name string) types.HistoryEvent {
	ev := types.HistoryEvent{Id: id, PreviousEventId: prev, Type: types.HistoryEventType(typ)}
	switch {
	case strings.HasSuffix(typ, "StateEntered"):
		ev.StateEnteredEventDetails = &types.StateEnteredEventDetails{Name: aws.String(name)}
	case strings.HasSuffix(typ, "StateExited"):
		ev.StateExitedEventDetails = &types.StateExitedEventDetails{Name: aws.String(name)}
	case typ == "ExecutionFailed":
		ev.ExecutionFailedEventDetails = &types.ExecutionFailedEventDetails{Error: aws.String(name)}
	case typ == "TaskFailed":
		ev.TaskFailedEventDetails = &types.TaskFailedEventDetails{Error: aws.String(name)}
	}
	return ev
}

// newestFirst reverses a history written oldest first.
func newestFirst(evs ...types.HistoryEvent) []types.HistoryEvent {
	out := make([]types.HistoryEvent, len(evs))
	for i, ev := range evs {
		out[len(evs)-1-i] = ev
	}
	return out
}

// TestFailurePath: the failing state comes from the failure events, not
// from the last state entered. The histories are the orders moto 5.2.1
// wrote for fail_inside_parallel and the nested case under CPU load, where
// a sibling branch's state is entered after the failure and the Parallel's
// failure event points at the sibling (moto takes the largest event id of
// all branches as its previous event). They are written out here because
// the interleaving cannot be forced in moto; TestRunAgainstMoto runs the
// same definitions for real.
func TestFailurePath(t *testing.T) {
	cases := []struct {
		name string
		evs  []types.HistoryEvent
		want string
	}{
		{"in order", newestFirst(
			h(1, 0, "ExecutionStarted", ""), h(2, 0, "ParallelStateEntered", "Deploy"), h(3, 2, "ParallelStateStarted", ""),
			h(4, 3, "PassStateEntered", "Ok"), h(5, 3, "FailStateEntered", "Migrate"),
			h(6, 5, "ParallelStateFailed", ""), h(7, 6, "ExecutionFailed", "Migration.Failed")), "Deploy > Migrate"},
		{"sibling entered after the failure, parallel failure points at it", newestFirst(
			h(1, 0, "ExecutionStarted", ""), h(2, 0, "ParallelStateEntered", "Deploy"), h(3, 2, "ParallelStateStarted", ""),
			h(4, 3, "FailStateEntered", "Migrate"), h(5, 3, "PassStateEntered", "Ok"),
			h(6, 5, "ParallelStateFailed", ""), h(7, 6, "ExecutionFailed", "Migration.Failed")), "Deploy > Migrate"},
		{"sibling exited after the failure", newestFirst(
			h(1, 0, "ExecutionStarted", ""), h(2, 0, "ParallelStateEntered", "Deploy"), h(3, 2, "ParallelStateStarted", ""),
			h(4, 3, "PassStateEntered", "Ok"), h(5, 3, "FailStateEntered", "Migrate"), h(6, 4, "PassStateExited", "Ok"),
			h(7, 6, "ParallelStateFailed", ""), h(8, 7, "ExecutionFailed", "Migration.Failed")), "Deploy > Migrate"},
		{"task failure in a branch, the execution's error chooses", newestFirst(
			h(1, 0, "ExecutionStarted", ""), h(2, 0, "ParallelStateEntered", "Deploy"), h(3, 2, "ParallelStateStarted", ""),
			h(4, 3, "TaskStateEntered", "A"), h(5, 3, "TaskStateEntered", "B"),
			h(6, 4, "TaskFailed", "A.Err"), h(7, 5, "TaskFailed", "B.Err"), h(8, 3, "PassStateEntered", "C"),
			h(9, 8, "ParallelStateFailed", ""), h(10, 9, "ExecutionFailed", "B.Err")), "Deploy > B"},
		{"caught task failure is not the cause", newestFirst(
			h(1, 0, "ExecutionStarted", ""), h(2, 1, "TaskStateEntered", "Charge"), h(3, 2, "TaskFailed", "Card"),
			h(4, 3, "PassStateEntered", "Refund"), h(5, 4, "PassStateExited", "Refund"),
			h(6, 5, "FailStateEntered", "Stop"), h(7, 6, "ExecutionFailed", "Stopped")), "Stop"},
		{"nested: map, parallel, sibling iteration last", newestFirst(
			h(1, 0, "ExecutionStarted", ""), h(2, 0, "MapStateEntered", "Each"), h(3, 2, "MapStateStarted", ""),
			h(4, 3, "MapIterationStarted", ""), h(5, 4, "ParallelStateEntered", "Fan"), h(6, 5, "ParallelStateStarted", ""),
			h(7, 6, "FailStateEntered", "Ship"), h(8, 3, "MapIterationStarted", ""), h(9, 8, "PassStateEntered", "Prep"),
			h(10, 9, "MapStateFailed", ""), h(11, 10, "ExecutionFailed", "Ship.Failed")), "Each > Fan > Ship"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := strings.Join(failurePath(c.evs), " > "); got != c.want {
				t.Errorf("failurePath = %q, want %q", got, c.want)
			}
		})
	}
	if got := failurePath(newestFirst(h(1, 0, "ExecutionStarted", ""), h(2, 0, "PassStateEntered", "P"))); len(got) != 1 || got[0] != "P" {
		t.Errorf("running execution: %q", got)
	}
}

// FuzzFailurePath: any history, however its previous event ids point
// (loops, forward references, unknown ids), gives an answer without
// hanging, and the failing state is one the history entered.
func FuzzFailurePath(f *testing.F) {
	f.Add([]byte{1, 0, 0, 2, 0, 1, 3, 2, 2, 4, 3, 3})
	f.Add([]byte{5, 9, 4, 5, 5, 5})
	kinds := []string{"ExecutionStarted", "ParallelStateEntered", "ParallelStateStarted", "PassStateEntered",
		"PassStateExited", "FailStateEntered", "ParallelStateFailed", "ExecutionFailed", "TaskFailed",
		"MapStateEntered", "MapIterationFailed", "ParallelStateExited"}
	f.Fuzz(func(t *testing.T, b []byte) {
		var evs []types.HistoryEvent
		names := map[string]bool{}
		for i := 0; i+2 < len(b) && len(evs) < 200; i += 3 {
			name := string(rune('A' + b[i+2]%4))
			names[name] = true
			evs = append(evs, h(int64(len(evs)+1), int64(b[i+1]%32), kinds[int(b[i])%len(kinds)], name))
		}
		for _, n := range failurePath(newestFirst(evs...)) {
			if !names[n] {
				t.Fatalf("state %q not in the history", n)
			}
		}
	})
}
