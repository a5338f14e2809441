package testenv

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// SFNError is an error answer of an AWS JSON-protocol service (Step
// Functions), as the service sends it, for a FaultProxy script.
func SFNError(status int, code, message string) Fault {
	return Fault{Status: status, Body: fmt.Sprintf(`{"__type":"%s","message":"%s"}`, code, message)}
}

// Faults of Step Functions (JSON protocol).
var (
	SFNThrottle       = SFNError(400, "ThrottlingException", "Rate exceeded")
	SFNInternal500    = SFNError(500, "InternalFailure", "An internal error occurred")
	SFNUnavailable503 = SFNError(503, "ServiceUnavailable", "Service is unavailable")
)

// LossyProxy forwards every request to its target and, for requests that
// Lose selects, waits for the target's answer and then resets the
// connection instead of passing the answer on: the request took effect,
// the client never learns it. It models a network error between a start
// and its response.
type LossyProxy struct {
	URL string

	mu    sync.Mutex
	lose  func(op string, n int) bool
	ops   map[string]int
	lost  []string
	calls []string
}

// AWSOperation is the operation a JSON-protocol AWS request names in its
// X-Amz-Target header ("StartExecution"), or "".
func AWSOperation(r *http.Request) string {
	t := r.Header.Get("X-Amz-Target")
	if i := strings.LastIndex(t, "."); i >= 0 {
		return t[i+1:]
	}
	return t
}

// StartLossyProxy starts a LossyProxy to target. lose is called with the
// operation of each request and how many requests of that operation came
// before it (0 for the first).
func StartLossyProxy(t testing.TB, target string, lose func(op string, n int) bool) *LossyProxy {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatalf("testenv: lossy proxy target %q: %v", target, err)
	}
	p := &LossyProxy{lose: lose, ops: map[string]int{}}
	rp := httputil.NewSingleHostReverseProxy(u)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		op := AWSOperation(r)
		p.mu.Lock()
		n := p.ops[op]
		p.ops[op]++
		drop := p.lose != nil && p.lose(op, n)
		p.calls = append(p.calls, op)
		if drop {
			p.lost = append(p.lost, op)
		}
		p.mu.Unlock()
		if !drop {
			rp.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		rp.ServeHTTP(rec, r) // the target handles it ...
		reset(w)             // ... and the client gets a connection reset
	}))
	t.Cleanup(func() {
		srv.CloseClientConnections()
		srv.Close()
	})
	p.URL = srv.URL
	return p
}

// Lost lists the operations whose answers were dropped.
func (p *LossyProxy) Lost() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.lost...)
}

// Calls lists the operations of every request, in order.
func (p *LossyProxy) Calls() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.calls...)
}
