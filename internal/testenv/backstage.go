package testenv

// Backstage: a real Backstage backend (test/backstage, from npm) that tests
// start themselves.
//
// What it provides, on http://127.0.0.1:PORT (all under /api need the bearer
// token, except /api/events/http/*):
//
//   - POST /api/catalog/validate-entity {"entity": {...}, "location": "url:..."}:
//     the real catalog processing pipeline as an oracle; 200 with an empty
//     body when valid, 400 {"errors":[{"name":"InputError","message":...}]}
//     when not.
//   - GET /api/catalog/entities/by-name/KIND/NS/NAME, POST /api/catalog/refresh
//     {"entityRef": "kind:ns/name"} (200, empty body; 404 for an unknown
//     entity). The catalog reads one `file` location: test/backstage/
//     catalog-info.yaml (user:default/guest, group:default/stagecrew,
//     component:default/stagecrew-seed) or BackstageOptions.CatalogFile.
//   - GET /api/scaffolder/v2/actions (fetch:*, fs:*, debug:*, catalog:*,
//     publish:github, github:actions:dispatch and the other GitHub actions of
//     plugin-scaffolder-backend-module-github, which loads against a dummy
//     github.com token), POST /api/scaffolder/v2/dry-run {template, values,
//     secrets, directoryContents: [{path, base64Content}]} (runs the template
//     for real, answers {log, directoryContents: [{path, executable,
//     base64Content}], output, steps}).
//   - POST /api/notifications {recipients, payload} (answers 200 with the
//     created notifications; groups expand to their member users).
//   - POST /api/events/http/stagecrew (202 {"status":"accepted"}), readable
//     back through the event bus: PUT /api/events/bus/v1/subscriptions/ID
//     {"topics": ["stagecrew"]} first, then GET .../subscriptions/ID/events.
//   - Users: GET /api/auth/guest/refresh (no credentials) signs in as
//     BackstageOptions.GuestUser and answers a user token (UserToken), for
//     real scaffolder tasks (CreateTask, WaitTask: POST/GET
//     /api/scaffolder/v2/tasks) and GET /api/notifications (Notifications).
//   - Optionally external JWTs checked against a JWKS (BackstageOptions.JWKS,
//     backstage_auth.go) and the github.com integration pointed at the
//     GitHub stand-in (GitHubAPIURL, GitHubToken), so that
//     github:actions:dispatch reaches it.
//
// Measured on this project's machines (2 CPUs, Node 20.20, backend-defaults
// 0.18.0): ready (GET /.backstage/health/v1/readiness answers 200) 3.8-4.4 s
// after `node index.js` starts, up to 7 s on a cold disk cache; RSS 213-238
// MB when ready. The seed catalog is ingested about a second after
// readiness. A failed start (bad config) is reported in about 2.5 s. A cold
// install of test/backstage (npm ci, 967 packages, ~480 MB, better-sqlite3
// compiled from source) takes 3-3.5 minutes; a cache hit half a second.
// node exits about a second after the test binary dies, even from SIGKILL.

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

// backstageReadyTimeout bounds the wait for a new server's readiness.
const backstageReadyTimeout = 120 * time.Second

// BackstageServer is a running test/backstage backend.
type BackstageServer struct {
	// URL is the server's base URL, http://127.0.0.1:PORT, without a
	// trailing slash.
	URL string
	// Token is the static bearer token the server accepts from external
	// callers (a service principal with subject "stagecrew-tests").
	Token string
	// LogPath is the file holding the server's standard output and error.
	LogPath string
	// Pid is the node process's ID.
	Pid int
	// Startup is how long the server took to answer its readiness check.
	Startup time.Duration
	// Client sends Do's requests.
	Client *http.Client

	cmd     *exec.Cmd
	stdin   io.Closer
	exited  chan struct{} // closed once cmd.Wait returns
	waitErr error         // cmd.Wait's result, set before exited closes
	close   sync.Once
}

