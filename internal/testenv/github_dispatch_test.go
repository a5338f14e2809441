package testenv

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"testing"
)

// TestGitHubDispatch sends both forms of a workflow dispatch to the
// stand-in, whose answers are checked against GitHub's description by
// serve (a violation fails the test at cleanup).
func TestGitHubDispatch(t *testing.T) {
	gh := StartGitHub(t, GitHubOptions{})
	post := func(auth string, body any) (int, []byte) {
		t.Helper()
		b, _ := json.Marshal(body)
		req, _ := http.NewRequest(http.MethodPost, gh.URL+"repos/acme/orders/actions/workflows/deploy.yaml/dispatches", bytes.NewReader(b))
		req.Header.Set("Authorization", auth)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		data, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, data
	}

	// Without return_run_details: 204, no body (octokit's "token" scheme).
	if code, body := post("token "+gh.Token, map[string]any{"ref": "main", "inputs": map[string]any{"environment": "staging"}}); code != http.StatusNoContent || len(body) != 0 {
		t.Errorf("plain dispatch: %d %s, want 204 and no body", code, body)
	}
	// With it: 200 and the run's ID and URLs.
	code, body := post("Bearer "+gh.Token, map[string]any{"ref": "v1.2.3", "inputs": map[string]any{"backstage-task": "t-1"}, "return_run_details": true})
	var run struct {
		ID      int64  `json:"workflow_run_id"`
		RunURL  string `json:"run_url"`
		HTMLURL string `json:"html_url"`
	}
	if err := json.Unmarshal(body, &run); code != http.StatusOK || err != nil {
		t.Fatalf("dispatch with run details: %d %s (%v), want 200 and a workflow-dispatch-response", code, body, err)
	}
	// A wrong token is turned away.
	if code, _ := post("token wrong", map[string]any{"ref": "main"}); code != http.StatusUnauthorized {
		t.Errorf("wrong token: %d, want 401", code)
	}

	got := gh.Dispatches()
	if len(got) != 2 {
		t.Fatalf("Dispatches() = %+v, want the 2 accepted", got)
	}
	if d := got[0]; d.Owner != "acme" || d.Repo != "orders" || d.Workflow != "deploy.yaml" || d.Ref != "main" ||
		d.Inputs["environment"] != "staging" || d.ReturnRunDetails || d.RunID != 0 || d.HTMLURL != "" {
		t.Errorf("first dispatch = %+v", d)
	}
	if d := got[1]; d.Ref != "v1.2.3" || d.Inputs["backstage-task"] != "t-1" || !d.ReturnRunDetails ||
		d.RunID != run.ID || d.RunURL != run.RunURL || d.HTMLURL != run.HTMLURL || run.ID == 0 ||
		run.HTMLURL != "https://github.com/acme/orders/actions/runs/"+strconv.FormatInt(run.ID, 10) {
		t.Errorf("second dispatch = %+v, answer %+v", d, run)
	}
}
