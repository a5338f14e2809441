package ecs

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	cwltypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/stagecrew/stagecrew/internal/testenv"
	"github.com/stagecrew/stagecrew/pkg/annotations"
	"github.com/stagecrew/stagecrew/pkg/result"
)

// motoTaskDef is a Fargate task definition file as a repository holds it.
const motoTaskDef = `{
  "family": "storefront",
  "networkMode": "awsvpc",
  "requiresCompatibilities": ["FARGATE"],
  "cpu": "256",
  "memory": "512",
  "containerDefinitions": [{
    "name": "app",
    "image": "registry.example/storefront:1",
    "essential": true,
    "memory": 512,
    "environment": [{"name": "MODE", "value": "web"}],
    "portMappings": [{"containerPort": 8080}],
    "logConfiguration": {"logDriver": "awslogs", "options": {
      "awslogs-group": "/ecs/storefront", "awslogs-region": "us-east-1", "awslogs-stream-prefix": "migrate"}}
  }]
}`

// motoEnv is a moto server with a cluster, a VPC (DNS hostnames on, as
// Fargate needs) and, after createService, a service.
type motoEnv struct {
	cfg     aws.Config
	ecs     *ecs.Client
	logs    *cloudwatchlogs.Client
	network *types.NetworkConfiguration
	svc     annotations.ServiceARN
}

func startMotoEnv(t *testing.T) *motoEnv {
	t.Helper()
	m := testenv.StartMoto(t, "MOTO_ECS_SERVICE_RUNNING=2")
	_, url := startActionCounter(t, m.URL)
	cfg := m.Config()
	cfg.BaseEndpoint = aws.String(url)
	return newMotoEnv(t, cfg)
}

func newMotoEnv(t *testing.T, cfg aws.Config) *motoEnv {
	t.Helper()
	ctx := context.Background()
	e := &motoEnv{cfg: cfg, ecs: ecs.NewFromConfig(cfg), logs: cloudwatchlogs.NewFromConfig(cfg)}
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
	e.network = &types.NetworkConfiguration{AwsvpcConfiguration: &types.AwsVpcConfiguration{
		Subnets: []string{aws.ToString(sub.Subnet.SubnetId)}, SecurityGroups: []string{aws.ToString(sg.GroupId)}}}
	if _, err := e.ecs.CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: aws.String("prod")}); err != nil {
		t.Fatal(err)
	}
	e.svc = annotations.ServiceARN{Partition: "aws", Region: "us-east-1", Account: "123456789012", Cluster: "prod", Service: "storefront"}
	return e
}

func (e *motoEnv) createService(t *testing.T, td string) {
	t.Helper()
	_, err := e.ecs.CreateService(context.Background(), &ecs.CreateServiceInput{
		Cluster: aws.String("prod"), ServiceName: aws.String("storefront"), TaskDefinition: aws.String(td),
		DesiredCount: aws.Int32(2), LaunchType: types.LaunchTypeFargate, NetworkConfiguration: e.network,
	})
	if err != nil {
		t.Fatal(err)
	}
}

func (e *motoEnv) revisions(t *testing.T) []string {
	t.Helper()
	out, err := e.ecs.ListTaskDefinitions(context.Background(), &ecs.ListTaskDefinitionsInput{FamilyPrefix: aws.String("storefront")})
	if err != nil {
		t.Fatal(err)
	}
	return out.TaskDefinitionArns
}

func (e *motoEnv) service(t *testing.T) types.Service {
	t.Helper()
	out, err := e.ecs.DescribeServices(context.Background(), &ecs.DescribeServicesInput{Cluster: aws.String("prod"), Services: []string{"storefront"}})
	if err != nil || len(out.Services) != 1 {
		t.Fatal(out, err)
	}
	return out.Services[0]
}

func (e *motoEnv) runner(api API, out io.Writer) *Runner {
	return &Runner{ECS: api, Logs: e.logs, Out: out, Wait: WaitOptions{MinDelay: 50 * time.Millisecond, MaxDelay: 400 * time.Millisecond, Timeout: time.Minute}}
}

