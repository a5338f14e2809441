package stepfunctions

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/stagecrew/stagecrew/pkg/annotations"
	"github.com/stagecrew/stagecrew/pkg/result"
)

const (
	defV1 = `{
  "Comment": "orders ${Env}",
  "StartAt": "Save",
  "States": {
    "Save": {"Type": "Pass", "Result": {"table": "${Table}"}, "ResultPath": "$.saved", "End": true}
  }
}`
	defV2 = `{
  "Comment": "orders ${Env}",
  "StartAt": "Save",
  "States": {
    "Save": {"Type": "Pass", "Result": {"table": "${Table}"}, "ResultPath": "$.saved", "Next": "Wait"},
    "Wait": {"Type": "Wait", "Seconds": ${Pause}, "End": true}
  }
}`
	roleA = "arn:aws:iam::123456789012:role/sfn"
	roleB = "arn:aws:iam::123456789012:role/sfn-b"
)

func deployRequest(sm annotations.StateMachineARN, def string) DeployRequest {
	return DeployRequest{
		StateMachine: sm, Alias: "staging", Definition: []byte(def), Source: "statemachine/definition.asl.json",
		Substitutions: map[string]string{"Env": "staging", "Table": "orders-staging", "Pause": "1"},
		Commit:        "0123456789abcdef0123456789abcdef01234567",
		Entity:        "component:default/orders", Environment: "staging",
	}
}

func (e *motoEnv) alias(t *testing.T, arn string) []types.RoutingConfigurationListItem {
	t.Helper()
	out, err := e.client.DescribeStateMachineAlias(context.Background(), &sfn.DescribeStateMachineAliasInput{StateMachineAliasArn: aws.String(arn)})
	if err != nil {
		t.Fatalf("DescribeStateMachineAlias: %v", err)
	}
	return out.RoutingConfiguration
}

func (e *motoEnv) describe(t *testing.T, arn string) *sfn.DescribeStateMachineOutput {
	t.Helper()
	out, err := e.client.DescribeStateMachine(context.Background(), &sfn.DescribeStateMachineInput{StateMachineArn: aws.String(arn)})
	if err != nil {
		t.Fatalf("DescribeStateMachine %s: %v", arn, err)
	}
	return out
}

func routesTo(routes []types.RoutingConfigurationListItem) string {
	var parts []string
	for _, r := range routes {
		v := aws.ToString(r.StateMachineVersionArn)
		parts = append(parts, v[strings.LastIndex(v, ":")+1:]+"="+strconv.Itoa(int(r.Weight)))
	}
	return strings.Join(parts, ",")
}

// TestDeployAgainstMoto: publish, alias, idempotence, a changed definition,
// a changed role, and what is refused before anything changes, all in moto.
func TestDeployAgainstMoto(t *testing.T) {
	e := newMoto(t)
	t.Run("publish and alias", func(t *testing.T) { testDeploy(t, e) })
	t.Run("canary", func(t *testing.T) { testDeployCanary(t, e) })
	t.Run("canary rolls back", func(t *testing.T) { testDeployCanaryRollsBack(t, e) })
	t.Run("plan", func(t *testing.T) { testPlan(t, e) })
	t.Run("start through the alias", func(t *testing.T) { testStartThroughAlias(t, e) })
	t.Run("under enforced IAM", func(t *testing.T) { testDeployUnderEnforcedIAM(t, e) }) // last: it changes the server's IAM
}

// testStartThroughAlias: after a deploy, the runner starts executions
// through the alias ARN (StartExecution gets the alias ARN, the execution
// ARN is the state machine's), and waits for the execution in moto. moto
// 5.2.1 cannot start through an alias or version ARN (StateMachineDoesNotExist),
// so aliasStart stands in for that one call: it checks the ARN and starts
// the state machine itself, which runs the definition just deployed.
func testStartThroughAlias(t *testing.T, e *motoEnv) {
	sm := e.machine(t, `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`)
	ctx := context.Background()
	if _, err := (&Deployer{Client: e.client}).Deploy(ctx, deployRequest(sm, defV1)); err != nil {
		t.Fatal(err)
	}
	alias, err := annotations.ParseStateMachineARN(sm.String() + ":staging")
	if err != nil {
		t.Fatal(err)
	}
	as := &aliasStart{Client: e.client, alias: alias.String()}
	log := &recLog{}
	res, err := fastRunner(as, log).Run(ctx, request(alias, `{"n": 1}`))
	if err != nil || res.Status != result.Succeeded {
		t.Fatalf("run through the alias: %+v, %v\n%s", res, err, log)
	}
	if as.started != alias.String() || res.ID != ExecutionARN(sm, ExecutionName("component:default/orders", "staging", "9876543210", "deploy")) {
		t.Errorf("started %q, execution %s", as.started, res.ID)
	}
	if !jsonEqual(t, res.Output, `{"n": 1, "saved": {"table": "orders-staging"}}`) {
		t.Errorf("output %s: not the deployed definition's", res.Output)
	}
}