// BackstageOptions changes how StartBackstage starts a server.
type BackstageOptions struct {
	// CatalogFile is the absolute path of the catalog file the server
	// registers as its one `file` location; empty means
	// test/backstage/catalog-info.yaml.
	CatalogFile string
	// Env holds extra NAME=value settings for node, e.g. LOG_LEVEL=info or
	// APP_CONFIG_catalog_processingInterval='{"seconds": 1}'.
	Env []string
	// GuestUser is the entity ref ("user:default/alice") the guest auth
	// provider signs in, whose token UserToken gets; empty means
	// user:default/guest.
	GuestUser string
	// JWKS, when set, makes the server also accept external callers' JWTs
	// signed by a key of a JWKS, such as GitHub Actions OIDC tokens (a
	// backend.auth.externalAccess entry of type jwks).
	JWKS *BackstageJWKS
	// GitHubActions, when set, makes the server also accept GitHub Actions
	// OIDC tokens whose claims meet its restrictions (an externalAccess entry
	// of type github-actions, examples/backstage/
	// github-actions-token-handler.js). Not together with JWKS.
	GitHubActions *BackstageGitHubActions
	// GitHubAPIURL and GitHubToken point the github.com integration, and so
	// the scaffolder's GitHub actions, at a stand-in (StartGitHub's URL and
	// Token); empty means api.github.com and a dummy token.
	GitHubAPIURL, GitHubToken string
}

// shared is the one server that Backstage gives every test of a binary.
var shared struct {
	mu      sync.Mutex
	started bool
	srv     *BackstageServer
	err     error
}

// Backstage returns the test binary's shared Backstage server, starting it on
// first use. Tests must not change what it holds in ways other tests can
// see; a test that needs its own catalog starts one with NewBackstage.
//
// The server stops when BackstageMain returns or, failing that, when the
// test binary exits (node exits when its standard input closes). When node,
// npm or the install of test/backstage is missing the test fails under
// CI=true and is skipped, loudly, otherwise; a server that does not start
// fails the test with the tail of its log.
func Backstage(t testing.TB) *BackstageServer {
	t.Helper()
	dir := NPM(t, "test/backstage")
	if t.Skipped() || t.Failed() {
		return nil
	}
	shared.mu.Lock()
	if !shared.started {
		shared.started = true
		shared.srv, shared.err = StartBackstage(dir, BackstageOptions{})
		if shared.err == nil {
			t.Logf("testenv: Backstage ready at %s in %v (pid %d, log %s)",
				shared.srv.URL, shared.srv.Startup.Round(time.Millisecond), shared.srv.Pid, shared.srv.LogPath)
		}
	}
	srv, err := shared.srv, shared.err
	shared.mu.Unlock()
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	srv.logTailOnFailure(t)
	return srv
}

// NewBackstage starts a Backstage server of the test's own, stopped when
// the test ends. Prefer the shared Backstage unless the test needs other
// options: each server costs seconds and about 230 MB.
func NewBackstage(t testing.TB, opts BackstageOptions) *BackstageServer {
	t.Helper()
	dir := NPM(t, "test/backstage")
	if t.Skipped() || t.Failed() {
		return nil
	}
	srv, err := StartBackstage(dir, opts)
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	t.Logf("testenv: Backstage ready at %s in %v (pid %d)", srv.URL, srv.Startup.Round(time.Millisecond), srv.Pid)
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Errorf("testenv: stopping Backstage: %v", err)
		}
	})
	// Cleanups run last first: the log's tail is read before Close removes it.
	srv.logTailOnFailure(t)
	return srv
}

// BackstageMain runs m and then stops the shared server if a test started
// one. Call it from TestMain: func TestMain(m *testing.M) {
// os.Exit(testenv.BackstageMain(m)) }.
func BackstageMain(m *testing.M) int {
	code := m.Run()
	shared.mu.Lock()
	srv := shared.srv
	shared.srv, shared.err = nil, errors.New("the shared Backstage server was stopped by BackstageMain")
	shared.mu.Unlock()
	if srv != nil {
		if err := srv.Close(); err != nil {
			fmt.Fprintf(os.Stderr, "testenv: stopping Backstage: %v\n", err)
		}
	}
	return code
}

// StartBackstage starts `node index.js` in dir (an installed test/backstage)
// on a free loopback port and waits until it is ready. The caller must Close
// the server.
func StartBackstage(dir string, opts BackstageOptions) (*BackstageServer, error) {
	var err error
	// Another process can take the port between loopbackPort closing it and
	// node binding it: try again on a fresh port when that is what happened.
	for range 3 {
		var srv *BackstageServer
		srv, err = startBackstage(dir, opts)
		if err == nil {
			return srv, nil
		}
		if !errors.Is(err, errAddrInUse) {
			break
		}
	}
	return nil, err
}

var errAddrInUse = errors.New("address already in use")

