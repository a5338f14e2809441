//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/stagecrew/stagecrew/internal/testenv"
	"github.com/stagecrew/stagecrew/pkg/config"
)

// actVersion is the nektos/act these tests run workflows with.
const actVersion = "v0.2.89"

// releaseVersion is the version of the release the test serves; the
// action copy for tag v1 pins its checksums.
const releaseVersion = "1.2.3"

const paymentsCatalog = `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: payments
  annotations:
    github.com/project-slug: acme/payments
    aws.amazon.com/aws-stepfunctions-state-machine-arn: arn:aws:states:us-east-1:123456789012:stateMachine:payments
    stagecrew.dev/environments: staging, production
    stagecrew.dev/role-arn.staging: arn:aws:iam::123456789012:role/stagecrew-payments-staging
    stagecrew.dev/role-arn.production: arn:aws:iam::123456789012:role/stagecrew-payments-production
spec:
  type: workflow
  lifecycle: production
  owner: group:default/payments
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: payments
spec:
  type: team
  children: []
  members: [jane]
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata:
  name: jane
  annotations:
    github.com/user-login: octocat
spec:
  memberOf: []
`

const storefrontCatalog = `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: storefront
  annotations:
    github.com/project-slug: acme/payments
    aws.amazon.com/amazon-ecs-service-arn: arn:aws:ecs:us-east-1:123456789012:service/shop/storefront
    stagecrew.dev/environments: production
    stagecrew.dev/role-arn: arn:aws:iam::123456789012:role/stagecrew-storefront
    stagecrew.dev/ecs-container: web
spec:
  type: service
  lifecycle: production
  owner: group:default/payments
`

// world is everything a workflow run reaches: moto (behind a proxy that
// notes the first AWS request), the OIDC issuer, the GitHub stand-in, the
// release server, the act binary, and the action's checkouts by ref.
type world struct {
	root     string // the stagecrew repository
	act      string
	moto     *testenv.Moto
	aws      *firstRequest
	oidc     *testenv.OIDC
	gh       *testenv.GitHubServer
	rel      *releaseServer
	actCache string // act's action cache: its tool cache lives inside, shared by runs
	setupGo  string // the setup-go stand-in's folder
	refs     map[string]string
	dir      string
}

// firstRequest is a reverse proxy to moto that records when each run's
// first AWS request arrives.
type firstRequest struct {
	URL   string
	mu    sync.Mutex
	first time.Time
	count int
}

func (f *firstRequest) reset() {
	f.mu.Lock()
	f.first, f.count = time.Time{}, 0
	f.mu.Unlock()
}

func (f *firstRequest) get() (time.Time, int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.first, f.count
}