// What moto 5.2.1 models of a deployment: the service's PRIMARY deployment
// is COMPLETED from creation (MOTO_ECS_SERVICE_RUNNING >= desiredCount), and
// UpdateService with a new task definition changes the service's
// taskDefinition but starts no deployment. So against moto a deploy of the
// running revision attaches and completes, and a deploy of a new image is
// proven up to "registered once, service updated", where the runner rightly
// reports that no deployment of it is listed.
func TestDeployAgainstMoto(t *testing.T) {
	e := startMotoEnv(t)
	ctx := context.Background()
	var out bytes.Buffer
	r := e.runner(e.ecs, &out)

	// Register only, from the repository's file; twice: one revision.
	reg, err := r.Deploy(ctx, DeployOptions{RegisterOnly: true, TaskDefinitionFile: []byte(motoTaskDef)})
	if err != nil || reg.Status != result.Succeeded || reg.Values[ValueRegistered] != "true" || reg.Values[ValueRevision] != "1" {
		t.Fatalf("register: %+v %v\n%s", reg, err, &out)
	}
	again, err := r.Deploy(ctx, DeployOptions{RegisterOnly: true, TaskDefinitionFile: []byte(motoTaskDef)})
	if err != nil || again.Values[ValueRegistered] != "false" || again.ID != reg.ID || len(e.revisions(t)) != 1 {
		t.Fatalf("second register: %+v %v, revisions %v", again, err, e.revisions(t))
	}
	rev1 := reg.ID
	e.createService(t, rev1)

	// Deploying what runs (same image, from the service's task definition):
	// no revision, no deployment, attach to the COMPLETED one.
	res, err := r.Deploy(ctx, DeployOptions{Service: e.svc, Container: "app", Image: "registry.example/storefront:1"})
	if err != nil || res.Status != result.Succeeded || !res.Attached || res.Values[ValueRegistered] != "false" {
		t.Fatalf("same-image deploy: %+v %v\n%s", res, err, &out)
	}
	if !strings.HasPrefix(res.ID, "ecs-svc/") || res.Links[0].URL != "https://us-east-1.console.aws.amazon.com/ecs/v2/clusters/prod/services/storefront/deployments?region=us-east-1" {
		t.Errorf("id %q links %v", res.ID, res.Links)
	}
	// Deploying an existing ARN: nothing registered.
	res, err = r.Deploy(ctx, DeployOptions{Service: e.svc, TaskDefinitionARN: rev1})
	if err != nil || res.Status != result.Succeeded || len(e.revisions(t)) != 1 {
		t.Fatalf("ARN deploy: %+v %v", res, err)
	}

	// A new image and environment: revision 2 with them, service updated.
	for range 2 { // the rerun registers nothing new
		out.Reset()
		res, err = r.Deploy(ctx, DeployOptions{Service: e.svc, Container: "app", Image: "registry.example/storefront:2", Environment: map[string]string{"MODE": "canary", "NEW": "1"}})
		if err != nil {
			t.Fatal(err)
		}
		if revs := e.revisions(t); len(revs) != 2 {
			t.Fatalf("revisions %v", revs)
		}
		td, err := e.ecs.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String("storefront:2")})
		if err != nil {
			t.Fatal(err)
		}
		c := td.TaskDefinition.ContainerDefinitions[0]
		env := map[string]string{}
		for _, kv := range c.Environment {
			env[aws.ToString(kv.Name)] = aws.ToString(kv.Value)
		}
		if aws.ToString(c.Image) != "registry.example/storefront:2" || env["MODE"] != "canary" || env["NEW"] != "1" || aws.ToString(td.TaskDefinition.Cpu) != "256" {
			t.Errorf("revision 2: image %s env %v", aws.ToString(c.Image), env)
		}
		if s := e.service(t); !sameTD(aws.ToString(s.TaskDefinition), res.Values[ValueTaskDefinition]) || revisionOf(aws.ToString(s.TaskDefinition)) != "2" {
			t.Errorf("service runs %s", aws.ToString(s.TaskDefinition))
		}
		// moto starts no deployment for it: the runner says so instead of
		// waiting forever.
		if res.Status != result.Failed || res.Failure.Error != "NoDeployment" || !strings.Contains(res.Failure.Cause, "PRIMARY deployment") {
			t.Errorf("moto deploy of a new revision: %s %+v\n%s", res.Status, res.Failure, &out)
		}
	}
	if res.Values[ValueRegistered] != "false" {
		t.Errorf("rerun registered again: %v", res.Values)
	}

	// A container the task definition does not have.
	_, err = r.Deploy(ctx, DeployOptions{Service: e.svc, Container: "worker", Image: "x"})
	if err == nil || !strings.Contains(err.Error(), `container "worker" is not in task definition storefront; its containers are: app`) {
		t.Errorf("unknown container: %v", err)
	}
}