func startBackstage(dir string, opts BackstageOptions) (*BackstageServer, error) {
	port, err := loopbackPort()
	if err != nil {
		return nil, fmt.Errorf("picking a port for Backstage: %w", err)
	}
	token, err := randomToken()
	if err != nil {
		return nil, err
	}
	logFile, err := os.CreateTemp("", "stagecrew-backstage-*.log")
	if err != nil {
		return nil, fmt.Errorf("creating Backstage's log file: %w", err)
	}
	defer logFile.Close() // node has its own copy of the descriptor

	cmd := exec.Command("node", "index.js")
	cmd.Dir = dir
	cmd.Env = append(backstageEnviron(os.Environ()),
		fmt.Sprintf("PORT=%d", port),
		"BACKSTAGE_TOKEN="+token,
		"STAGECREW_EXIT_ON_STDIN_EOF=1",
	)
	if opts.CatalogFile != "" {
		cmd.Env = append(cmd.Env, "STAGECREW_CATALOG_FILE="+opts.CatalogFile)
	}
	cmd.Env = append(cmd.Env, opts.authEnv()...)
	cmd.Env = append(cmd.Env, opts.Env...)
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	stdin, err := cmd.StdinPipe()
	if err != nil {
		os.Remove(logFile.Name())
		return nil, err
	}
	srv := &BackstageServer{
		URL:     fmt.Sprintf("http://127.0.0.1:%d", port),
		Token:   token,
		LogPath: logFile.Name(),
		Client:  &http.Client{Timeout: 30 * time.Second},
		cmd:     cmd,
		stdin:   stdin,
		exited:  make(chan struct{}),
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		os.Remove(logFile.Name())
		return nil, fmt.Errorf("starting node index.js in %s: %w", dir, err)
	}
	srv.Pid = cmd.Process.Pid
	go func() {
		srv.waitErr = cmd.Wait()
		close(srv.exited)
	}()

	if err := srv.waitReady(backstageReadyTimeout); err != nil {
		logTail := srv.logTail(8 << 10)
		srv.Close()
		if bytes.Contains(logTail, []byte("EADDRINUSE")) {
			return nil, fmt.Errorf("Backstage on port %d: %w", port, errAddrInUse)
		}
		return nil, fmt.Errorf("Backstage (node index.js in %s) did not start: %w\n--- tail of its log:\n%s", dir, err, logTail)
	}
	srv.Startup = time.Since(start)
	return srv, nil
}

// waitReady polls the readiness endpoint until it answers 200, node exits or
// timeout passes.
func (s *BackstageServer) waitReady(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	client := &http.Client{Timeout: 2 * time.Second}
	var last string
	for time.Now().Before(deadline) {
		select {
		case <-s.exited:
			return fmt.Errorf("node exited before it was ready: %v", s.waitErr)
		default:
		}
		resp, err := client.Get(s.URL + "/.backstage/health/v1/readiness")
		if err == nil {
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			last = fmt.Sprintf("%s: %s", resp.Status, body)
		} else {
			last = err.Error()
		}
		select {
		case <-s.exited:
		case <-time.After(100 * time.Millisecond):
		}
	}
	return fmt.Errorf("not ready after %v (last answer: %s)", timeout, last)
}

// Close stops the server and removes its log file. It is safe to call more
// than once.
func (s *BackstageServer) Close() error {
	var err error
	s.close.Do(func() {
		s.stdin.Close()
		select {
		case <-s.exited:
		default:
			if kerr := s.cmd.Process.Kill(); kerr != nil && !errors.Is(kerr, os.ErrProcessDone) {
				err = kerr
			}
			select {
			case <-s.exited:
			case <-time.After(10 * time.Second):
				err = fmt.Errorf("node (pid %d) did not exit 10s after SIGKILL", s.Pid)
			}
		}
		os.Remove(s.LogPath)
	})
	return err
}

// Do sends an authenticated request to path (e.g. "/api/catalog/refresh")
// and returns the response with its body read; resp.Body can be read again.
// A []byte, string or io.Reader body is sent as is, anything else (not nil)
// as JSON; either way with Content-Type application/json. A transport error
// ends the test.
func (s *BackstageServer) Do(t testing.TB, method, path string, body any) (*http.Response, []byte) {
	t.Helper()
	return s.DoAs(t, s.Token, method, path, body)
}

// DoAs is Do with token as the bearer instead of the static token (a user
// token from UserToken, an OIDC token); an empty token sends none.
func (s *BackstageServer) DoAs(t testing.TB, token, method, path string, body any) (*http.Response, []byte) {
	t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		r = bytes.NewReader(b)
	case string:
		r = strings.NewReader(b)
	case io.Reader:
		r = b
	default:
		data, err := json.Marshal(body)
		if err != nil {
			t.Fatalf("testenv: encoding the body of %s %s: %v", method, path, err)
		}
		r = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, s.URL+path, r)
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Accept", "application/json")
	if r != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := s.Client.Do(req)
	if err != nil {
		t.Fatalf("testenv: Backstage %s %s: %v\n--- tail of its log:\n%s", method, path, err, s.logTail(4<<10))
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("testenv: reading Backstage's answer to %s %s: %v", method, path, err)
	}
	resp.Body = io.NopCloser(bytes.NewReader(data))
	return resp, data
}

