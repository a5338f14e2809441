package testenv

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// IAMRequest is one request for IAM's decision: who calls which action on
// which resource, with which request context.
type IAMRequest struct {
	Principal string            `json:"principal"` // the caller's ARN (an assumed role's session, an OIDC provider)
	Action    string            `json:"action"`    // service:Action, as IAM names it
	Resource  string            `json:"resource"`  // the ARN IAM authorizes, or "*"
	Account   string            `json:"account"`   // the resource's account
	Context   map[string]string `json:"context,omitempty"`
}

// IAMDecision is the evaluator's answer.
type IAMDecision struct {
	Result    string   // "Allowed", "ImplicitlyDenied" or "ExplicitlyDenied"
	AllowedBy []string // Sids of the statements that allowed it
}

// Allowed reports whether the request is allowed.
func (d IAMDecision) Allowed() bool { return d.Result == "Allowed" }

// IAMSimulator is an IAM policy evaluator: @cloud-copilot/iam-simulate
// (AWS's documented evaluation logic over the Service Authorization
// Reference's actions, resource types and condition keys), in one node
// process (test/iam/simulate.js) for the test. moto checks only actions;
// this decides resources and conditions too.
type IAMSimulator struct {
	t      testing.TB
	mu     sync.Mutex
	in     io.WriteCloser
	out    *bufio.Scanner
	next   int
	stderr *bytes.Buffer
}

// StartIAMSimulator installs test/iam and starts its evaluator; it stops
// when the test ends. Without node, the test fails in CI and is skipped,
// loudly, elsewhere.
func StartIAMSimulator(t testing.TB) *IAMSimulator {
	t.Helper()
	dir := NPM(t, "test/iam")
	if t.Skipped() || t.Failed() {
		return nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, "node", filepath.Join(dir, "simulate.js"))
	cmd.Dir = dir
	in, err := cmd.StdinPipe()
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	s := &IAMSimulator{t: t, in: in, out: bufio.NewScanner(out), stderr: &bytes.Buffer{}}
	s.out.Buffer(make([]byte, 64<<10), 16<<20)
	cmd.Stderr = s.stderr
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Start(); err != nil {
		cancel()
		unavailable(t, inCI(), fmt.Sprintf("cannot start the IAM simulator: %v", err))
		return nil
	}
	t.Cleanup(func() {
		in.Close()
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
		}
		cancel()
	})
	if !s.out.Scan() {
		t.Fatalf("testenv: IAM simulator did not start: %v\n%s", s.out.Err(), tail(s.stderr.Bytes(), 4<<10))
	}
	return s
}

// Decide evaluates req against identity policies (the caller's), with
// IAM's evaluation logic. The request must be valid for the action (its
// resource of a type the action takes, its context keys ones the action
// knows): a request the evaluator rejects or whose keys it would ignore is
// an error, so that a wrong mapping can never pass as Allowed or Denied.
func (s *IAMSimulator) Decide(req IAMRequest, policies map[string]json.RawMessage) (IAMDecision, error) {
	type named struct {
		Name   string          `json:"name"`
		Policy json.RawMessage `json:"policy"`
	}
	var list []named
	for name, p := range policies {
		list = append(list, named{name, p})
	}
	return s.ask(map[string]any{"principal": req.Principal, "action": req.Action, "resource": req.Resource,
		"account": req.Account, "context": req.Context, "identityPolicies": list})
}

// DecideTrust evaluates a role trust policy for a federated caller (an
// OIDC provider's ARN as req.Principal, the token's claims as
// "PROVIDERHOST:claim" context keys, the role as req.Resource). It runs the
// same engine without the Service Authorization Reference's key filter,
// which lists GitHub's extra claim keys but not :sub and :aud (see
// test/iam/simulate.js).
func (s *IAMSimulator) DecideTrust(req IAMRequest, trustPolicy json.RawMessage) (IAMDecision, error) {
	return s.ask(map[string]any{"trust": true, "principal": req.Principal, "action": req.Action, "resource": req.Resource,
		"account": req.Account, "context": req.Context, "resourcePolicy": trustPolicy})
}

func (s *IAMSimulator) ask(msg map[string]any) (IAMDecision, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.next++
	msg["id"] = s.next
	b, err := json.Marshal(msg)
	if err != nil {
		return IAMDecision{}, err
	}
	if _, err := s.in.Write(append(b, '\n')); err != nil {
		return IAMDecision{}, fmt.Errorf("IAM simulator: %w\n%s", err, tail(s.stderr.Bytes(), 4<<10))
	}
	if !s.out.Scan() {
		return IAMDecision{}, fmt.Errorf("IAM simulator stopped: %v\n%s", s.out.Err(), tail(s.stderr.Bytes(), 4<<10))
	}
	var ans struct {
		ID        int      `json:"id"`
		Result    string   `json:"result"`
		AllowedBy []string `json:"allowedBy"`
		Ignored   []string `json:"ignoredContextKeys"`
		Error     string   `json:"error"`
	}
	if err := json.Unmarshal(s.out.Bytes(), &ans); err != nil {
		return IAMDecision{}, fmt.Errorf("IAM simulator answer %q: %w", s.out.Text(), err)
	}
	switch {
	case ans.ID != s.next:
		return IAMDecision{}, fmt.Errorf("IAM simulator answered request %d, want %d", ans.ID, s.next)
	case ans.Error != "":
		return IAMDecision{}, fmt.Errorf("IAM simulator rejected %s on %s: %s", msg["action"], msg["resource"], ans.Error)
	case len(ans.Ignored) > 0:
		return IAMDecision{}, fmt.Errorf("IAM simulator ignored context keys %v of %s (not keys of the action in the Service Authorization Reference)", ans.Ignored, msg["action"])
	}
	return IAMDecision{Result: ans.Result, AllowedBy: ans.AllowedBy}, nil
}