// logWriter plays the container: when RunTask returns, it writes log lines
// into the task's awslogs stream in moto (as the awslogs driver would).
type logWriter struct {
	API
	t     *testing.T
	logs  *cloudwatchlogs.Client
	lines []string
}

func (w *logWriter) RunTask(ctx context.Context, in *ecs.RunTaskInput, opts ...func(*ecs.Options)) (*ecs.RunTaskOutput, error) {
	out, err := w.API.RunTask(ctx, in, opts...)
	if err == nil && len(out.Tasks) == 1 {
		w.put(taskID(aws.ToString(out.Tasks[0].TaskArn)))
	}
	return out, err
}

func (w *logWriter) put(id string) {
	ctx := context.Background()
	stream := "migrate/app/" + id
	_, _ = w.logs.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String("/ecs/storefront")})
	if _, err := w.logs.CreateLogStream(ctx, &cloudwatchlogs.CreateLogStreamInput{LogGroupName: aws.String("/ecs/storefront"), LogStreamName: aws.String(stream)}); err != nil {
		w.t.Error(err)
		return
	}
	var evs []cwltypes.InputLogEvent
	for i, l := range w.lines {
		evs = append(evs, cwltypes.InputLogEvent{Message: aws.String(l), Timestamp: aws.Int64(time.Now().UnixMilli() + int64(i))})
	}
	if _, err := w.logs.PutLogEvents(ctx, &cloudwatchlogs.PutLogEventsInput{LogGroupName: aws.String("/ecs/storefront"), LogStreamName: aws.String(stream), LogEvents: evs}); err != nil {
		w.t.Error(err)
	}
}