// aliasStart passes every call to moto but StartExecution of the alias,
// which it records and makes on the state machine (see testStartThroughAlias).
type aliasStart struct {
	Client
	alias, started string
}

func (a *aliasStart) StartExecution(ctx context.Context, in *sfn.StartExecutionInput, o ...func(*sfn.Options)) (*sfn.StartExecutionOutput, error) {
	arn := aws.ToString(in.StateMachineArn)
	if arn != a.alias {
		return a.Client.StartExecution(ctx, in, o...)
	}
	a.started = arn
	cp := *in
	cp.StateMachineArn = aws.String(arn[:strings.LastIndex(arn, ":")])
	return a.Client.StartExecution(ctx, &cp, o...)
}

// testPlan: a plan reads what the alias runs (the state machine itself
// before the alias exists) and changes nothing; an invalid definition is a
// plan with error findings.
func testPlan(t *testing.T, e *motoEnv) {
	sm := e.machine(t, `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`)
	ctx := context.Background()
	d := &Deployer{Client: e.client}
	p, err := d.Plan(ctx, deployRequest(sm, defV1))
	if err != nil || !p.Changed || p.DeployedFrom != sm.String() || !strings.Contains(string(p.Deployed), `"P"`) || len(p.Findings) != 0 {
		t.Fatalf("plan before the alias: %+v, %v", p, err)
	}
	if _, err := d.Deploy(ctx, deployRequest(sm, defV1)); err != nil {
		t.Fatal(err)
	}
	p, err = d.Plan(ctx, deployRequest(sm, strings.ReplaceAll(defV1, "  ", "\t")))
	if err != nil || p.Changed || p.DeployedFrom != sm.String()+":1" {
		t.Errorf("plan of the deployed definition: %+v, %v", p, err)
	}
	p, err = d.Plan(ctx, deployRequest(sm, defV2))
	if err != nil || !p.Changed || !strings.Contains(string(p.Definition), `"Seconds": 1`) {
		t.Errorf("plan of a change: %+v, %v", p, err)
	}
	p, err = d.Plan(ctx, deployRequest(sm, `{"StartAt":"Nope","States":{"P":{"Type":"Pass","End":true}}}`))
	if err != nil || len(p.Findings) == 0 || p.Findings[0].Severity != "error" || !p.Changed {
		t.Errorf("plan of an invalid definition: %+v, %v", p, err)
	}
	if _, err := e.client.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: aws.String(sm.String() + ":2")}); err == nil {
		t.Error("a plan published a version")
	}
}

