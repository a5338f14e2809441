package testenv

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// GitHubOpenAPIFile is GitHub's official REST API description inside the
// npm project test/github (@octokit/openapi, OpenAPI 3.0.3, ~13 MB).
const GitHubOpenAPIFile = "node_modules/@octokit/openapi/generated/api.github.com.json"

// GitHubOracle validates HTTP requests to GitHub's REST API, and the
// answers to them, against GitHub's official description.
type GitHubOracle struct {
	Doc      *openapi3.T
	LoadTime time.Duration // reading and resolving the 13 MB document (once per test binary)
	router   routers.Router
	basicErr *openapi3.Schema
}

var githubOracle struct {
	sync.Mutex
	oracle *GitHubOracle
	err    error
}

// GitHubOpenAPI returns the oracle, loading the description the first time
// a test of this binary asks (about 3 s: kin-openapi's JSON decoding of the
// document is most of it). test/github is installed through
// scripts/npm-install.sh; without node/npm the test skips loudly, or fails
// under CI=true.
func GitHubOpenAPI(t testing.TB) *GitHubOracle {
	t.Helper()
	dir := NPM(t, "test/github")
	githubOracle.Lock()
	defer githubOracle.Unlock()
	if githubOracle.oracle == nil && githubOracle.err == nil {
		githubOracle.oracle, githubOracle.err = loadGitHubOracle(filepath.Join(dir, GitHubOpenAPIFile))
		if githubOracle.err == nil {
			t.Logf("testenv: GitHub's OpenAPI description loaded in %v", githubOracle.oracle.LoadTime.Round(time.Millisecond))
		}
	}
	if githubOracle.err != nil {
		t.Fatalf("testenv: %v", githubOracle.err)
	}
	return githubOracle.oracle
}

func loadGitHubOracle(path string) (*GitHubOracle, error) {
	start := time.Now()
	doc, err := openapi3.NewLoader().LoadFromFile(path)
	if err != nil {
		return nil, fmt.Errorf("loading %s: %w", path, err)
	}
	loaded := time.Since(start)
	// The document itself does not pass kin-openapi's doc.Validate (an
	// example of the wrong type, path templates it deems conflicting); the
	// router and the request/response validators do not need it to.
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("routing %s: %w", path, err)
	}
	be := doc.Components.Schemas["basic-error"]
	if be == nil || be.Value == nil {
		return nil, fmt.Errorf("%s has no basic-error schema", path)
	}
	return &GitHubOracle{Doc: doc, LoadTime: loaded, router: router, basicErr: be.Value}, nil
}

