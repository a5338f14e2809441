package testenv

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestFaultProxyAppliesItsScriptInOrder(t *testing.T) {
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "backend")
	}))
	t.Cleanup(backend.Close)
	p := StartFaultProxy(t, backend.URL, Throttle, Unavailable503, Reset, Fault{Delay: 50 * time.Millisecond}, Hang, AccessDenied)
	client := &http.Client{Timeout: 300 * time.Millisecond}

	get := func() (*http.Response, string, error) {
		resp, err := client.Post(p.URL+"/", "application/x-www-form-urlencoded", strings.NewReader("Action=AssumeRoleWithWebIdentity"))
		if err != nil {
			return nil, "", err
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b), nil
	}

	resp, body, err := get()
	if err != nil || resp.StatusCode != 400 || !strings.Contains(body, "<Code>Throttling</Code>") {
		t.Errorf("throttle: %v %v %q", resp, err, body)
	}
	resp, body, err = get()
	if err != nil || resp.StatusCode != 503 {
		t.Errorf("503: %v %v %q", resp, err, body)
	}
	if _, _, err = get(); !errors.Is(err, syscall.ECONNRESET) {
		t.Errorf("reset: err = %v, want connection reset", err)
	}
	start := time.Now()
	if _, body, err = get(); err != nil || body != "backend" || time.Since(start) < 50*time.Millisecond {
		t.Errorf("delay: %v %q after %v", err, body, time.Since(start))
	}
	if _, _, err = get(); err == nil || !strings.Contains(err.Error(), "Timeout") {
		t.Errorf("hang: err = %v, want the client's timeout", err)
	}
	resp, body, err = get()
	if err != nil || resp.StatusCode != 403 || !strings.Contains(body, "<Code>AccessDenied</Code>") {
		t.Errorf("access denied: %v %v %q", resp, err, body)
	}
	if _, body, err = get(); err != nil || body != "backend" {
		t.Errorf("after the script: %v %q, want forwarded", err, body)
	}
	want := []string{"400", "503", "reset", "delay 50ms, pass", "hang", "403", "pass"}
	if got := p.Log(); strings.Join(got, "|") != strings.Join(want, "|") || p.Requests() != len(want) {
		t.Errorf("log %q (%d requests), want %q", got, p.Requests(), want)
	}
}
