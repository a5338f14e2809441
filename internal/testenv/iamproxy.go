package testenv

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"regexp"
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
	Err       string       // why the call could not be mapped or decided
	Status    int          // the status answered to the client
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

// StartIAMProxy starts a recording proxy in front of moto; it stops when
// the test ends. It enforces nothing until Enforce.
func StartIAMProxy(t testing.TB, m *Moto, sim *IAMSimulator) *IAMProxy {
	t.Helper()
	target, err := url.Parse(m.URL)
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
	r = r.WithContext(context.WithValue(r.Context(), bodyKey{}, body))
	call, signed, err := parseAWSCall(r, body)
	rec := IAMCall{Operation: call.service + ":" + call.operation}
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
	p.calls = append(p.calls, rec)
	p.mu.Unlock()
}

// learn reads what later decisions need from moto's answers: the
// deployment group of each CodeDeploy deployment.
func (p *IAMProxy) learn(resp *http.Response) error {
	target := resp.Request.Header.Get("X-Amz-Target")
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
