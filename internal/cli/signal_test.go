package cli

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestSignalStopsTheBinary: SIGTERM stops the real binary while it waits
// on the network (here the runner's token endpoint, a stand-in that never
// answers: no real part hangs on demand), well inside the runner's
// SIGTERM-to-SIGKILL window, with the shell's code for a signal or a
// failure, never 0 or the usage code.
func TestSignalStopsTheBinary(t *testing.T) {
	bin := buildBinary(t)
	hang := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-hang:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(hang)

	dir := t.TempDir()
	cmd := exec.Command(bin, "action", "run")
	cmd.Dir = dir
	cmd.Env = []string{"GITHUB_ACTIONS=true", "GITHUB_WORKSPACE=" + dir, "GITHUB_REPOSITORY=acme/payments",
		"INPUT_ENTITY=component:default/payments", "INPUT_ENVIRONMENT=staging",
		"ACTIONS_ID_TOKEN_REQUEST_URL=" + srv.URL + "/token?x=1", "ACTIONS_ID_TOKEN_REQUEST_TOKEN=request-token"}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second) // waiting on the token endpoint by now
	start := time.Now()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() == 0 || exit.ExitCode() == 2 {
			t.Errorf("exit %v after SIGTERM, want a failure code that is not usage (2)\n%s", err, stderr.String())
		}
		t.Logf("stopped %s after SIGTERM, exit %v", time.Since(start).Round(time.Millisecond), err)
	case <-time.After(12 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatalf("still running 12 s after SIGTERM\n%s", stderr.String())
	}
}
