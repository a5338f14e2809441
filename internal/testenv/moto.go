package testenv

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// Moto is a moto server (AWS's APIs, implemented in Python) running on a
// loopback port for one test.
type Moto struct {
	URL string // base endpoint, such as http://127.0.0.1:45123
}

// StartMoto starts a moto_server for the test on a free loopback port and
// stops it when the test ends. env adds environment variables to the server
// (MOTO_ECS_SERVICE_RUNNING, for instance). Step Functions executions are
// really executed (POST /moto-api/config), so they reach a terminal state.
func StartMoto(t testing.TB, env ...string) *Moto {
	t.Helper()
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		unavailable(t, inCI(), "moto_server is not on PATH (it ships with this project's machine image: moto 5.2.1)")
		return nil
	}
	port, err := loopbackPort()
	if err != nil {
		t.Fatalf("testenv: no free port: %v", err)
	}
	logPath := filepath.Join(t.TempDir(), "moto.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, "-H", "127.0.0.1", "-p", fmt.Sprint(port))
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Start(); err != nil {
		cancel()
		unavailable(t, inCI(), fmt.Sprintf("cannot start moto_server: %v", err))
		return nil
	}
	t.Cleanup(func() {
		cancel()
		_ = cmd.Wait()
		logFile.Close()
		if t.Failed() {
			b, _ := os.ReadFile(logPath)
			t.Logf("moto_server log (tail):\n%s", tail(b, 4<<10))
		}
	})
	m := &Moto{URL: fmt.Sprintf("http://127.0.0.1:%d", port)}
	// moto_server imports all of moto before it listens: ~8 s on an idle
	// machine of this project, over 30 s with two busy loops beside it.
	deadline := time.Now().Add(120 * time.Second)
	for {
		resp, err := http.Get(m.URL + "/moto-api/")
		if err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(logPath)
			t.Fatalf("testenv: moto_server did not answer within 120s: %v\n%s", err, tail(b, 4<<10))
		}
		time.Sleep(50 * time.Millisecond)
	}
	m.ExecuteStateMachines(t)
	return m
}

// ExecuteStateMachines turns on moto's real execution of Step Functions
// state machines (otherwise executions stay RUNNING forever).
func (m *Moto) ExecuteStateMachines(t testing.TB) {
	t.Helper()
	m.post(t, "/moto-api/config", `{"stepfunctions": {"execute_state_machine": true}}`)
}

// Reset drops every resource in the server and turns execution back on.
// moto 5.2.1 can answer 500 "cannot pickle '_thread.RLock'" to a second
// StartExecution on the same server; a reset between executions avoids it.
func (m *Moto) Reset(t testing.TB) {
	t.Helper()
	m.post(t, "/moto-api/reset", "")
	m.ExecuteStateMachines(t)
}

// EnforceIAM makes moto authorize calls against IAM from now on: after
// the next free calls (which pass unchecked), every call must be signed by
// an IAM user's or an assumed role's credentials, and is allowed only when
// a policy attached to that user or role allows its action
// (POST /moto-api/reset-auth, which sets INITIAL_NO_AUTH_ACTION_COUNT and
// zeroes moto's call counter). What moto 5.2.1 checks, from its source
// (moto/core/authorization.py, moto/iam/access_control.py):
//
//   - Every service whose responses go through BaseResponse.call_action
//     (ECS, Step Functions, CodeDeploy, CloudWatch Logs, Resource Groups
//     Tagging, Secrets Manager, IAM, STS, ...): the signature, then the
//     action, named from the signing name (so the Tagging API is checked as
//     "tagging:GetResources", not IAM's "tag:GetResources").
//   - Not resources: call_action passes the resource "*" except for the few
//     services with a _determine_resource (sqs, iam, sts;
//     core/responses.py:514-522), and a statement's Resource is matched
//     against that string (access_control.py:501), so only statements on
//     "*" ever allow an ECS or Step Functions call.
//   - Not conditions, in effect: only StringEquals is known, and it passes
//     when the request supplies no value (iam/policy_conditions.py), which
//     identity-policy checks never do.
//   - Not trust policies of web identity: an unsigned call
//     (AssumeRoleWithWebIdentity) under enforcement fails with 500
//     (access_control.py:233 reads the Authorization header), so leave it
//     a free call; moto's STS then issues credentials without reading the
//     token or evaluating the role's trust policy (sts/responses.py:95-108
//     never reads WebIdentityToken; sts/models.py:116-117 is assume_role).
//
// An assumed role's policies are the role's inline and attached policies,
// found by the role name in the assumed role's ARN (access_control.py:148-198).
// Reset does not undo enforcement; RelaxIAM does.
func (m *Moto) EnforceIAM(t testing.TB, free int) {
	t.Helper()
	m.post(t, "/moto-api/reset-auth", fmt.Sprint(free))
}

// RelaxIAM lets every call through again, as a server started without
// INITIAL_NO_AUTH_ACTION_COUNT does (to change policies between runs).
func (m *Moto) RelaxIAM(t testing.TB) {
	t.Helper()
	m.post(t, "/moto-api/reset-auth", "inf")
}

func (m *Moto) post(t testing.TB, path, body string) {
	t.Helper()
	resp, err := http.Post(m.URL+path, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatalf("testenv: moto %s: %v", path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		var b bytes.Buffer
		_, _ = b.ReadFrom(resp.Body)
		t.Fatalf("testenv: moto %s: %s %s", path, resp.Status, b.String())
	}
}

// Config returns an aws.Config pointed at the server: static test
// credentials, region us-east-1, and the server as every service's endpoint.
func (m *Moto) Config() aws.Config {
	return aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("testing", "testing", ""),
		BaseEndpoint: aws.String(m.URL),
	}
}