// ValidateRequest checks r (sent to any host: its path is matched as if it
// went to api.github.com, after removing prefix) against the description:
// route, path and query parameters, and JSON body. It returns the route
// for ValidateResponse; r's body can be read again afterwards.
func (o *GitHubOracle) ValidateRequest(r *http.Request, prefix string) (*openapi3filter.RequestValidationInput, error) {
	u := *r.URL
	u.Scheme, u.Host = "https", "api.github.com"
	u.Path = "/" + strings.TrimPrefix(strings.TrimPrefix(u.Path, prefix), "/")
	u.RawPath = ""
	routed := r.Clone(r.Context())
	routed.URL, routed.Host, routed.RequestURI = &u, u.Host, ""
	route, params, err := o.router.FindRoute(routed)
	if err != nil {
		return nil, fmt.Errorf("%s %s is not an operation of GitHub's REST API: %w", r.Method, u.Path, err)
	}
	var body []byte
	if r.Body != nil {
		body, _ = io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	routed.Body = io.NopCloser(bytes.NewReader(body))
	in := &openapi3filter.RequestValidationInput{Request: routed, PathParams: params, Route: route,
		Options: &openapi3filter.Options{MultiError: true, AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}}
	if err := openapi3filter.ValidateRequest(r.Context(), in); err != nil {
		return in, fmt.Errorf("%s %s (%s) breaks GitHub's description: %w", r.Method, u.Path, route.Operation.OperationID, err)
	}
	return in, nil
}

// ValidateResponse checks an answer to a validated request. A status the
// operation does not document (GitHub's description leaves out many error
// answers) must still have a basic-error body.
func (o *GitHubOracle) ValidateResponse(req *openapi3filter.RequestValidationInput, status int, header http.Header, body []byte) error {
	op := req.Route.Operation
	if op.Responses.Status(status) == nil && op.Responses.Default() == nil {
		var v any
		if err := json.Unmarshal(body, &v); err != nil {
			return fmt.Errorf("%s answered %d (undocumented) with a body that is not JSON: %w", op.OperationID, status, err)
		}
		if err := o.basicErr.VisitJSON(v); err != nil {
			return fmt.Errorf("%s answered %d (undocumented) with a body that is not a basic-error: %w", op.OperationID, status, err)
		}
		return nil
	}
	err := openapi3filter.ValidateResponse(context.Background(), &openapi3filter.ResponseValidationInput{
		RequestValidationInput: req, Status: status, Header: header, Body: io.NopCloser(bytes.NewReader(body)),
		Options: &openapi3filter.Options{MultiError: true, IncludeResponseStatus: true},
	})
	if err != nil {
		return fmt.Errorf("%s answered %d against GitHub's description: %w", op.OperationID, status, err)
	}
	return nil
}

// GitHubServer is a small stateful stand-in for the part of GitHub's REST API
// that stagecrew's reporter calls: issue comments (list with pagination,
// create, edit) and check runs (create). It exists because no real GitHub is
// reachable from tests and GitHub offers no local server; what keeps it
// honest is the oracle: every request it receives AND every answer it gives
// is validated against GitHub's official OpenAPI description, and any
// violation fails the test that started it.
type GitHubServer struct {
	URL    string // the API base URL, as GITHUB_API_URL would hold it
	Token  string // the token requests must carry
	Oracle *GitHubOracle
	prefix string

	mu         sync.Mutex
	nextID     int64
	comments   []*GitHubComment
	checkRuns  []map[string]any
	dispatches []GitHubDispatch
	repos      map[string]*ghRepo
	deny       map[string]bool // "comments", "checks"
	faults     []githubFault
	requests   []string
	violations []string
}

// GitHubComment is an issue comment the server holds.
type GitHubComment struct {
	ID       int64
	Issue    int
	Login    string
	UserType string // "User" or "Bot"
	Body     string
	Created  time.Time
	Updated  time.Time
}

type githubFault struct {
	status int
	header http.Header
	body   string
}

// GitHubOptions configure StartGitHub.
type GitHubOptions struct {
	// PathPrefix serves the API under a path, as GitHub Enterprise Server
	// does ("/api/v3").
	PathPrefix string
}

// StartGitHub starts the stand-in for the test, with the oracle loaded.
func StartGitHub(t testing.TB, opts GitHubOptions) *GitHubServer {
	t.Helper()
	g := &GitHubServer{Token: "ghs_testtoken0123456789", Oracle: GitHubOpenAPI(t), prefix: strings.TrimSuffix(opts.PathPrefix, "/"),
		nextID: 1000, deny: map[string]bool{}}
	srv := httptest.NewServer(http.HandlerFunc(g.serve))
	g.URL = srv.URL + g.prefix + "/"
	t.Cleanup(func() {
		srv.Close()
		for _, v := range g.Violations() {
			t.Errorf("GitHub stand-in: %s", v)
		}
	})
	return g
}

// AddComment adds a comment by login to the issue or pull request, and
// returns its id.
func (g *GitHubServer) AddComment(issue int, login, userType, body string) int64 {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.addLocked(issue, login, userType, body).ID
}

func (g *GitHubServer) addLocked(issue int, login, userType, body string) *GitHubComment {
	g.nextID++
	now := time.Now().UTC().Truncate(time.Second)
	c := &GitHubComment{ID: g.nextID, Issue: issue, Login: login, UserType: userType, Body: body, Created: now, Updated: now}
	g.comments = append(g.comments, c)
	return c
}

// Comments returns copies of the issue's comments, oldest first.
func (g *GitHubServer) Comments(issue int) []GitHubComment {
	g.mu.Lock()
	defer g.mu.Unlock()
	var out []GitHubComment
	for _, c := range g.comments {
		if c.Issue == issue {
			out = append(out, *c)
		}
	}
	return out
}

// CheckRuns returns the check runs created, as GitHub answered them.
func (g *GitHubServer) CheckRuns() []map[string]any {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]map[string]any(nil), g.checkRuns...)
}