func newWorld(t *testing.T) *world {
	t.Helper()
	w := &world{root: testenv.RepoRoot(t), dir: t.TempDir(), refs: map[string]string{}}
	w.act = actBinary(t)
	w.moto = testenv.StartMoto(t, "MOTO_ECS_SERVICE_RUNNING=1")
	target, _ := url.Parse(w.moto.URL)
	proxy := httputil.NewSingleHostReverseProxy(target)
	w.aws = &firstRequest{}
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		w.aws.mu.Lock()
		if w.aws.first.IsZero() {
			w.aws.first = time.Now()
		}
		w.aws.count++
		w.aws.mu.Unlock()
		proxy.ServeHTTP(rw, r)
	}))
	t.Cleanup(srv.Close)
	w.aws.URL = srv.URL
	w.oidc = testenv.StartOIDC(t)
	w.gh = testenv.StartGitHub(t, testenv.GitHubOptions{})
	w.gh.SetRepository("acme", "payments", "main", map[string]string{
		"catalog-info.yaml": paymentsCatalog, "storefront/catalog-info.yaml": storefrontCatalog})
	w.rel = startReleaseServer(t)
	w.actCache = filepath.Join(w.dir, "act-cache")

	// The release: the stagecrew binary built with the stagecrew_e2e tag
	// (it reads the local issuer and moto from STAGECREW_E2E_*; a release
	// build has no such seam), packed as GoReleaser packs it.
	_, _, goos, goarch := hostPlatform(t)
	bin := filepath.Join(w.dir, "stagecrew")
	start := time.Now()
	build := exec.Command("go", "build", "-tags", "stagecrew_e2e", "-ldflags", "-s -w -X main.version=v"+releaseVersion, "-o", bin, "./cmd/stagecrew")
	build.Dir = w.root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building stagecrew: %v\n%s", err, out)
	}
	t.Logf("built the e2e stagecrew binary in %s", time.Since(start).Round(time.Millisecond))
	binBytes, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	archive := tarGz(t, map[string][]byte{"stagecrew": binBytes, "README.md": []byte("stagecrew")})
	name := archiveName(releaseVersion, goos, goarch)
	w.rel.publish(releaseVersion, name, archive)
	sums := checksumLine(name, archive)

	// Tag v1: the action files and the checksums.txt of the release; no Go
	// source at all, so nothing can be built from it.
	w.refs["v1"] = w.actionCopy(t, "v1", sums, false)
	// Tag v6: pins 6.6.6, whose published archive is not the pinned bytes.
	tampered := tarGz(t, map[string][]byte{"stagecrew": []byte("#!/bin/sh\necho pwned; exit 0\n")})
	w.rel.publish("6.6.6", archiveName("6.6.6", goos, goarch), tampered)
	w.refs["v6"] = w.actionCopy(t, "v6", checksumLine(archiveName("6.6.6", goos, goarch), archive), false)
	// Branch main of a fork: no checksums.txt, the source to build.
	w.refs["main"] = w.actionCopy(t, "main", "", true)

	// setup-go cannot be fetched here (act clones it from github.com even
	// for a step whose if is false). This stand-in takes its place, a
	// hand-written fake: it checks Go is on PATH and asks the build for
	// the stagecrew_e2e tag (GOFLAGS), so the binary built from source can
	// reach the local issuer and moto like the release one.
	w.setupGo = filepath.Join(w.dir, "setup-go")
	writeFile(t, filepath.Join(w.setupGo, "action.yml"), `name: setup-go stand-in
inputs:
  go-version-file: {required: false}
  cache-dependency-path: {required: false}
runs:
  using: composite
  steps:
    - shell: bash
      run: |
        go version
        echo "GOFLAGS=-tags=stagecrew_e2e" >> "$GITHUB_ENV"
`)
	return w
}

// actionCopy lays out the stagecrew repository as the ref would hold it.
func (w *world) actionCopy(t *testing.T, ref, checksums string, source bool) string {
	t.Helper()
	dst := filepath.Join(w.dir, "action-"+ref)
	files := []string{"install-stagecrew.sh"}
	for _, s := range config.Actions() {
		files = append(files, s.File())
	}
	if source {
		files = append(files, "go.mod", "go.sum")
		for _, d := range []string{"cmd", "internal", "pkg", "actions", "templates"} {
			filepath.Walk(filepath.Join(w.root, d), func(p string, info os.FileInfo, err error) error {
				if err != nil {
					return err
				}
				rel, _ := filepath.Rel(w.root, p)
				if info.IsDir() && (info.Name() == "testdata" || info.Name() == "node_modules") {
					return filepath.SkipDir
				}
				if !info.IsDir() && strings.HasSuffix(p, ".go") && !strings.HasSuffix(p, "_test.go") {
					files = append(files, rel)
				}
				return nil
			})
		}
	}
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join(w.root, f))
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(dst, f), string(b))
	}
	if checksums != "" {
		writeFile(t, filepath.Join(dst, config.ChecksumsFile), checksums)
	}
	return dst
}

// run is one workflow run: its log and how long from the end of the step
// before the stagecrew step (its start, to act's few milliseconds) to the
// first AWS request.
type run struct {
	log       string
	err       error
	toFirst   time.Duration
	awsCalls  int
	outFile   string
	workspace string
}

