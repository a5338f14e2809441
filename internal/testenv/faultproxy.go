package testenv

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync"
	"testing"
	"time"
)

// Fault is what FaultProxy does with one request. The zero Fault forwards
// it.
type Fault struct {
	// Status, when not 0, answers with this status and Body instead of
	// forwarding.
	Status int
	Body   string
	// Reset closes the connection with a TCP RST and answers nothing.
	Reset bool
	// Hang holds the request without answering until the client gives up
	// (or the proxy closes).
	Hang bool
	// Delay waits this long first, then does the rest.
	Delay time.Duration
}

// String names the fault for logs.
func (f Fault) String() string {
	var s string
	switch {
	case f.Reset:
		s = "reset"
	case f.Hang:
		s = "hang"
	case f.Status != 0:
		s = fmt.Sprint(f.Status)
	default:
		s = "pass"
	}
	if f.Delay > 0 {
		s = fmt.Sprintf("delay %v, %s", f.Delay, s)
	}
	return s
}

// STSError is an STS query-protocol error answer, as STS sends it.
func STSError(status int, typ, code, message string) Fault {
	return Fault{Status: status, Body: fmt.Sprintf(`<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <Error>
    <Type>%s</Type>
    <Code>%s</Code>
    <Message>%s</Message>
  </Error>
  <RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId>
</ErrorResponse>
`, typ, code, message)}
}

// Faults of STS, with the status, type, code and message STS answers.
var (
	Pass                 = Fault{}
	Throttle             = STSError(400, "Sender", "Throttling", "Rate exceeded")
	Internal500          = STSError(500, "Receiver", "InternalFailure", "An internal error occurred")
	Unavailable503       = STSError(503, "Receiver", "ServiceUnavailable", "Service is unavailable")
	AccessDenied         = STSError(403, "Sender", "AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity")
	InvalidIdentityToken = STSError(400, "Sender", "InvalidIdentityToken", "No OpenIDConnect provider found in your account for https://token.actions.githubusercontent.com")
	Reset                = Fault{Reset: true}
	Hang                 = Fault{Hang: true}
)

// FaultProxy is a reverse proxy in front of a server (moto) that applies a
// script of faults, one per request in order, and forwards every request
// after the script runs out. It counts the requests.
type FaultProxy struct {
	URL string

	mu     sync.Mutex
	script []Fault
	log    []string
	done   chan struct{}
}

// StartFaultProxy starts a proxy to target on a loopback port for the test.
func StartFaultProxy(t testing.TB, target string, script ...Fault) *FaultProxy {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatalf("testenv: fault proxy target %q: %v", target, err)
	}
	p := &FaultProxy{script: script, done: make(chan struct{})}
	rp := httputil.NewSingleHostReverseProxy(u)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f := p.next(r)
		if f.Delay > 0 {
			select {
			case <-time.After(f.Delay):
			case <-r.Context().Done():
				return
			case <-p.done:
				return
			}
		}
		switch {
		case f.Reset:
			reset(w)
		case f.Hang:
			select {
			case <-r.Context().Done():
			case <-p.done:
			}
		case f.Status != 0:
			w.Header().Set("Content-Type", "text/xml")
			w.WriteHeader(f.Status)
			_, _ = w.Write([]byte(f.Body))
		default:
			rp.ServeHTTP(w, r)
		}
	}))
	t.Cleanup(func() {
		close(p.done)
		srv.CloseClientConnections()
		srv.Close()
	})
	p.URL = srv.URL
	return p
}

// SetScript replaces the faults still to come.
func (p *FaultProxy) SetScript(script ...Fault) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.script = script
}

// Requests counts the requests the proxy received.
func (p *FaultProxy) Requests() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.log)
}

// Log lists, per request received, the fault applied ("pass", "reset",
// "400", ...).
func (p *FaultProxy) Log() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.log...)
}

func (p *FaultProxy) next(*http.Request) Fault {
	p.mu.Lock()
	defer p.mu.Unlock()
	var f Fault
	if len(p.script) > 0 {
		f, p.script = p.script[0], p.script[1:]
	}
	p.log = append(p.log, f.String())
	return f
}

// reset hijacks the connection and closes it with SO_LINGER 0, so the client
// reads "connection reset by peer".
func reset(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}
