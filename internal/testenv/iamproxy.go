package testenv

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// IAMCall is one AWS call that crossed an IAMProxy, with IAM's decision on
// each request it makes.
type IAMCall struct {
	Operation string       // signing name and operation, e.g. "ecs:UpdateService"
	Requests  []IAMRequest // what IAM authorizes for it (empty: needs nothing)
	Denied    *IAMRequest  // the request the evaluator denied, when enforcing
	// MotoDenied: the call reached moto, whose own IAM check refused it
	// (see Moto.EnforceIAM). moto answers JSON-protocol services with an
	// XML AccessDenied the SDKs cannot decode; the proxy passes it on as
	// the AccessDeniedException AWS sends.
	MotoDenied bool
	Err        string // why the call could not be mapped or decided
	Status     int    // the status answered to the client
}

// IAMProxy stands between AWS clients and moto and decides every call with
// an IAMSimulator, as IAM would, against the identity policies it is told
// to enforce: the resource and condition checks moto does not make (see
// Moto.EnforceIAM). A denied call is answered with AWS's
// AccessDeniedException and never reaches moto; every call is recorded.
//
// Unsigned calls (STS AssumeRoleWithWebIdentity) are forwarded unchecked:
// they are the trust policy's business (IAMSimulator.DecideTrust).
type IAMProxy struct {
	URL string

	t   testing.TB
	sim *IAMSimulator

	mu          sync.Mutex
	calls       []IAMCall
	principal   string
	account     string
	policies    map[string]json.RawMessage // nil: record only
	deployments map[string]string          // CodeDeploy deployment ID -> deployment group ARN
}

// StartIAMProxy starts a recording proxy in front of target (moto's URL,
// or a stand-in's in front of moto); it stops when the test ends. It
// enforces nothing until Enforce.
func StartIAMProxy(t testing.TB, targetURL string, sim *IAMSimulator) *IAMProxy {
	t.Helper()
	target, err := url.Parse(targetURL)
	if err != nil {
		t.Fatal(err)
	}
	p := &IAMProxy{t: t, sim: sim, deployments: map[string]string{}}
	rp := httputil.NewSingleHostReverseProxy(target)
	rp.ModifyResponse = p.learn
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.serve(w, r, rp)
	}))
	t.Cleanup(srv.Close)
	p.URL = srv.URL
	return p
}

// Enforce makes the proxy decide every signed call as made by principal
// (an assumed role's session ARN) in account, with policies (name ->
// policy document) as its identity policies. A nil map stops enforcing.
func (p *IAMProxy) Enforce(principal, account string, policies map[string]json.RawMessage) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.principal, p.account, p.policies = principal, account, policies
}

// Calls returns the calls recorded so far and forgets them.
func (p *IAMProxy) Calls() []IAMCall {
	p.mu.Lock()
	defer p.mu.Unlock()
	c := p.calls
	p.calls = nil
	return c
}

var reCredential = regexp.MustCompile(`Credential=[^/]*/[0-9]{8}/([^/]+)/([^/]+)/aws4_request`)

func (p *IAMProxy) serve(w http.ResponseWriter, r *http.Request, rp *httputil.ReverseProxy) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	call, signed, err := parseAWSCall(r, body)
	rec := &IAMCall{Operation: call.service + ":" + call.operation}
	r = r.WithContext(context.WithValue(context.WithValue(r.Context(), bodyKey{}, body), callKey{}, rec))
	p.mu.Lock()
	principal, account, policies := p.principal, p.account, p.policies
	p.mu.Unlock()

	if err == nil && signed && policies != nil {
		rec.Requests, err = p.iamRequests(call, account)
		for i := range rec.Requests {
			if err != nil {
				break
			}
			rq := rec.Requests[i]
			rq.Principal = principal
			var d IAMDecision
			d, err = p.sim.Decide(rq, policies)
			if err == nil && !d.Allowed() {
				rec.Denied = &rq
			}
			if rec.Denied != nil {
				break
			}
		}
	}
	switch {
	case err != nil:
		rec.Err, rec.Status = err.Error(), http.StatusBadRequest
		writeAWSJSONError(w, rec.Status, "StagecrewTestenvUnmappedOperation", "testenv IAMProxy: "+err.Error())
	case rec.Denied != nil:
		rec.Status = http.StatusBadRequest
		d := rec.Denied
		writeAWSJSONError(w, rec.Status, "AccessDeniedException", fmt.Sprintf(
			"User: %s is not authorized to perform: %s on resource: %s because no identity-based policy allows the %s action",
			d.Principal, d.Action, d.Resource, d.Action))
	default:
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		rp.ServeHTTP(sw, r)
		rec.Status = sw.status
	}
	p.mu.Lock()
	p.calls = append(p.calls, *rec)
	p.mu.Unlock()
}