// Deny makes the token lack a permission: "comments" or "checks" calls are
// answered 403 "Resource not accessible by integration".
func (g *GitHubServer) Deny(what string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.deny[what] = true
}

// FailNext answers the next request with status, header and a JSON body
// holding message (after validating the request as usual).
func (g *GitHubServer) FailNext(status int, header http.Header, message, documentationURL string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	b, _ := json.Marshal(map[string]string{"message": message, "documentation_url": documentationURL, "status": strconv.Itoa(status)})
	g.faults = append(g.faults, githubFault{status: status, header: header, body: string(b)})
}

// Requests lists "METHOD path?query" of every request received.
func (g *GitHubServer) Requests() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]string(nil), g.requests...)
}

// Violations lists the requests and answers that broke GitHub's description.
func (g *GitHubServer) Violations() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]string(nil), g.violations...)
}

func (g *GitHubServer) violate(format string, args ...any) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.violations = append(g.violations, fmt.Sprintf(format, args...))
}

func (g *GitHubServer) serve(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	g.requests = append(g.requests, r.Method+" "+r.URL.RequestURI())
	g.mu.Unlock()
	in, err := g.Oracle.ValidateRequest(r, g.prefix)
	if err != nil {
		g.violate("%v", err)
		status := http.StatusUnprocessableEntity
		if in == nil {
			status = http.StatusNotFound
		}
		ghJSON(w, status, nil, map[string]string{"message": err.Error(), "documentation_url": "https://docs.github.com/rest"})
		return
	}
	rec := httptest.NewRecorder()
	g.handle(rec, r, in.Route.Operation.OperationID, in.PathParams)
	if err := g.Oracle.ValidateResponse(in, rec.Code, rec.Header(), rec.Body.Bytes()); err != nil {
		g.violate("%v", err)
	}
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	w.Write(rec.Body.Bytes())
}