// runWorkflow runs workflow (the YAML of one job's steps) in a fresh
// checkout of acme/payments with act, on the host.
func (w *world) runWorkflow(t *testing.T, name, steps string) *run {
	t.Helper()
	ws := filepath.Join(w.dir, "ws-"+name)
	writeFile(t, filepath.Join(ws, "catalog-info.yaml"), paymentsCatalog)
	writeFile(t, filepath.Join(ws, "storefront", "catalog-info.yaml"), storefrontCatalog)
	writeFile(t, filepath.Join(ws, ".github", "workflows", "deploy.yml"), `name: deploy
on: pull_request
permissions:
  id-token: write
  contents: read
  pull-requests: write
  checks: write
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
`+steps)
	event := `{"pull_request": {"number": 7, "head": {"sha": "0123456789abcdef0123456789abcdef01234567"}}, "repository": {"default_branch": "main", "full_name": "acme/payments"}}`
	writeFile(t, filepath.Join(ws, "event.json"), event)
	for _, args := range [][]string{{"init", "-q", "-b", "main"}, {"remote", "add", "origin", "https://github.com/acme/payments.git"},
		{"add", "."}, {"-c", "user.email=e2e@example.com", "-c", "user.name=e2e", "commit", "-qm", "e2e"}} {
		cmd := exec.Command("git", args...)
		cmd.Dir = ws
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	outFile := filepath.Join(w.dir, name+".out")
	args := []string{"pull_request", "-e", "event.json", "-W", ".github/workflows/deploy.yml",
		"-P", "ubuntu-latest=-self-hosted", "--action-cache-path", w.actCache,
		"--local-repository", config.SetupGo + "=" + w.setupGo,
		"-s", "GITHUB_TOKEN=" + w.gh.Token}
	for ref, dir := range w.refs {
		args = append(args, "--local-repository", "stagecrew/stagecrew@"+ref+"="+dir)
	}
	oidcEnv := w.oidc.Env()
	for k, v := range map[string]string{
		"GITHUB_API_URL":                 strings.TrimSuffix(w.gh.URL, "/"),
		"ACTIONS_ID_TOKEN_REQUEST_URL":   oidcEnv["ACTIONS_ID_TOKEN_REQUEST_URL"],
		"ACTIONS_ID_TOKEN_REQUEST_TOKEN": oidcEnv["ACTIONS_ID_TOKEN_REQUEST_TOKEN"],
		"STAGECREW_E2E_OIDC_ISSUER":      w.oidc.URL,
		"STAGECREW_E2E_AWS_ENDPOINT":     w.aws.URL,
		"STAGECREW_RELEASE_URL":          w.rel.URL,
		"E2E_MOTO":                       w.aws.URL,
		"E2E_OUT":                        outFile,
		"AWS_CONFIG_FILE":                filepath.Join(w.dir, name+".aws-config"),
		"AWS_SHARED_CREDENTIALS_FILE":    filepath.Join(w.dir, name+".aws-credentials"),
	} {
		args = append(args, "--env", k+"="+v)
	}
	w.aws.reset()
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, w.act, args...)
	cmd.Dir = ws
	// No AWS setting of the machine's may leak into the run.
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	r := &run{log: out.String(), err: err, outFile: outFile, workspace: ws}
	first, n := w.aws.get()
	r.awsCalls = n
	if b, rerr := os.ReadFile(outFile + ".t0"); rerr == nil && !first.IsZero() {
		if ns, perr := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64); perr == nil {
			r.toFirst = first.Sub(time.Unix(0, ns))
		}
	}
	if testing.Verbose() || t.Failed() {
		t.Logf("act log of %s:\n%s", name, r.log)
	}
	return r
}

// markStart is the step right before the stagecrew step: it notes the
// time, so the run measures to the first AWS request from there.
const markStart = `      - run: date +%s%N > "$E2E_OUT.t0"
`

// actBinary is nektos/act, built from the Go module proxy once per machine
// (STAGECREW_ACT names a binary to use instead).
func actBinary(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("STAGECREW_ACT"); p != "" {
		return p
	}
	cache := os.Getenv("STAGECREW_CACHE")
	if cache == "" {
		home, _ := os.UserHomeDir()
		cache = filepath.Join(home, ".cache", "stagecrew")
	}
	dir := filepath.Join(cache, "act-"+actVersion)
	bin := filepath.Join(dir, "act")
	if _, err := os.Stat(bin); err == nil {
		return bin
	}
	start := time.Now()
	cmd := exec.Command("go", "install", "github.com/nektos/act@"+actVersion)
	cmd.Env = append(os.Environ(), "GOBIN="+dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go install github.com/nektos/act@%s: %v\n%s", actVersion, err, out)
	}
	t.Logf("built act %s in %s (once per machine)", actVersion, time.Since(start).Round(time.Second))
	return bin
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	mode := os.FileMode(0o644)
	if strings.HasSuffix(path, ".sh") {
		mode = 0o755
	}
	if err := os.WriteFile(path, []byte(text), mode); err != nil {
		t.Fatal(err)
	}
}