// moto runs a one-off task through RUNNING to STOPPED in about four
// DescribeTasks calls, exit code 0.
func TestRunTaskAgainstMoto(t *testing.T) {
	e := startMotoEnv(t)
	ctx := context.Background()
	var out bytes.Buffer
	lines := []string{"migrating 0001_init", "::add-mask::secret", "done: 1 migration"}
	api := &logWriter{API: e.ecs, t: t, logs: e.logs, lines: lines}
	r := e.runner(api, &out)
	reg, err := r.Deploy(ctx, DeployOptions{RegisterOnly: true, TaskDefinitionFile: []byte(motoTaskDef)})
	if err != nil {
		t.Fatal(err)
	}
	e.createService(t, reg.ID)

	opts := TaskOptions{Service: e.svc, Command: []string{"./migrate", "up"}, Environment: map[string]string{"DRY_RUN": "0"}, StartedBy: "gh-run-42-migrate"}
	res, err := r.RunTask(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != result.Succeeded || res.Values[ValueExitCode] != "0" || res.Values[ValueLastStatus] != "STOPPED" || res.Target.Kind != result.ECSTask {
		t.Fatalf("%s %v %+v\n%s", res.Status, res.Values, res.Failure, &out)
	}
	if !strings.HasPrefix(res.Links[0].URL, "https://us-east-1.console.aws.amazon.com/ecs/v2/clusters/prod/tasks/") {
		t.Errorf("links %v", res.Links)
	}
	log := out.String()
	for _, l := range []string{"migrating 0001_init", "done: 1 migration"} {
		if !strings.Contains(log, l+"\n") || !strings.Contains(res.Output, l) {
			t.Errorf("log line %q not streamed:\n%s", l, log)
		}
	}
	if strings.Contains(log, "::add-mask::") {
		t.Errorf("a log line became a workflow command:\n%s", log)
	}
	// The task got the service's network configuration and the overrides.
	dt, err := e.ecs.DescribeTasks(ctx, &ecs.DescribeTasksInput{Cluster: aws.String("prod"), Tasks: []string{res.ID}})
	if err != nil || len(dt.Tasks) != 1 {
		t.Fatal(dt, err)
	}
	tk := dt.Tasks[0]
	if tk.LaunchType != types.LaunchTypeFargate || tk.Overrides == nil || len(tk.Overrides.ContainerOverrides) != 1 ||
		strings.Join(tk.Overrides.ContainerOverrides[0].Command, " ") != "./migrate up" || aws.ToString(tk.StartedBy) != opts.StartedBy {
		t.Errorf("task %+v", tk)
	}

	// A rerun of the job attaches to the same task.
	res2, err := r.RunTask(ctx, opts)
	if err != nil || !res2.Attached || res2.ID != res.ID || res2.Status != result.Succeeded {
		t.Fatalf("rerun: %+v %v", res2, err)
	}
	if n := e.tasks(t, opts.StartedBy); n != 1 {
		t.Errorf("%d tasks started", n)
	}
}

func (e *motoEnv) tasks(t *testing.T, startedBy string) int {
	t.Helper()
	out, err := e.ecs.ListTasks(context.Background(), &ecs.ListTasksInput{Cluster: aws.String("prod"), StartedBy: aws.String(startedBy)})
	if err != nil {
		t.Fatal(err)
	}
	return len(out.TaskArns)
}

// actionCounter sits between the fault proxy and moto: it counts the calls
// that reached moto per action, and for the actions in lose it forwards the
// first call and then drops the connection, so the change is made but the
// answer is lost.
type actionCounter struct {
	target string
	mu     sync.Mutex
	calls  map[string]int
	lose   map[string]bool
}

func startActionCounter(t *testing.T, target string, lose ...string) (*actionCounter, string) {
	c := &actionCounter{target: target, calls: map[string]int{}, lose: map[string]bool{}}
	for _, a := range lose {
		c.lose[a] = true
	}
	srv := httptest.NewServer(c)
	t.Cleanup(srv.Close)
	return c, srv.URL
}

func (c *actionCounter) count(action string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.calls[action]
}

func (c *actionCounter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	action := r.Header.Get("X-Amz-Target")
	if i := strings.LastIndexByte(action, '.'); i >= 0 {
		action = action[i+1:]
	}
	body, _ := io.ReadAll(r.Body)
	req, _ := http.NewRequest(r.Method, c.target+r.URL.RequestURI(), bytes.NewReader(body))
	req.Header = r.Header.Clone()
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		http.Error(w, err.Error(), 502)
		return
	}
	defer resp.Body.Close()
	c.mu.Lock()
	c.calls[action]++
	lose := c.lose[action]
	delete(c.lose, action)
	c.mu.Unlock()
	if lose {
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			if tc, ok := conn.(*net.TCPConn); ok {
				_ = tc.SetLinger(0)
			}
			conn.Close()
		}
		return
	}
	out, _ := io.ReadAll(resp.Body)
	if resp.StatusCode == 200 && (action == "RunTask" || action == "DescribeTasks" || action == "StopTask") {
		out = fixMotoTasks(out)
	}
	for k, v := range resp.Header {
		w.Header()[k] = v
	}
	w.Header().Set("Content-Length", fmt.Sprint(len(out)))
	w.WriteHeader(resp.StatusCode)
	_, _ = w.Write(out)
}

// fixMotoTasks works around a moto 5.2.1 bug: it writes a task's
// containers[].cpu and .memory as JSON numbers (copied from the container
// definition), where the ECS API has strings, and the Go SDK refuses the
// answer ("expected string, got 0").
func fixMotoTasks(body []byte) []byte {
	var doc map[string]any
	if json.Unmarshal(body, &doc) != nil {
		return body
	}
	var tasks []any
	if ts, ok := doc["tasks"].([]any); ok {
		tasks = ts
	}
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
	fixed, err := json.Marshal(doc)
	if err != nil {
		return body
	}
	return fixed
}

var (
	ecsThrottle = testenv.Fault{Status: 400, Body: `{"__type":"ThrottlingException","message":"Rate exceeded"}`}
	ecs500      = testenv.Fault{Status: 500, Body: `{"__type":"ServerException","message":"internal error"}`}
)