func ghJSON(w http.ResponseWriter, status int, header http.Header, v any) {
	for k, vs := range header {
		w.Header()[k] = vs
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func ghError(w http.ResponseWriter, status int, message string) {
	ghJSON(w, status, nil, map[string]string{"message": message, "documentation_url": "https://docs.github.com/rest", "status": strconv.Itoa(status)})
}

// handle answers one validated request, by operation id.
func (g *GitHubServer) handle(w http.ResponseWriter, r *http.Request, op string, params map[string]string) {
	// GitHub takes both schemes; octokit sends "token" for non-JWT tokens.
	if auth := r.Header.Get("Authorization"); auth != "Bearer "+g.Token && auth != "token "+g.Token {
		ghError(w, http.StatusUnauthorized, "Bad credentials")
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.faults) > 0 {
		f := g.faults[0]
		g.faults = g.faults[1:]
		for k, vs := range f.header {
			w.Header()[k] = vs
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(f.status)
		io.WriteString(w, f.body)
		return
	}
	owner, repo := params["owner"], params["repo"]
	var body struct {
		Body string `json:"body"`
	}
	switch op {
	case "issues/list-comments", "issues/create-comment", "issues/update-comment":
		if g.deny["comments"] {
			ghError(w, http.StatusForbidden, "Resource not accessible by integration")
			return
		}
	case "checks/create":
		if g.deny["checks"] {
			ghError(w, http.StatusForbidden, "Resource not accessible by integration")
			return
		}
	}
	switch op {
	case "issues/list-comments":
		issue, _ := strconv.Atoi(params["issue_number"])
		var all []*GitHubComment
		for _, c := range g.comments {
			if c.Issue == issue {
				all = append(all, c)
			}
		}
		perPage, page := queryInt(r, "per_page", 30), queryInt(r, "page", 1)
		last := max(1, (len(all)+perPage-1)/perPage)
		lo, hi := min(len(all), (page-1)*perPage), min(len(all), page*perPage)
		items := []any{}
		for _, c := range all[lo:hi] {
			items = append(items, commentJSON(owner, repo, c))
		}
		h := http.Header{}
		if page < last {
			link := func(p int) string {
				q := r.URL.Query()
				q.Set("page", strconv.Itoa(p))
				return fmt.Sprintf("<http://%s%s?%s>", r.Host, r.URL.Path, q.Encode())
			}
			h.Set("Link", fmt.Sprintf(`%s; rel="next", %s; rel="last"`, link(page+1), link(last)))
		}
		ghJSON(w, http.StatusOK, h, items)
	case "issues/create-comment", "issues/update-comment":
		json.NewDecoder(r.Body).Decode(&body)
		// Not in the description, but GitHub's answer to a longer body.
		if n := utf8.RuneCountInString(body.Body); n > 65536 {
			g.violations = append(g.violations, fmt.Sprintf("%s: body of %d characters; GitHub refuses more than 65536", op, n))
			ghJSON(w, http.StatusUnprocessableEntity, nil, map[string]any{"message": "Validation Failed",
				"documentation_url": "https://docs.github.com/rest", "errors": []any{map[string]string{"resource": "IssueComment", "code": "custom", "field": "body", "message": "body is too long (maximum is 65536 characters)"}}})
			return
		}
		if op == "issues/create-comment" {
			issue, _ := strconv.Atoi(params["issue_number"])
			c := g.addLocked(issue, "github-actions[bot]", "Bot", body.Body)
			ghJSON(w, http.StatusCreated, http.Header{"Location": {fmt.Sprintf("https://api.github.com/repos/%s/%s/issues/comments/%d", owner, repo, c.ID)}}, commentJSON(owner, repo, c))
			return
		}
		id, _ := strconv.ParseInt(params["comment_id"], 10, 64)
		for _, c := range g.comments {
			if c.ID == id {
				c.Body, c.Updated = body.Body, time.Now().UTC().Truncate(time.Second)
				ghJSON(w, http.StatusOK, nil, commentJSON(owner, repo, c))
				return
			}
		}
		ghError(w, http.StatusNotFound, "Not Found")
	case "checks/create":
		var req map[string]any
		json.NewDecoder(r.Body).Decode(&req)
		g.nextID++
		ghJSON(w, http.StatusCreated, nil, g.checkRunLocked(owner, repo, g.nextID, req))
	case "actions/create-workflow-dispatch":
		g.dispatchLocked(w, r, params)
	case "repos/get", "repos/get-branch", "git/get-tree", "git/get-blob":
		g.repoContentLocked(w, r, op, params)
	default:
		ghError(w, http.StatusNotFound, "Not Found (the stand-in does not serve "+op+")")
	}
}

func queryInt(r *http.Request, name string, def int) int {
	if n, err := strconv.Atoi(r.URL.Query().Get(name)); err == nil && n > 0 {
		return n
	}
	return def
}

func githubUser(login, typ string, id int64) map[string]any {
	api := "https://api.github.com/users/" + url.PathEscape(login)
	return map[string]any{
		"login": login, "id": id, "node_id": fmt.Sprintf("MDQ6VXNlcj%d", id), "type": typ, "site_admin": false,
		"avatar_url": fmt.Sprintf("https://avatars.githubusercontent.com/u/%d?v=4", id), "gravatar_id": "",
		"url": api, "html_url": "https://github.com/" + url.PathEscape(login),
		"followers_url": api + "/followers", "following_url": api + "/following{/other_user}", "gists_url": api + "/gists{/gist_id}",
		"starred_url": api + "/starred{/owner}{/repo}", "subscriptions_url": api + "/subscriptions", "organizations_url": api + "/orgs",
		"repos_url": api + "/repos", "events_url": api + "/events{/privacy}", "received_events_url": api + "/received_events",
	}
}

func commentJSON(owner, repo string, c *GitHubComment) map[string]any {
	api := fmt.Sprintf("https://api.github.com/repos/%s/%s", owner, repo)
	assoc := "NONE"
	if c.UserType == "User" {
		assoc = "CONTRIBUTOR"
	}
	return map[string]any{
		"id": c.ID, "node_id": fmt.Sprintf("IC_kwDO%d", c.ID), "url": fmt.Sprintf("%s/issues/comments/%d", api, c.ID),
		"html_url":  fmt.Sprintf("https://github.com/%s/%s/pull/%d#issuecomment-%d", owner, repo, c.Issue, c.ID),
		"issue_url": fmt.Sprintf("%s/issues/%d", api, c.Issue), "body": c.Body,
		"user":       githubUser(c.Login, c.UserType, 41898282+int64(len(c.Login))),
		"created_at": c.Created.Format(time.RFC3339), "updated_at": c.Updated.Format(time.RFC3339),
		"author_association": assoc,
	}
}

// checkRunLocked stores and returns the check run GitHub would answer for
// req, the created check run's fields as the request gave them.
func (g *GitHubServer) checkRunLocked(owner, repo string, id int64, req map[string]any) map[string]any {
	str := func(k string) any {
		if v, ok := req[k].(string); ok {
			return v
		}
		return nil
	}
	now := time.Now().UTC().Format(time.RFC3339)
	status, conclusion := str("status"), str("conclusion")
	if conclusion != nil {
		status = "completed"
	}
	if status == nil {
		status = "queued"
	}
	started := str("started_at")
	if started == nil {
		started = now
	}
	completed := str("completed_at")
	if status == "completed" && completed == nil {
		completed = now
	}
	out, _ := req["output"].(map[string]any)
	output := map[string]any{"title": nil, "summary": nil, "text": nil, "annotations_count": 0,
		"annotations_url": fmt.Sprintf("https://api.github.com/repos/%s/%s/check-runs/%d/annotations", owner, repo, id)}
	for _, k := range []string{"title", "summary", "text"} {
		if v, ok := out[k].(string); ok {
			output[k] = v
		}
	}
	app := map[string]any{
		"id": 15368, "slug": "github-actions", "node_id": "MDM6QXBwMTUzNjg=", "owner": githubUser("github", "Organization", 9919),
		"name": "GitHub Actions", "description": "Automate your workflow from idea to production", "external_url": "https://help.github.com/en/actions",
		"html_url": "https://github.com/apps/github-actions", "created_at": "2018-07-30T09:30:17Z", "updated_at": "2019-12-10T19:04:12Z",
		"permissions": map[string]any{"checks": "write", "issues": "write", "pull_requests": "write", "metadata": "read"},
		"events":      []any{"check_run", "issue_comment", "pull_request"},
	}
	cr := map[string]any{
		"id": id, "node_id": fmt.Sprintf("CR_kwDO%d", id), "head_sha": str("head_sha"), "name": str("name"),
		"external_id": str("external_id"), "details_url": str("details_url"),
		"url":      fmt.Sprintf("https://api.github.com/repos/%s/%s/check-runs/%d", owner, repo, id),
		"html_url": fmt.Sprintf("https://github.com/%s/%s/runs/%d", owner, repo, id),
		"status":   status, "conclusion": conclusion, "started_at": started, "completed_at": completed,
		"output": output, "check_suite": map[string]any{"id": 5000 + id}, "app": app, "pull_requests": []any{},
	}
	g.checkRuns = append(g.checkRuns, cr)
	return cr
}
