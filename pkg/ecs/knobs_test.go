package ecs

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/stagecrew/stagecrew/pkg/result"
)

// registerImage registers revision n of the storefront family (image :n).
func (e *motoEnv) registerImage(t *testing.T, family string, n int) string {
	t.Helper()
	out, err := e.ecs.RegisterTaskDefinition(context.Background(), &ecs.RegisterTaskDefinitionInput{Family: aws.String(family),
		NetworkMode: types.NetworkModeAwsvpc, RequiresCompatibilities: []types.Compatibility{types.CompatibilityFargate}, Cpu: aws.String("256"), Memory: aws.String("512"),
		ContainerDefinitions: []types.ContainerDefinition{{Name: aws.String("app"), Image: aws.String(fmt.Sprintf("registry.example/%s:%d", family, n)), Memory: aws.Int32(512)}}})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.TaskDefinition.TaskDefinitionArn)
}

func (e *motoEnv) active(t *testing.T, family string) []string {
	t.Helper()
	out, err := e.ecs.ListTaskDefinitions(context.Background(), &ecs.ListTaskDefinitionsInput{FamilyPrefix: aws.String(family), Status: types.TaskDefinitionStatusActive})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, a := range out.TaskDefinitionArns {
		if f, _, _ := strings.Cut(tdKey(a), ":"); f == family {
			keys = append(keys, tdKey(a))
		}
	}
	slices.Sort(keys)
	return keys
}

// desired-count, propagate-tags, managed tags, force-new-deployment and
// keep-revisions against moto.
func TestDeployKnobsAgainstMoto(t *testing.T) {
	e := startMotoEnv(t)
	ctx := context.Background()
	var out bytes.Buffer
	r := e.runner(e.ecs, &out)
	var revs []string
	for n := 1; n <= 5; n++ {
		revs = append(revs, e.registerImage(t, "storefront", n))
	}
	other := e.registerImage(t, "storefront-worker", 1)
	e.createService(t, revs[3]) // runs revision 4
	first := e.service(t)

	// The service already runs revision 4, but the count and tag settings
	// change: UpdateService is called, and the deploy succeeds.
	res, err := r.Deploy(ctx, DeployOptions{Service: e.svc, TaskDefinitionARN: revs[3], DesiredCount: aws.Int32(3),
		PropagateTags: types.PropagateTagsService, EnableECSManagedTags: true, KeepRevisions: 1})
	if err != nil || res.Status != result.Succeeded {
		t.Fatalf("deploy: %+v %v\n%s", res, err, &out)
	}
	svc := e.service(t)
	if svc.DesiredCount != 3 || svc.PropagateTags != types.PropagateTagsService || !svc.EnableECSManagedTags {
		t.Errorf("service: desired %d, propagate %q, managed tags %v", svc.DesiredCount, svc.PropagateTags, svc.EnableECSManagedTags)
	}
	// keep-revisions 1: the newest (5) stays, the running one (4) stays,
	// 1-3 go; the other family, whose name starts the same, is untouched.
	if got := e.active(t, "storefront"); strings.Join(got, " ") != "storefront:4 storefront:5" {
		t.Errorf("active revisions %v\n%s", got, &out)
	}
	if res.Values[ValueDeregistered] != "storefront:3,storefront:2,storefront:1" {
		t.Errorf("deregistered %q", res.Values[ValueDeregistered])
	}
	if got := e.active(t, "storefront-worker"); len(got) != 1 || got[0] != tdKey(other) {
		t.Errorf("the other family: %v", got)
	}

	// force-new-deployment: a new deployment of the same revision.
	res, err = r.Deploy(ctx, DeployOptions{Service: e.svc, TaskDefinitionARN: revs[3], ForceNewDeployment: true})
	if err != nil || res.Status != result.Succeeded || res.Attached || res.ID == aws.ToString(first.Deployments[0].Id) {
		t.Errorf("forced: %+v %v (first deployment %s)", res, err, aws.ToString(first.Deployments[0].Id))
	}
}

// cancelAfterUpdate cancels the deploy's context once UpdateService has
// answered, as the runner's SIGTERM would during the wait.
type cancelAfterUpdate struct {
	API
	cancel  context.CancelFunc
	updates []string
}