// stateMachine (re)creates the payments state machine in moto: moto 5.2.1
// can fail a second execution on one server, so each run starts clean.
func (w *world) stateMachine(t *testing.T) *sfn.Client {
	t.Helper()
	w.moto.Reset(t)
	c := sfn.NewFromConfig(w.moto.Config())
	if _, err := c.CreateStateMachine(context.Background(), &sfn.CreateStateMachineInput{Name: aws.String("payments"),
		RoleArn:    aws.String("arn:aws:iam::123456789012:role/sfn"),
		Definition: aws.String(`{"StartAt":"Done","States":{"Done":{"Type":"Pass","Result":{"deployed":true},"End":true}}}`)}); err != nil {
		t.Fatal(err)
	}
	return c
}

// ecsService creates the storefront Fargate service in moto, in a VPC with
// DNS hostnames on (moto's Fargate RunTask needs it).
func (w *world) ecsService(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	cfg := w.moto.Config()
	ec := ec2.NewFromConfig(cfg)
	vpc, err := ec.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ec.ModifyVpcAttribute(ctx, &ec2.ModifyVpcAttributeInput{VpcId: vpc.Vpc.VpcId, EnableDnsHostnames: &ec2types.AttributeBooleanValue{Value: aws.Bool(true)}}); err != nil {
		t.Fatal(err)
	}
	sub, err := ec.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: vpc.Vpc.VpcId, CidrBlock: aws.String("10.0.1.0/24")})
	if err != nil {
		t.Fatal(err)
	}
	sg, err := ec.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{VpcId: vpc.Vpc.VpcId, GroupName: aws.String("storefront"), Description: aws.String("storefront")})
	if err != nil {
		t.Fatal(err)
	}
	c := awsecs.NewFromConfig(cfg)
	if _, err := c.CreateCluster(ctx, &awsecs.CreateClusterInput{ClusterName: aws.String("shop")}); err != nil {
		t.Fatal(err)
	}
	td, err := c.RegisterTaskDefinition(ctx, &awsecs.RegisterTaskDefinitionInput{Family: aws.String("storefront"),
		NetworkMode: ecstypes.NetworkModeAwsvpc, RequiresCompatibilities: []ecstypes.Compatibility{ecstypes.CompatibilityFargate},
		Cpu: aws.String("256"), Memory: aws.String("512"),
		ContainerDefinitions: []ecstypes.ContainerDefinition{{Name: aws.String("web"), Image: aws.String("nginx:1.27"), Cpu: 256, Memory: aws.Int32(512), Essential: aws.Bool(true)}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateService(ctx, &awsecs.CreateServiceInput{Cluster: aws.String("shop"), ServiceName: aws.String("storefront"),
		TaskDefinition: td.TaskDefinition.TaskDefinitionArn, DesiredCount: aws.Int32(1), LaunchType: ecstypes.LaunchTypeFargate,
		NetworkConfiguration: &ecstypes.NetworkConfiguration{AwsvpcConfiguration: &ecstypes.AwsVpcConfiguration{
			Subnets: []string{aws.ToString(sub.Subnet.SubnetId)}, SecurityGroups: []string{aws.ToString(sg.GroupId)}}}}); err != nil {
		t.Fatal(err)
	}
}

const deployStep = `      - id: deploy
        uses: stagecrew/stagecrew@%s
        with:
          environment: production
          timeout: 2m
      - if: always()
        env:
          STATUS: ${{ steps.deploy.outputs.status }}
          ARN: ${{ steps.deploy.outputs.execution-arn }}
          OUTPUT: ${{ steps.deploy.outputs.output }}
        run: echo "e2e outputs status=$STATUS arn=$ARN output=$OUTPUT"
`

// TestActWorkflows runs every action.yml of the repository in real
// workflows with act, on the host.
func TestActWorkflows(t *testing.T) {
	w := newWorld(t)
	timing := map[string]time.Duration{}

	t.Run("release binary, tool cache miss then hit", func(t *testing.T) {
		for _, want := range []string{"release", "cache"} {
			c := w.stateMachine(t)
			r := w.runWorkflow(t, "release-"+want, markStart+fmt.Sprintf(deployStep, "v1"))
			if r.err != nil {
				t.Fatalf("%s: act: %v\n%s", want, r.err, r.log)
			}
			for _, s := range []string{"verified (" + want + ")", "e2e outputs status=succeeded arn=arn:aws:states:us-east-1:123456789012:execution:payments:",
				`output={"deployed": true}`, "Summary - ", "payments execution in production: succeeded"} {
				if !strings.Contains(r.log, s) {
					t.Errorf("%s: the log lacks %q", want, s)
				}
			}
			if strings.Contains(r.log, "go build") || strings.Contains(r.log, "built from source") {
				t.Errorf("%s: a release ref built from source", want)
			}
			ex, err := c.ListExecutions(context.Background(), &sfn.ListExecutionsInput{StateMachineArn: aws.String("arn:aws:states:us-east-1:123456789012:stateMachine:payments")})
			if err != nil || len(ex.Executions) != 1 {
				t.Errorf("%s: executions %v, %v", want, ex, err)
			}
			timing["release binary, cache "+map[string]string{"release": "miss", "cache": "hit"}[want]] = r.toFirst
		}
		if n := len(w.rel.Requests()); n != 1 {
			t.Errorf("%d downloads for a miss and a hit: %v", n, w.rel.Requests())
		}
		comments := w.gh.Comments(7)
		if len(comments) != 1 || !strings.Contains(comments[0].Body, "payments") {
			t.Errorf("sticky comment: %d comments %+v", len(comments), comments)
		}
		if runs := w.gh.CheckRuns(); len(runs) != 2 {
			t.Errorf("%d check runs, want one a run", len(runs))
		}
	})

	t.Run("tampered release is refused", func(t *testing.T) {
		w.stateMachine(t)
		r := w.runWorkflow(t, "tampered", fmt.Sprintf(deployStep, "v6"))
		if r.err == nil {
			t.Fatal("the workflow succeeded with a tampered release")
		}
		if !strings.Contains(r.log, "checksum mismatch for "+archiveNameHost(t, "6.6.6")) || strings.Contains(r.log, "pwned") {
			t.Errorf("the log does not show the refusal:\n%s", r.log)
		}
		if r.awsCalls != 0 {
			t.Errorf("%d AWS requests after a refused binary", r.awsCalls)
		}
	})

	t.Run("a ref with no release builds from source", func(t *testing.T) {
		w.stateMachine(t)
		r := w.runWorkflow(t, "source", markStart+fmt.Sprintf(deployStep, "main"))
		if r.err != nil {
			t.Fatalf("act: %v", r.err)
		}
		for _, s := range []string{"This ref of the action has no release", "built from source in", "e2e outputs status=succeeded"} {
			if !strings.Contains(r.log, s) {
				t.Errorf("the log lacks %q", s)
			}
		}
		timing["source build (warm Go cache)"] = r.toFirst
	})

	t.Run("credentials for later steps", func(t *testing.T) {
		w.moto.Reset(t)
		r := w.runWorkflow(t, "credentials", markStart+`      - id: creds
        uses: stagecrew/stagecrew/actions/credentials@v1
        with:
          environment: production
          role-session-duration: 900
      - env:
          ROLE: ${{ steps.creds.outputs.role-arn }}
          EXPIRES: ${{ steps.creds.outputs.expiration }}
        run: |
          echo "e2e creds role=$ROLE expires=$EXPIRES"
          printf '%s' "$AWS_SECRET_ACCESS_KEY" > "$E2E_OUT.secret"
          echo "e2e secret=$AWS_SECRET_ACCESS_KEY"
          aws --endpoint-url "$E2E_MOTO" sts get-caller-identity --output text --query Arn
      - id: profile
        uses: stagecrew/stagecrew/actions/credentials@v1
        with:
          entity: storefront/catalog-info.yaml
          environment: production
          export: profile
          profile: storefront
          aws-region: us-east-1
      - run: |
          env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_SESSION_TOKEN aws --profile storefront --endpoint-url "$E2E_MOTO" sts get-caller-identity --output text --query Arn
`)
		if r.err != nil {
			t.Fatalf("act: %v", r.err)
		}
		secret, err := os.ReadFile(r.outFile + ".secret")
		if err != nil || len(secret) < 16 {
			t.Fatalf("the later step had no AWS_SECRET_ACCESS_KEY: %q, %v", secret, err)
		}
		if strings.Contains(r.log, string(secret)) {
			t.Errorf("the secret access key is in the log")
		}
		for _, s := range []string{"e2e creds role=arn:aws:iam::123456789012:role/stagecrew-payments-production expires=20", "e2e secret=***",
			"arn:aws:sts::123456789012:assumed-role/stagecrew-payments-production/", "arn:aws:sts::123456789012:assumed-role/stagecrew-storefront/"} {
			if !strings.Contains(r.log, s) {
				t.Errorf("the log lacks %q", s)
			}
		}
		creds, _ := os.ReadFile(filepath.Join(w.dir, "credentials.aws-credentials"))
		if !strings.Contains(string(creds), "[storefront]\naws_access_key_id = ") {
			t.Errorf("credentials file:\n%s", creds)
		}
		timing["credentials action, release binary (cache hit)"] = r.toFirst
	})

	t.Run("sub-actions", func(t *testing.T) {
		w.stateMachine(t)
		w.ecsService(t)
		r := w.runWorkflow(t, "subactions", `      - id: start
        uses: stagecrew/stagecrew/actions/start-execution@v1
        with:
          environment: production
          comment: false
          check-run: false
      - id: deploy
        uses: stagecrew/stagecrew/actions/deploy-service@v1
        with:
          entity: storefront/catalog-info.yaml
          environment: production
          image: nginx:1.27
          comment: false
          check-run: false
      - id: validate
        uses: stagecrew/stagecrew/actions/validate@v1
        with:
          paths: catalog-info.yaml storefront
      - if: always()
        env:
          START: ${{ steps.start.outputs.status }}
          DEPLOY: ${{ steps.deploy.outputs.status }}
          DEPLOYMENT: ${{ steps.deploy.outputs.deployment-id }}
        run: echo "e2e start=$START deploy=$DEPLOY deployment=$DEPLOYMENT"
`)
		if r.err != nil {
			t.Fatalf("act: %v", r.err)
		}
		for _, s := range []string{"e2e start=succeeded deploy=succeeded deployment=ecs-svc/"} {
			if !strings.Contains(r.log, s) {
				t.Errorf("the log lacks %q", s)
			}
		}
	})

	t.Run("run-task", func(t *testing.T) {
		w.moto.Reset(t)
		w.ecsService(t)
		r := w.runWorkflow(t, "runtask", `      - id: task
        uses: stagecrew/stagecrew/actions/run-task@v1
        with:
          entity: storefront/catalog-info.yaml
          environment: production
          command: '["bin/migrate"]'
          comment: false
          check-run: false
      - if: always()
        env:
          STATUS: ${{ steps.task.outputs.status }}
          ARN: ${{ steps.task.outputs.task-arn }}
        run: echo "e2e task status=$STATUS arn=$ARN"
`)
		if !strings.Contains(r.log, "verified (cache)") || !strings.Contains(r.log, "octocat may ecs:run-task component:default/storefront in production") {
			t.Fatalf("run-task did not run the verified binary through the policy: %v", r.err)
		}
		switch {
		case r.err == nil && strings.Contains(r.log, "e2e task status=succeeded arn=arn:aws:ecs:us-east-1:123456789012:task/shop/"):
		case strings.Contains(r.log, "RunTask storefront:1: operation error ECS: RunTask, https response error StatusCode: 200") &&
			strings.Contains(r.log, "deserialization failed") && strings.Contains(r.log, "e2e task status=failed"):
			// moto 5.2.1 answers this RunTask with a number where the API
			// has a string; the action got as far as the call, failed the
			// step and reported it (status output, summary).
			t.Logf("run-task reached ECS RunTask; moto's answer does not decode (known moto quirk)")
		default:
			t.Errorf("run-task: %v", r.err)
		}
	})

	b, _ := json.MarshalIndent(map[string]any{"first_aws_request_after_step_start_ms": durationsMS(timing)}, "", "  ")
	t.Logf("timing:\n%s", b)
}

func durationsMS(m map[string]time.Duration) map[string]int64 {
	out := map[string]int64{}
	for k, v := range m {
		out[k] = v.Milliseconds()
	}
	return out
}

func archiveNameHost(t *testing.T, version string) string {
	_, _, goos, goarch := hostPlatform(t)
	return archiveName(version, goos, goarch)
}
