package ecs

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	rgt "github.com/aws/aws-sdk-go-v2/service/resourcegroupstaggingapi"
	rgttypes "github.com/aws/aws-sdk-go-v2/service/resourcegroupstaggingapi/types"

	"github.com/stagecrew/stagecrew/pkg/annotations"
)

// TaggingAPI is the part of *resourcegroupstaggingapi.Client that finds a
// service by its tags.
type TaggingAPI interface {
	GetResources(context.Context, *rgt.GetResourcesInput, ...func(*rgt.Options)) (*rgt.GetResourcesOutput, error)
}

var _ TaggingAPI = (*rgt.Client)(nil)

// Sentinel errors of FindServiceByTags.
var (
	ErrNoTaggedService    = errors.New("no ECS service has the tags")
	ErrManyTaggedServices = errors.New("several ECS services have the tags")
)

// maxTaggedListed bounds the ARNs an error lists.
const maxTaggedListed = 10

// FindServiceByTags finds the one ECS service with all the tags, as the
// awslabs Backstage ECS plugin resolves aws.amazon.com/amazon-ecs-service-tags:
// the Resource Groups Tagging API's GetResources with resource type
// ecs:service and one tag filter per tag, in the client's region and
// account. No match, or several, is an error wrapping ErrNoTaggedService or
// ErrManyTaggedServices that lists what was found.
func FindServiceByTags(ctx context.Context, api TaggingAPI, tags map[string]string) (annotations.ServiceARN, error) {
	if len(tags) == 0 {
		return annotations.ServiceARN{}, fmt.Errorf("%w: no tags given", ErrNoTaggedService)
	}
	in := &rgt.GetResourcesInput{ResourceTypeFilters: []string{"ecs:service"}}
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		in.TagFilters = append(in.TagFilters, rgttypes.TagFilter{Key: aws.String(k), Values: []string{tags[k]}})
	}
	var arns []string
	p := rgt.NewGetResourcesPaginator(api, in)
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return annotations.ServiceARN{}, fmt.Errorf("finding the ECS service tagged %s: GetResources: %w", annotations.FormatTags(tags), err)
		}
		for _, m := range out.ResourceTagMappingList {
			arns = append(arns, aws.ToString(m.ResourceARN))
		}
		if len(arns) > 100*maxTaggedListed {
			break // enough to say there are many
		}
	}
	switch len(arns) {
	case 0:
		return annotations.ServiceARN{}, fmt.Errorf("%w %s (%s); tag the service, or set %s", ErrNoTaggedService, annotations.FormatTags(tags), annotations.KeyECSServiceTags, annotations.KeyECSServiceARN)
	case 1:
		s, err := annotations.ParseServiceARN(arns[0])
		if err != nil {
			return annotations.ServiceARN{}, fmt.Errorf("the service tagged %s: %w (an ARN without the cluster is the old format; opt in to the long ARN format, or set %s)", annotations.FormatTags(tags), err, annotations.KeyECSServiceARN)
		}
		return s, nil
	}
	slices.Sort(arns)
	list := arns[:min(len(arns), maxTaggedListed)]
	more := ""
	if len(arns) > len(list) {
		more = fmt.Sprintf(" and %d more", len(arns)-len(list))
	}
	return annotations.ServiceARN{}, fmt.Errorf("%w %s: %s%s; add a tag that tells them apart, or set %s", ErrManyTaggedServices, annotations.FormatTags(tags), strings.Join(list, ", "), more, annotations.KeyECSServiceARN)
}
