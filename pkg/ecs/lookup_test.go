package ecs

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	rgt "github.com/aws/aws-sdk-go-v2/service/resourcegroupstaggingapi"
)

// The tag lookup against moto's Resource Groups Tagging API, which lists
// moto's ECS services with their tags: one match, none, several.
func TestFindServiceByTagsAgainstMoto(t *testing.T) {
	e := startMotoEnv(t)
	ctx := context.Background()
	r := e.runner(e.ecs, nil)
	reg, err := r.Deploy(ctx, DeployOptions{RegisterOnly: true, TaskDefinitionFile: []byte(motoTaskDef)})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []struct{ name, team, tier string }{{"storefront", "payments", "web"}, {"checkout", "payments", "api"}, {"search", "discovery", "web"}} {
		if _, err := e.ecs.CreateService(ctx, &ecs.CreateServiceInput{Cluster: aws.String("prod"), ServiceName: aws.String(s.name), TaskDefinition: aws.String(reg.ID),
			DesiredCount: aws.Int32(1), Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String(s.team)}, {Key: aws.String("tier"), Value: aws.String(s.tier)}}}); err != nil {
			t.Fatal(err)
		}
	}
	api := rgt.NewFromConfig(e.cfg)
	svc, err := FindServiceByTags(ctx, api, map[string]string{"team": "payments", "tier": "web"})
	if err != nil || svc != e.svc {
		t.Fatalf("one match: %+v %v", svc, err)
	}
	_, err = FindServiceByTags(ctx, api, map[string]string{"team": "payments"})
	if !errors.Is(err, ErrManyTaggedServices) || !strings.Contains(err.Error(), "service/prod/checkout, arn:aws:ecs:us-east-1:123456789012:service/prod/storefront;") {
		t.Errorf("two matches: %v", err)
	}
	_, err = FindServiceByTags(ctx, api, map[string]string{"team": "payments", "tier": "batch"})
	if !errors.Is(err, ErrNoTaggedService) || !strings.Contains(err.Error(), "team=payments, tier=batch") {
		t.Errorf("no match: %v", err)
	}
}
