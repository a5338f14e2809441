package testenv

// Workflow dispatches on the GitHub stand-in: what Backstage's
// github:actions:dispatch scaffolder action (scaffolder-backend-module-github
// 0.10.0) calls. That action sends only this one request (octokit's
// rest.actions.createWorkflowDispatch; no GET of the repository first), with
// the integration token as "Authorization: token ...".

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
)

// GitHubDispatch is one workflow dispatch the stand-in received (operation
// actions/create-workflow-dispatch).
type GitHubDispatch struct {
	Owner, Repo string
	// Workflow is the workflow_id path parameter: a file name such as
	// "deploy.yaml", or a numeric ID as a string.
	Workflow string
	// Ref is the branch or tag the workflow runs on.
	Ref string
	// Inputs are the workflow inputs as sent (nil when the request had none).
	Inputs map[string]any
	// ReturnRunDetails is the request's return_run_details.
	ReturnRunDetails bool
	// RunID is the workflow run ID the stand-in answered with when
	// ReturnRunDetails was set, 0 otherwise.
	RunID int64
	// RunURL and HTMLURL are the run's API and web URLs as answered (empty
	// unless ReturnRunDetails).
	RunURL, HTMLURL string
}

// Dispatches returns the workflow dispatches received so far, oldest first.
func (g *GitHubServer) Dispatches() []GitHubDispatch {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := make([]GitHubDispatch, len(g.dispatches))
	for i, d := range g.dispatches {
		out[i] = d
		out[i].Inputs = maps.Clone(d.Inputs)
	}
	return out
}

// dispatchLocked records a validated create-workflow-dispatch request and
// answers as GitHub does: 204 with no body, or, when the request asks for
// return_run_details, 200 with a workflow-dispatch-response (workflow_run_id,
// run_url, html_url). g.mu is held.
func (g *GitHubServer) dispatchLocked(w http.ResponseWriter, r *http.Request, params map[string]string) {
	var req struct {
		Ref              string         `json:"ref"`
		Inputs           map[string]any `json:"inputs"`
		ReturnRunDetails bool           `json:"return_run_details"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		// The oracle validated the body already; this is a stand-in bug.
		ghError(w, http.StatusBadRequest, "Problems parsing JSON")
		return
	}
	d := GitHubDispatch{Owner: params["owner"], Repo: params["repo"], Workflow: params["workflow_id"],
		Ref: req.Ref, Inputs: req.Inputs, ReturnRunDetails: req.ReturnRunDetails}
	if !req.ReturnRunDetails {
		g.dispatches = append(g.dispatches, d)
		w.WriteHeader(http.StatusNoContent)
		return
	}
	g.nextID++
	d.RunID = 9000000000 + g.nextID // run IDs beyond 32 bits, as GitHub's are now
	repoPath := url.PathEscape(d.Owner) + "/" + url.PathEscape(d.Repo)
	d.RunURL = fmt.Sprintf("https://api.github.com/repos/%s/actions/runs/%d", repoPath, d.RunID)
	d.HTMLURL = fmt.Sprintf("https://github.com/%s/actions/runs/%d", repoPath, d.RunID)
	g.dispatches = append(g.dispatches, d)
	ghJSON(w, http.StatusOK, nil, map[string]any{"workflow_run_id": d.RunID, "run_url": d.RunURL, "html_url": d.HTMLURL})
}
