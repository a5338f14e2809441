package actions_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/stagecrew/stagecrew/internal/cli"
	"github.com/stagecrew/stagecrew/internal/testenv"
	"github.com/stagecrew/stagecrew/pkg/result"
)

// TestEnforcedCLIInputs: the workflow steps' with: given to `stagecrew iam
// permissions --input ... --step --input ...` yield a policy under which
// the same steps run through actions.Run with every call authorized as IAM
// would (the IAMProxy with iam-simulate, moto's projection): a deploy with
// keep-revisions that deregisters an old revision, a deploy and a one-off
// task with tags (ecs:TagResource on create). Under the policy printed
// without the inputs, the same calls are denied, so the inputs' statements
// are needed, not just allowed.
//
// It runs as a subtest of TestEnforcedLeastPrivilege, sharing its setup,
// under a run ID of its own (a one-off task of an earlier subtest's run
// would otherwise be attached to, not started). The runs take about 7 s.
func (e *enforcedEnv) cliInputs(t *testing.T) {
	ctx := context.Background()
	client := ecs.NewFromConfig(e.admin)
	svc, err := client.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: aws.String("prod"), Services: []string{"storefront"}})
	if err != nil || len(svc.Services) != 1 {
		t.Fatalf("storefront: %v, %v", svc, err)
	}
	cur, err := client.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: svc.Services[0].TaskDefinition})
	if err != nil {
		t.Fatal(err)
	}
	image := aws.ToString(cur.TaskDefinition.ContainerDefinitions[0].Image)
	const role = "stagecrew-storefront"
	// The workflow's steps, as their with: give them.
	deploy := map[string]string{"mode": "ecs-deploy", "image": image, "keep-revisions": "1"}
	tagged := map[string]string{"mode": "ecs-deploy", "image": "registry.example/storefront:3", "tags": "team=payments"}
	task := map[string]string{"mode": "ecs-run-task", "command": `["./migrate"]`, "tags": "team=payments"}
	policy := func(steps ...map[string]string) json.RawMessage {
		t.Helper()
		var out bytes.Buffer
		opts := &cli.IAMOptions{IO: &cli.IOStreams{Out: &out, ErrOut: io.Discard}, EntityFile: filepath.Join(e.dir, "catalog-info.yaml"),
			Name: "storefront", Environment: "production", Steps: steps}
		if err := cli.IAMPermissionsRun(context.Background(), opts); err != nil {
			t.Fatal(err)
		}
		return bytes.Clone(out.Bytes())
	}
	withInputs, baseline := policy(deploy, tagged, task), policy()
	for _, sid := range []string{`"ecs:DeregisterTaskDefinition"`, `"Sid": "TagOnCreate"`} {
		if !strings.Contains(string(withInputs), sid) || strings.Contains(string(baseline), sid) {
			t.Fatalf("%s: in the policy with inputs %v, in the baseline %v", sid, strings.Contains(string(withInputs), sid), strings.Contains(string(baseline), sid))
		}
	}
	// keep-revisions=1 after a same-image deploy keeps the revision in use
	// and deregisters the older ones. The service is created anew on the
	// newest of three revisions: moto starts no deployment for an
	// UpdateService, and the same-image deploy must find its revision in
	// the service's PRIMARY deployment.
	var in ecs.RegisterTaskDefinitionInput
	if err := json.Unmarshal([]byte(enforcedTaskDef("storefront")), &in); err != nil {
		t.Fatal(err)
	}
	in.ContainerDefinitions[0].Image = aws.String(image)
	var newest string
	for range 3 {
		out, err := client.RegisterTaskDefinition(ctx, &in)
		if err != nil {
			t.Fatal(err)
		}
		newest = aws.ToString(out.TaskDefinition.TaskDefinitionArn)
	}
	s0 := svc.Services[0]
	if _, err := client.DeleteService(ctx, &ecs.DeleteServiceInput{Cluster: aws.String("prod"), Service: aws.String("storefront"), Force: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.CreateService(ctx, &ecs.CreateServiceInput{Cluster: aws.String("prod"), ServiceName: aws.String("storefront"),
		TaskDefinition: aws.String(newest), DesiredCount: aws.Int32(1), LaunchType: s0.LaunchType, NetworkConfiguration: s0.NetworkConfiguration}); err != nil {
		t.Fatal(err)
	}
	before, err := client.ListTaskDefinitions(ctx, &ecs.ListTaskDefinitionsInput{FamilyPrefix: aws.String("storefront"), Status: ecstypes.TaskDefinitionStatusActive})
	if err != nil {
		t.Fatal(err)
	}
	inputs := func(with map[string]string) map[string]string {
		env := map[string]string{"GITHUB_RUN_ID": "4242"}
		for k, v := range with {
			if k != "mode" {
				env["INPUT_"+strings.ToUpper(k)] = v
			}
		}
		return env
	}
	use := func(p json.RawMessage) {
		e.policies[role] = p
		e.putMotoPolicy(t, role, nil)
	}
	saved := e.policies[role]
	defer use(saved)

	for _, c := range []struct {
		name   string
		policy json.RawMessage
		allow  bool
	}{
		// The baseline first: its denials change nothing, and the
		// same-image deploy still finds the image the service runs.
		{"the policy without the inputs", baseline, false},
		{"the policy of the steps' inputs", withInputs, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			use(c.policy)
			// keep-revisions: a same-image deploy succeeds (moto's one
			// deployment completes), then the clean-up lists and
			// deregisters.
			res, err, calls, log := e.run(t, "storefront", deploy["mode"], role, inputs(deploy))
			ops, denied := operations(calls)
			if err != nil || res.Status != result.Succeeded {
				t.Fatalf("keep-revisions deploy: %v, %+v\n%s", err, res, log)
			}
			if c.allow {
				if denied != nil {
					t.Fatalf("keep-revisions deploy denied %+v\n%s", denied, log)
				}
				mustInclude(t, "keep-revisions deploy", ops, "ecs:ListTaskDefinitions", "ecs:DeregisterTaskDefinition")
				list, err := client.ListTaskDefinitions(ctx, &ecs.ListTaskDefinitionsInput{FamilyPrefix: aws.String("storefront"), Status: ecstypes.TaskDefinitionStatusActive})
				if err != nil || len(list.TaskDefinitionArns) != 1 || list.TaskDefinitionArns[0] != newest || len(before.TaskDefinitionArns) < 4 {
					t.Errorf("ACTIVE revisions after keep-revisions=1: %v (%v; before: %v), want %s alone", list.TaskDefinitionArns, err, before.TaskDefinitionArns, newest)
				}
			} else if denied == nil || denied.Action != "ecs:ListTaskDefinitions" {
				t.Errorf("keep-revisions deploy under the baseline: denied %+v, want ecs:ListTaskDefinitions\n%s", denied, log)
			}

			// tags: a new revision registered with tags (moto then starts
			// no deployment, reported as NoDeployment: every call before
			// was allowed), and a one-off task started with them.
			res, _, calls, log = e.run(t, "storefront", tagged["mode"], role, inputs(tagged))
			ops, denied = operations(calls)
			switch {
			case c.allow && (denied != nil || res == nil || res.Failure == nil || res.Failure.Error != "NoDeployment"):
				t.Errorf("tagged deploy: %+v, denied %+v\n%s", res, denied, log)
			case c.allow:
				mustInclude(t, "tagged deploy", ops, "ecs:RegisterTaskDefinition")
				mustRequest(t, "tagged deploy", calls, "ecs:TagResource")
			case denied == nil || denied.Action != "ecs:TagResource":
				t.Errorf("tagged deploy under the baseline: denied %+v, want ecs:TagResource\n%s", denied, log)
			}
			res, err, calls, log = e.run(t, "storefront", task["mode"], role, inputs(task))
			_, denied = operations(calls)
			switch {
			case c.allow && (err != nil || res.Status != result.Succeeded || denied != nil):
				t.Errorf("tagged task: %v, %+v, denied %+v\n%s", err, res, denied, log)
			case c.allow:
				mustRequest(t, "tagged task", calls, "ecs:TagResource")
			case denied == nil || denied.Action != "ecs:TagResource":
				t.Errorf("tagged task under the baseline: denied %+v, want ecs:TagResource\n%s", denied, log)
			}
		})
	}
}

// mustRequest fails unless a call was authorized as action (an IAM
// request besides its own, such as tagging on create).
func mustRequest(t *testing.T, what string, calls []testenv.IAMCall, action string) {
	t.Helper()
	for _, c := range calls {
		for _, r := range c.Requests {
			if r.Action == action {
				return
			}
		}
	}
	t.Errorf("%s was never authorized as %s: the test would prove nothing about it", what, action)
}