func (c *cancelAfterUpdate) UpdateService(ctx context.Context, in *ecs.UpdateServiceInput, opts ...func(*ecs.Options)) (*ecs.UpdateServiceOutput, error) {
	out, err := c.API.UpdateService(ctx, in, opts...)
	c.updates = append(c.updates, tdKey(aws.ToString(in.TaskDefinition)))
	c.cancel()
	return out, err
}

// A cancelled deploy goes back to the previous task definition with
// RollbackOnCancel, and is left going without it.
func TestDeployCancelAgainstMoto(t *testing.T) {
	e := startMotoEnv(t)
	var out bytes.Buffer
	rev1 := e.registerImage(t, "storefront", 1)
	e.createService(t, rev1)
	for _, back := range []bool{true, false} {
		ctx, cancel := context.WithCancel(context.Background())
		api := &cancelAfterUpdate{API: e.ecs, cancel: cancel}
		r := e.runner(api, &out)
		image := fmt.Sprintf("registry.example/storefront:%v", back)
		res, err := r.Deploy(ctx, DeployOptions{Service: e.svc, Container: "app", Image: image, RollbackOnCancel: back})
		cancel()
		if err != nil || res.Status != result.Cancelled {
			t.Fatalf("rollback %v: %+v %v\n%s", back, res, err, &out)
		}
		runs := tdKey(aws.ToString(e.service(t).TaskDefinition))
		if back {
			if runs != "storefront:1" || res.Values[ValueCancelRollback] != "started" || len(api.updates) != 2 || !strings.Contains(res.Failure.Cause, "going back to storefront:1") {
				t.Errorf("rollback on cancel: service runs %s, updates %v, %v, %+v", runs, api.updates, res.Values, res.Failure)
			}
			continue
		}
		if runs == "storefront:1" || len(api.updates) != 1 || !strings.Contains(res.Failure.Cause, "the deployment goes on") {
			t.Errorf("left on cancel: service runs %s, updates %v, %+v", runs, api.updates, res.Failure)
		}
	}
}

// Run-task network, launch and tag knobs against moto.
func TestRunTaskKnobsAgainstMoto(t *testing.T) {
	e := startMotoEnv(t)
	ctx := context.Background()
	rev := e.registerImage(t, "storefront", 1)
	e.createService(t, rev)
	ec := ec2.NewFromConfig(e.cfg)
	subs, err := ec.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{SubnetIds: e.network.AwsvpcConfiguration.Subnets})
	if err != nil {
		t.Fatal(err)
	}
	sub2, err := ec.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: subs.Subnets[0].VpcId, CidrBlock: aws.String("10.0.2.0/24")})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	r := e.runner(e.ecs, &out)
	opts := TaskOptions{Service: e.svc, StartedBy: "knobs", Subnets: []string{aws.ToString(sub2.Subnet.SubnetId)}, AssignPublicIP: types.AssignPublicIpEnabled,
		LaunchType: types.LaunchTypeFargate, Tags: map[string]string{"team": "payments"}, EnableECSManagedTags: true}
	nc := opts.network(e.network)
	if v := nc.AwsvpcConfiguration; v.Subnets[0] != aws.ToString(sub2.Subnet.SubnetId) || v.SecurityGroups[0] != e.network.AwsvpcConfiguration.SecurityGroups[0] || v.AssignPublicIp != types.AssignPublicIpEnabled {
		t.Errorf("network %+v", v)
	}
	if e.network.AwsvpcConfiguration.AssignPublicIp != "" {
		t.Error("the service's network configuration was changed in place")
	}
	res, err := r.RunTask(ctx, opts)
	if err != nil || res.Status != result.Succeeded {
		t.Fatalf("%+v %v\n%s", res, err, &out)
	}
	tags, err := e.ecs.ListTagsForResource(ctx, &ecs.ListTagsForResourceInput{ResourceArn: aws.String(res.ID)})
	if err != nil || len(tags.Tags) != 1 || aws.ToString(tags.Tags[0].Key) != "team" {
		t.Errorf("task tags %+v %v", tags, err)
	}
}
