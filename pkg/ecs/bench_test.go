package ecs

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/stagecrew/stagecrew/pkg/result"
)

// rolloutECS is an in-process ECS whose deployment of the new revision
// completes at a set time of a simulated clock.
type rolloutECS struct {
	API
	clock      *simClock
	completeAt time.Time
	describes  int
	updated    bool
}

func (s *rolloutECS) DescribeServices(context.Context, *ecs.DescribeServicesInput, ...func(*ecs.Options)) (*ecs.DescribeServicesOutput, error) {
	s.describes++
	d := types.Deployment{Id: aws.String("ecs-svc/1"), Status: aws.String("PRIMARY"), TaskDefinition: aws.String(fakeTDARN(1)), RolloutState: types.DeploymentRolloutStateCompleted, DesiredCount: 2, RunningCount: 2}
	ds := []types.Deployment{d}
	if s.updated {
		n := types.Deployment{Id: aws.String("ecs-svc/2"), Status: aws.String("PRIMARY"), TaskDefinition: aws.String(fakeTDARN(2)), RolloutState: types.DeploymentRolloutStateInProgress, DesiredCount: 2, RunningCount: 1}
		if !s.clock.Now().Before(s.completeAt) {
			n.RolloutState, n.RunningCount, ds = types.DeploymentRolloutStateCompleted, 2, nil
		} else {
			ds[0].Status = aws.String("ACTIVE")
		}
		ds = append([]types.Deployment{n}, ds...)
	}
	return &ecs.DescribeServicesOutput{Services: []types.Service{{ServiceName: aws.String(fakeService), Status: aws.String("ACTIVE"), TaskDefinition: ds[0].TaskDefinition, Deployments: ds}}}, nil
}

func (s *rolloutECS) DescribeTaskDefinition(_ context.Context, in *ecs.DescribeTaskDefinitionInput, _ ...func(*ecs.Options)) (*ecs.DescribeTaskDefinitionOutput, error) {
	return &ecs.DescribeTaskDefinitionOutput{TaskDefinition: &types.TaskDefinition{TaskDefinitionArn: in.TaskDefinition, Family: aws.String("storefront")}}, nil
}

func (s *rolloutECS) UpdateService(ctx context.Context, in *ecs.UpdateServiceInput, _ ...func(*ecs.Options)) (*ecs.UpdateServiceOutput, error) {
	s.updated = true
	out, _ := s.DescribeServices(ctx, nil)
	s.describes--
	return &ecs.UpdateServiceOutput{Service: &out.Services[0]}, nil
}

// BenchmarkDeployWait measures, on a simulated clock, the wait loop during
// a rollout of 10 to 11 minutes: DescribeServices calls per minute and the
// time from the rollout completing to Deploy returning (detection latency),
// next to the SDK's ServicesStable waiter polling every 15 s.
func BenchmarkDeployWait(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	var calls, minutes, latency, fixedLatency float64
	for b.Loop() {
		clk := newSimClock()
		rollout := 10*time.Minute + time.Duration(rng.Int64N(int64(time.Minute)))
		api := &rolloutECS{clock: clk, completeAt: clk.Now().Add(rollout)}
		r := &Runner{ECS: api, Clock: clk, Rand: rng.Float64}
		res, err := r.Deploy(context.Background(), DeployOptions{Service: fakeServiceARN, TaskDefinitionARN: fakeTDARN(2)})
		if err != nil || res.Status != result.Succeeded {
			b.Fatal(res, err)
		}
		calls += float64(api.describes)
		minutes += clk.Now().Sub(res.StartedAt).Minutes()
		latency += clk.Now().Sub(api.completeAt).Seconds()
		// The fixed 15 s waiter sees it at the first multiple of 15 s.
		fixedLatency += (15*time.Second - rollout%(15*time.Second)).Seconds()
	}
	n := float64(b.N)
	b.ReportMetric(calls/minutes, "calls/min")
	b.ReportMetric(latency/n, "detect-s")
	b.ReportMetric(fixedLatency/n, "fixed15s-detect-s")
	b.ReportMetric(4, "fixed15s-calls/min")
}