// learn reads what later decisions need from moto's answers: the
// deployment group of each CodeDeploy deployment.
func (p *IAMProxy) learn(resp *http.Response) error {
	target := resp.Request.Header.Get("X-Amz-Target")
	if resp.StatusCode == http.StatusForbidden && target != "" {
		return p.motoDenied(resp)
	}
	if resp.StatusCode == http.StatusOK && (strings.HasSuffix(target, ".RunTask") || strings.HasSuffix(target, ".DescribeTasks") || strings.HasSuffix(target, ".StopTask")) {
		return fixMotoTaskNumbers(resp)
	}
	if !strings.HasSuffix(target, ".CreateDeployment") || resp.StatusCode != http.StatusOK {
		return nil
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	resp.Body = io.NopCloser(bytes.NewReader(b))
	var out struct {
		DeploymentID string `json:"deploymentId"`
	}
	var in struct{ ApplicationName, DeploymentGroupName string }
	_ = json.Unmarshal(b, &out)
	if req, ok := resp.Request.Context().Value(bodyKey{}).([]byte); ok {
		_ = json.Unmarshal(req, &in)
	}
	if out.DeploymentID != "" {
		m := reCredential.FindStringSubmatch(resp.Request.Header.Get("Authorization"))
		p.mu.Lock()
		if len(m) == 3 {
			p.deployments[out.DeploymentID] = fmt.Sprintf("arn:aws:codedeploy:%s:%s:deploymentgroup:%s/%s", m[1], p.account, in.ApplicationName, in.DeploymentGroupName)
		}
		p.mu.Unlock()
	}
	return nil
}

type bodyKey struct{}

type callKey struct{}

var reXMLError = regexp.MustCompile(`(?s)<Code>([^<]*)</Code>.*?<Message>([^<]*)</Message>`)

// motoDenied turns moto's XML access denial of a JSON-protocol call into
// the JSON AccessDeniedException AWS answers, and records it.
func (p *IAMProxy) motoDenied(resp *http.Response) error {
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	resp.Body.Close()
	m := reXMLError.FindStringSubmatch(string(b))
	if m == nil || !strings.Contains(m[1], "AccessDenied") {
		resp.Body = io.NopCloser(bytes.NewReader(b))
		return nil
	}
	if rec, ok := resp.Request.Context().Value(callKey{}).(*IAMCall); ok {
		rec.MotoDenied = true
	}
	out, _ := json.Marshal(map[string]string{"__type": "AccessDeniedException", "message": html.UnescapeString(m[2])})
	resp.StatusCode, resp.Status = http.StatusBadRequest, "400 Bad Request"
	resp.Header.Set("Content-Type", "application/x-amz-json-1.1")
	resp.Header.Set("X-Amzn-ErrorType", "AccessDeniedException")
	resp.Header.Set("Content-Length", fmt.Sprint(len(out)))
	resp.ContentLength = int64(len(out))
	resp.Body = io.NopCloser(bytes.NewReader(out))
	return nil
}

func (p *IAMProxy) deploymentGroup(id string) (string, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	g, ok := p.deployments[id]
	return g, ok
}

// parseAWSCall reads the service, operation and parameters of a call in the
// JSON protocols (X-Amz-Target) or the query protocol (Action=...).
func parseAWSCall(r *http.Request, body []byte) (awsCall, bool, error) {
	c := awsCall{region: "us-east-1", body: map[string]any{}}
	m := reCredential.FindStringSubmatch(r.Header.Get("Authorization"))
	signed := len(m) == 3
	if signed {
		c.region, c.service = m[1], m[2]
	}
	if target := r.Header.Get("X-Amz-Target"); target != "" {
		_, c.operation, _ = strings.Cut(target, ".")
		if len(body) > 0 {
			if err := json.Unmarshal(body, &c.body); err != nil {
				return c, signed, fmt.Errorf("%s: body is not JSON: %w", target, err)
			}
		}
		return c, signed, nil
	}
	form, err := url.ParseQuery(string(body))
	if err != nil || form.Get("Action") == "" {
		return c, signed, fmt.Errorf("%s %s: neither X-Amz-Target nor a query Action", r.Method, r.URL.Path)
	}
	c.operation = form.Get("Action")
	if !signed && c.operation == "AssumeRoleWithWebIdentity" {
		c.service = "sts"
	}
	for k := range form {
		c.body[k] = form.Get(k)
	}
	return c, signed, nil
}

func writeAWSJSONError(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-ErrorType", code)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"__type": code, "message": message})
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

// fixMotoTaskNumbers works around a moto 5.2.1 bug (pkg/ecs's tests carry
// the same fix): it writes a task's containers[].cpu and .memory as JSON
// numbers, copied from the container definition, where the ECS API has
// strings, and the Go SDK refuses the answer ("expected string, got 0").
func fixMotoTaskNumbers(resp *http.Response) error {
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	resp.Body.Close()
	var doc map[string]any
	if json.Unmarshal(b, &doc) == nil {
		tasks, _ := doc["tasks"].([]any)
		if t, ok := doc["task"]; ok {
			tasks = append(tasks, t)
		}
		for _, t := range tasks {
			tm, _ := t.(map[string]any)
			cs, _ := tm["containers"].([]any)
			for _, c := range cs {
				cm, _ := c.(map[string]any)
				for _, k := range []string{"cpu", "memory", "memoryReservation"} {
					if n, ok := cm[k].(float64); ok {
						cm[k] = strconv.FormatFloat(n, 'f', -1, 64)
					}
				}
			}
		}
		if fixed, err := json.Marshal(doc); err == nil {
			b = fixed
		}
	}
	resp.Header.Set("Content-Length", fmt.Sprint(len(b)))
	resp.ContentLength = int64(len(b))
	resp.Body = io.NopCloser(bytes.NewReader(b))
	return nil
}