func testDeploy(t *testing.T, e *motoEnv) {
	sm := e.machine(t, `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`)
	log := &recLog{}
	d := &Deployer{Client: e.client, Log: log}
	ctx := context.Background()
	aliasARN := sm.String() + ":staging"

	// First deploy: version 1, a new alias.
	res, err := d.Deploy(ctx, deployRequest(sm, defV1))
	if err != nil {
		t.Fatalf("Deploy: %v\n%s", err, log)
	}
	v1 := sm.String() + ":1"
	if res.Status != result.Succeeded || res.Values["version-arn"] != v1 || res.Values["alias-arn"] != aliasARN ||
		res.Values["previous-version-arn"] != "" || res.Values["published"] != "true" || res.Target.Kind != result.StepFunctionsDeploy {
		t.Fatalf("first deploy %+v", res)
	}
	ver := e.describe(t, v1)
	if !strings.Contains(aws.ToString(ver.Definition), `"orders-staging"`) || strings.Contains(aws.ToString(ver.Definition), "${") {
		t.Errorf("version 1 definition not substituted: %s", aws.ToString(ver.Definition))
	}
	if aws.ToString(ver.Description) != "0123456789abcdef0123456789abcdef01234567" {
		t.Errorf("version description %q, want the commit", aws.ToString(ver.Description))
	}
	if got := routesTo(e.alias(t, aliasARN)); got != "1=100" {
		t.Errorf("alias routes %s", got)
	}

	// The same definition again, reformatted: nothing published.
	again := strings.ReplaceAll(defV1, "\n  ", "\n    ")
	res, err = d.Deploy(ctx, deployRequest(sm, again))
	if err != nil || res.Values["published"] != "false" || res.Values["version-arn"] != v1 || res.Values["previous-version-arn"] != v1 {
		t.Fatalf("idempotent deploy %+v, %v\n%s", res, err, log)
	}
	if _, err := e.client.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: aws.String(sm.String() + ":2")}); err == nil {
		t.Error("a second version was published for the same definition")
	}

	// A changed definition: version 2, the alias moves, version 1 is the previous.
	res, err = d.Deploy(ctx, deployRequest(sm, defV2))
	v2 := sm.String() + ":2"
	if err != nil || res.Values["version-arn"] != v2 || res.Values["previous-version-arn"] != v1 || res.Values["published"] != "true" {
		t.Fatalf("second deploy %+v, %v\n%s", res, err, log)
	}
	if got := routesTo(e.alias(t, aliasARN)); got != "2=100" {
		t.Errorf("alias routes %s", got)
	}
	if !strings.Contains(aws.ToString(e.describe(t, v2).Definition), `"Seconds": 1`) {
		t.Errorf("number placeholder not substituted: %s", aws.ToString(e.describe(t, v2).Definition))
	}

	// Another role, same definition: a new version.
	req := deployRequest(sm, defV2)
	req.RoleARN = roleB
	res, err = d.Deploy(ctx, req)
	if err != nil || res.Values["version-arn"] != sm.String()+":3" || aws.ToString(e.describe(t, sm.String()+":3").RoleArn) != roleB {
		t.Fatalf("role change %+v, %v", res, err)
	}

	// Refused before any call: a placeholder without a value, an invalid definition.
	req = deployRequest(sm, defV2)
	delete(req.Substitutions, "Pause")
	_, err = d.Deploy(ctx, req)
	var pe *PlaceholderError
	if !errors.Is(err, ErrUndefinedPlaceholder) || !errors.As(err, &pe) || len(pe.Missing) != 1 || pe.Missing[0] != (Placeholder{"Pause", 6}) ||
		!strings.Contains(err.Error(), "${Pause} (line 6)") {
		t.Errorf("missing placeholder: %v", err)
	}
	_, err = d.Deploy(ctx, deployRequest(sm, `{"StartAt":"Nope","States":{"P":{"Type":"Pass","End":true}}}`))
	var de *DefinitionError
	if !errors.Is(err, ErrInvalidDefinition) || !errors.As(err, &de) || len(de.Findings) == 0 || de.Findings[0].Pointer == "" || de.Findings[0].Line == 0 {
		t.Errorf("invalid definition: %v", err)
	}
	if got := routesTo(e.alias(t, aliasARN)); got != "3=100" {
		t.Errorf("refused deploys moved the alias: %s", got)
	}
	if _, err := e.client.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: aws.String(sm.String() + ":4")}); err == nil {
		t.Error("a refused deploy published a version")
	}
}

// testDeployCanary: the alias splits, the window passes
// without a failed execution of the new version (moto lists the version's
// executions: none), and the alias moves to 100 %.
func testDeployCanary(t *testing.T, e *motoEnv) {
	sm := e.machine(t, `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`)
	ctx := context.Background()
	d := &Deployer{Client: e.client, MinDelay: 20 * time.Millisecond, MaxDelay: 50 * time.Millisecond}
	if _, err := d.Deploy(ctx, deployRequest(sm, defV1)); err != nil {
		t.Fatal(err)
	}
	var splits []string
	d.Client = &aliasSpy{DeployClient: e.client, onUpdate: func(r []types.RoutingConfigurationListItem) { splits = append(splits, routesTo(r)) }}
	req := deployRequest(sm, defV2)
	req.Canary = Canary{Weight: 10, Window: 200 * time.Millisecond}
	start := time.Now()
	res, err := d.Deploy(ctx, req)
	if err != nil || res.Status != result.Succeeded || res.Values["canary-executions"] != "0" {
		t.Fatalf("canary %+v, %v", res, err)
	}
	if took := time.Since(start); took < 200*time.Millisecond {
		t.Errorf("canary ended after %s, before its window", took)
	}
	if strings.Join(splits, " ") != "1=90,2=10 2=100" {
		t.Errorf("alias updates %q", splits)
	}
	if got := routesTo(e.alias(t, sm.String()+":staging")); got != "2=100" {
		t.Errorf("alias routes %s", got)
	}
}

