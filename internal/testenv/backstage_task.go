package testenv

// Scaffolder tasks (real runs, not dry runs) and a user's notifications on a
// test Backstage.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// CreateTask starts a scaffolder task of templateRef
// ("template:default/stagecrew-deploy") with values as the template's
// parameters, as the user whose token userToken is (UserToken), and returns
// the task's ID. The task runs in the background: WaitTask waits for it.
func (s *BackstageServer) CreateTask(t testing.TB, userToken, templateRef string, values map[string]any) string {
	t.Helper()
	resp, body := s.DoAs(t, userToken, http.MethodPost, "/api/scaffolder/v2/tasks",
		map[string]any{"templateRef": templateRef, "values": values})
	var got struct {
		ID string `json:"id"`
	}
	if resp.StatusCode != http.StatusCreated || json.Unmarshal(body, &got) != nil || got.ID == "" {
		t.Fatalf("testenv: creating a task of %s: POST /api/scaffolder/v2/tasks answers %s: %s", templateRef, resp.Status, body)
	}
	return got.ID
}

// WaitTask polls GET /api/scaffolder/v2/tasks/{id} (with the static token)
// until the task has completed, and returns that answer (id, spec, status,
// createdAt, createdBy, lastHeartbeatAt) with one more key, "output": the
// task's output (its links and text, and what the template's output
// section renders), which Backstage keeps in the task's completion event
// rather than in the task. The test fails, with the task's event log, when
// the task fails or is cancelled, or is still running after timeout.
func (s *BackstageServer) WaitTask(t testing.TB, id string, timeout time.Duration) map[string]any {
	t.Helper()
	path := "/api/scaffolder/v2/tasks/" + url.PathEscape(id)
	deadline := time.Now().Add(timeout)
	for {
		resp, body := s.Do(t, http.MethodGet, path, nil)
		var task map[string]any
		if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &task) != nil {
			t.Fatalf("testenv: GET %s answers %s: %s", path, resp.Status, body)
		}
		switch status, _ := task["status"].(string); status {
		case "completed":
			task["output"] = nil
			for _, e := range s.TaskEvents(t, id) {
				if e.Type == "completion" {
					task["output"] = e.Body["output"]
				}
			}
			return task
		case "failed", "cancelled":
			t.Fatalf("testenv: task %s %s:\n%s", id, status, s.taskLog(t, id))
		}
		if time.Now().After(deadline) {
			t.Fatalf("testenv: task %s still %v after %v:\n%s", id, task["status"], timeout, s.taskLog(t, id))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// BackstageTaskEvent is one event of a scaffolder task: a "log" line
// (Body: message, stepId, status) or its "completion" (Body: message, and
// output when it succeeded), among others.
type BackstageTaskEvent struct {
	ID        int64          `json:"id"`
	Type      string         `json:"type"`
	Body      map[string]any `json:"body"`
	CreatedAt string         `json:"createdAt"`
}

// TaskEvents returns the task's events so far (GET
// /api/scaffolder/v2/tasks/{id}/events, with the static token). Backstage
// holds that request open for up to 30 s while a new task has no events
// yet.
func (s *BackstageServer) TaskEvents(t testing.TB, id string) []BackstageTaskEvent {
	t.Helper()
	path := "/api/scaffolder/v2/tasks/" + url.PathEscape(id) + "/events"
	resp, body := s.Do(t, http.MethodGet, path, nil)
	var events []BackstageTaskEvent
	if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &events) != nil {
		t.Fatalf("testenv: GET %s answers %s: %s", path, resp.Status, body)
	}
	return events
}

// taskLog renders the task's events one a line: type, step, status, message.
func (s *BackstageServer) taskLog(t testing.TB, id string) string {
	t.Helper()
	var b strings.Builder
	for _, e := range s.TaskEvents(t, id) {
		fmt.Fprintf(&b, "  %s", e.Type)
		for _, k := range []string{"stepId", "status"} {
			if v, ok := e.Body[k].(string); ok {
				fmt.Fprintf(&b, " %s=%s", k, v)
			}
		}
		fmt.Fprintf(&b, ": %v\n", e.Body["message"])
	}
	return b.String()
}

// Notifications returns the notifications of the user whose token
// userToken is (GET /api/notifications; service tokens get 403 there),
// newest first as Backstage lists them: each has id, user, created,
// origin and payload (title, description, link, severity, topic, ...).
func (s *BackstageServer) Notifications(t testing.TB, userToken string) []map[string]any {
	t.Helper()
	resp, body := s.DoAs(t, userToken, http.MethodGet, "/api/notifications", nil)
	var got struct {
		Notifications []map[string]any `json:"notifications"`
	}
	if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &got) != nil {
		t.Fatalf("testenv: GET /api/notifications answers %s: %s", resp.Status, body)
	}
	return got.Notifications
}