// Throttling, 5xx, connection resets, and answers lost after moto made the
// change: one revision, one UpdateService, one task.
func TestFaultsAgainstMoto(t *testing.T) {
	m := testenv.StartMoto(t, "MOTO_ECS_SERVICE_RUNNING=2")
	counter, counterURL := startActionCounter(t, m.URL, "RegisterTaskDefinition", "UpdateService", "RunTask")
	proxy := testenv.StartFaultProxy(t, counterURL)
	e := newMotoEnv(t, m.Config()) // set up and checked directly
	faulty := m.Config()
	faulty.BaseEndpoint = aws.String(proxy.URL)
	fe := &motoEnv{cfg: faulty, ecs: ecs.NewFromConfig(faulty), logs: cloudwatchlogs.NewFromConfig(faulty)}
	ctx := context.Background()
	var out bytes.Buffer
	r := e.runner(fe.ecs, &out)
	r.Logs = fe.logs

	// Register: the first answer is lost after moto registered.
	proxy.SetScript(ecsThrottle, testenv.Reset, ecs500)
	reg, err := r.Deploy(ctx, DeployOptions{RegisterOnly: true, TaskDefinitionFile: []byte(motoTaskDef)})
	if err != nil || reg.Status != result.Succeeded {
		t.Fatalf("register: %+v %v\n%s", reg, err, &out)
	}
	if revs := e.revisions(t); len(revs) != 1 || counter.count("RegisterTaskDefinition") != 1 {
		t.Fatalf("revisions %v after %d RegisterTaskDefinition calls reached moto", revs, counter.count("RegisterTaskDefinition"))
	}
	e.createService(t, reg.ID)

	// Deploy a new image: register (answer lost again? no: only the first
	// of each action is lost) and update (answer lost), with faults around.
	counter.mu.Lock()
	counter.lose["RegisterTaskDefinition"] = true
	counter.mu.Unlock()
	proxy.SetScript(ecs500, ecsThrottle, testenv.Reset, testenv.Pass, ecsThrottle, ecs500)
	res, err := r.Deploy(ctx, DeployOptions{Service: e.svc, Container: "app", Image: "registry.example/storefront:2"})
	if err != nil {
		t.Fatalf("deploy: %v\n%s", err, &out)
	}
	if revs := e.revisions(t); len(revs) != 2 || counter.count("RegisterTaskDefinition") != 2 || counter.count("UpdateService") != 1 {
		t.Fatalf("revisions %v; %d RegisterTaskDefinition, %d UpdateService reached moto\n%s", revs, counter.count("RegisterTaskDefinition"), counter.count("UpdateService"), &out)
	}
	if revisionOf(aws.ToString(e.service(t).TaskDefinition)) != "2" || res.Failure == nil || res.Failure.Error != "NoDeployment" {
		t.Errorf("deploy: %s %+v", res.Status, res.Failure)
	}
	// Attach to what runs, through throttling.
	proxy.SetScript(ecsThrottle, ecsThrottle, testenv.Reset, ecs500)
	res, err = r.Deploy(ctx, DeployOptions{Service: e.svc, TaskDefinitionARN: res.Values[ValuePreviousTaskDefinition]})
	if err != nil || res.Status != result.Succeeded || !res.Attached {
		t.Errorf("attach: %+v %v", res, err)
	}

	// Run a task: RunTask's answer is lost; polls meet throttling and resets.
	proxy.SetScript(ecsThrottle, testenv.Reset, ecs500, testenv.Pass, testenv.Pass, testenv.Pass, ecsThrottle, testenv.Reset, ecs500, ecsThrottle)
	tres, err := r.RunTask(ctx, TaskOptions{Service: e.svc, StartedBy: "gh-run-7-migrate"})
	if err != nil || tres.Status != result.Succeeded || tres.Values[ValueExitCode] != "0" {
		t.Fatalf("run task: %+v %v\n%s", tres, err, &out)
	}
	if n := counter.count("RunTask"); n != 1 {
		t.Errorf("%d RunTask calls reached moto", n)
	}
	if n := e.tasks(t, "gh-run-7-migrate"); n != 1 {
		t.Errorf("%d tasks", n)
	}
	t.Logf("fault proxy log: %v", proxy.Log()[:20])
}