// WaitForEntity polls the catalog until it has the entity ref
// ("kind:namespace/name") and returns it as JSON; the test fails after
// timeout. The catalog ingests its location's entities a little after the
// server is ready.
func (s *BackstageServer) WaitForEntity(t testing.TB, ref string, timeout time.Duration) []byte {
	t.Helper()
	kind, rest, ok1 := strings.Cut(ref, ":")
	ns, name, ok2 := strings.Cut(rest, "/")
	if !ok1 || !ok2 {
		t.Fatalf("testenv: WaitForEntity(%q): want kind:namespace/name", ref)
	}
	path := "/api/catalog/entities/by-name/" + url.PathEscape(kind) + "/" + url.PathEscape(ns) + "/" + url.PathEscape(name)
	deadline := time.Now().Add(timeout)
	for {
		resp, body := s.Do(t, http.MethodGet, path, nil)
		if resp.StatusCode == http.StatusOK {
			return body
		}
		if resp.StatusCode != http.StatusNotFound || time.Now().After(deadline) {
			t.Fatalf("testenv: catalog has no %s after %v: GET %s answers %s: %s", ref, timeout, path, resp.Status, body)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// logTailOnFailure logs the end of the server's log when t fails.
func (s *BackstageServer) logTailOnFailure(t testing.TB) {
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("testenv: tail of Backstage's log (%s):\n%s", s.LogPath, s.logTail(8<<10))
		}
	})
}

// logTail returns at most the last n bytes of the server's log.
func (s *BackstageServer) logTail(n int64) []byte {
	f, err := os.Open(s.LogPath)
	if err != nil {
		return []byte(err.Error())
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Size() > n {
		f.Seek(fi.Size()-n, io.SeekStart)
	}
	b, err := io.ReadAll(f)
	if err != nil {
		return []byte(err.Error())
	}
	return b
}

// backstageEnviron is env without the variables that would reconfigure the
// test backend behind app-config.yaml's back.
func backstageEnviron(env []string) []string {
	out := make([]string, 0, len(env))
	for _, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "APP_CONFIG_") {
			continue
		}
		switch name {
		case "PORT", "BACKSTAGE_TOKEN", "STAGECREW_CATALOG_FILE", "LOG_LEVEL", "NODE_ENV",
			"STAGECREW_GUEST_USER", "STAGECREW_GITHUB_API_URL", "STAGECREW_GITHUB_TOKEN":
			continue
		}
		if strings.HasPrefix(name, "STAGECREW_JWKS_") || strings.HasPrefix(name, "STAGECREW_GHA_") {
			continue
		}
		out = append(out, kv)
	}
	return out
}

// loopbackPort returns a TCP port on 127.0.0.1 that was free a moment ago.
func loopbackPort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// randomToken returns a fresh static token (the backend wants >= 8
// non-space characters).
func randomToken() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("making a Backstage token: %w", err)
	}
	return "stagecrew-" + hex.EncodeToString(b), nil
}

// BackstageEvent is one event read from an events-bus subscription.
type BackstageEvent struct {
	Topic   string          `json:"topic"`
	Payload json.RawMessage `json:"payload"`
}

// Subscribe creates the events-bus subscription id for topics and returns
// its path, for Events.
func (s *BackstageServer) Subscribe(t testing.TB, id string, topics ...string) string {
	t.Helper()
	sub := "/api/events/bus/v1/subscriptions/" + id
	if resp, body := s.Do(t, http.MethodPut, sub, map[string]any{"topics": topics}); resp.StatusCode != http.StatusCreated {
		t.Fatalf("testenv: subscribing to %v: %s %s", topics, resp.Status, body)
	}
	return sub
}

// Events reads the events waiting on the subscription at sub.
func (s *BackstageServer) Events(t testing.TB, sub string) []BackstageEvent {
	t.Helper()
	resp, body := s.Do(t, http.MethodGet, sub+"/events", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("testenv: reading %s: %s %s", sub, resp.Status, body)
	}
	var got struct {
		Events []BackstageEvent `json:"events"`
	}
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatalf("testenv: events of %s: %v\n%s", sub, err, body)
	}
	return got.Events
}