// testDeployCanaryRollsBack: an execution of the new version fails during
// the window, and the alias goes back to the previous version. moto cannot
// start executions through a version or alias ARN (5.2.1 answers
// StateMachineDoesNotExist), so ListExecutions and DescribeExecution of the
// new version are answered by a stand-in (failingVersion, below); every
// alias and version call goes to moto.
func testDeployCanaryRollsBack(t *testing.T, e *motoEnv) {
	sm := e.machine(t, `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`)
	ctx := context.Background()
	d := &Deployer{Client: e.client, MinDelay: 20 * time.Millisecond, MaxDelay: 50 * time.Millisecond}
	if _, err := d.Deploy(ctx, deployRequest(sm, defV1)); err != nil {
		t.Fatal(err)
	}
	fv := &failingVersion{DeployClient: e.client, version: sm.String() + ":2", failAfter: 2}
	log := &recLog{}
	d.Client, d.Log = fv, log
	req := deployRequest(sm, defV2)
	req.Canary = Canary{Weight: 25, Window: 5 * time.Second}
	res, err := d.Deploy(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != result.Failed || res.Values["rolled-back"] != "true" || res.Failure == nil ||
		res.Failure.Error != "Orders.Broken" || res.Failure.Cause != "null table" || !strings.HasSuffix(res.Failure.Where, ":canary-1") {
		t.Fatalf("canary result %+v failure %+v\n%s", res, res.Failure, log)
	}
	if res.Values["version-arn"] != sm.String()+":2" || res.Values["previous-version-arn"] != sm.String()+":1" {
		t.Errorf("values %v", res.Values)
	}
	if got := routesTo(e.alias(t, sm.String()+":staging")); got != "1=100" {
		t.Errorf("alias routes %s after the rollback", got)
	}
	if res.EndedAt.Sub(res.StartedAt) > 4*time.Second {
		t.Errorf("rollback waited for the window: %s", res.EndedAt.Sub(res.StartedAt))
	}
	if !strings.Contains(log.String(), "alias rolled back to "+sm.String()+":1") {
		t.Errorf("log:\n%s", log)
	}
}

// aliasSpy records the routing of every alias update on its way to moto.
type aliasSpy struct {
	DeployClient
	onUpdate func([]types.RoutingConfigurationListItem)
}

func (s *aliasSpy) UpdateStateMachineAlias(ctx context.Context, in *sfn.UpdateStateMachineAliasInput, o ...func(*sfn.Options)) (*sfn.UpdateStateMachineAliasOutput, error) {
	s.onUpdate(in.RoutingConfiguration)
	return s.DeployClient.UpdateStateMachineAlias(ctx, in, o...)
}

// failingVersion stands in for what moto 5.2.1 cannot do: executions
// started through a version. ListExecutions of version answers one
// execution, RUNNING for the first failAfter polls and FAILED after;
// DescribeExecution of it gives the error and cause. Other calls go to
// moto.
type failingVersion struct {
	DeployClient
	version   string
	failAfter int
	mu        sync.Mutex
	polls     int
}

func (f *failingVersion) ListExecutions(ctx context.Context, in *sfn.ListExecutionsInput, o ...func(*sfn.Options)) (*sfn.ListExecutionsOutput, error) {
	if aws.ToString(in.StateMachineArn) != f.version {
		return f.DeployClient.ListExecutions(ctx, in, o...)
	}
	f.mu.Lock()
	f.polls++
	status := types.ExecutionStatusRunning
	if f.polls > f.failAfter {
		status = types.ExecutionStatusFailed
	}
	f.mu.Unlock()
	now := time.Now()
	return &sfn.ListExecutionsOutput{Executions: []types.ExecutionListItem{
		{ExecutionArn: aws.String(f.execARN()), Name: aws.String("canary-1"), Status: status, StartDate: &now,
			StateMachineArn: aws.String(f.version[:strings.LastIndex(f.version, ":")]), StateMachineVersionArn: aws.String(f.version)},
		{ExecutionArn: aws.String(f.execARN() + "-old"), Name: aws.String("before"), Status: types.ExecutionStatusFailed, StartDate: aws.Time(now.Add(-time.Hour))},
	}}, nil
}

func (f *failingVersion) execARN() string {
	base := strings.Replace(f.version[:strings.LastIndex(f.version, ":")], ":stateMachine:", ":execution:", 1)
	return base + ":canary-1"
}

func (f *failingVersion) DescribeExecution(ctx context.Context, in *sfn.DescribeExecutionInput, o ...func(*sfn.Options)) (*sfn.DescribeExecutionOutput, error) {
	if aws.ToString(in.ExecutionArn) != f.execARN() {
		return f.DeployClient.DescribeExecution(ctx, in, o...)
	}
	return &sfn.DescribeExecutionOutput{ExecutionArn: in.ExecutionArn, Status: types.ExecutionStatusFailed,
		Error: aws.String("Orders.Broken"), Cause: aws.String("null table")}, nil
}
