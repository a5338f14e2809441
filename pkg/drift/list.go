package drift

import (
	"context"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	tagging "github.com/aws/aws-sdk-go-v2/service/resourcegroupstaggingapi"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/stagecrew/stagecrew/pkg/annotations"
)

// scopeData is what one account and region hold.
type scopeData struct {
	key  scopeKey
	role string
	ok   bool // listed without error

	// tagged holds the tags of every tagged ECS service and state machine.
	tagged map[string]map[string]string
	// byTag indexes tagged by "key=value".
	byTag map[string][]string
	// machines holds the ARN of every state machine, tagged or not.
	machines map[string]bool

	// claims: ARN → the entity environments that annotate it or match it
	// with a tags annotation (written in step 2 under scanner.mu).
	claims map[string][]*target
}

// resourceTypes are the tagging API's names of what drift reads.
var resourceTypes = []string{"ecs:service", "states:stateMachine"}

func (s *scanner) listScope(ctx context.Context, sc *scopeData) {
	c, err := s.clientsFor(ctx, sc.role, sc.key.region)
	if err != nil {
		s.scopeError(sc.role, sc.key, err)
		return
	}
	sc.tagged = map[string]map[string]string{}
	sc.byTag = map[string][]string{}
	sc.machines = map[string]bool{}

	pages := tagging.NewGetResourcesPaginator(c.Tagging, &tagging.GetResourcesInput{ResourceTypeFilters: resourceTypes})
	for pages.HasMorePages() {
		var out *tagging.GetResourcesOutput
		err := s.call.do(ctx, "tagging GetResources", func(ctx context.Context) (err error) {
			out, err = pages.NextPage(ctx)
			return err
		})
		if err != nil {
			s.scopeError(sc.role, sc.key, err)
			return
		}
		for _, m := range out.ResourceTagMappingList {
			arn := canonicalARN(aws.ToString(m.ResourceARN))
			if arn == "" || len(m.Tags) == 0 {
				continue
			}
			tags := make(map[string]string, len(m.Tags))
			for _, t := range m.Tags {
				tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
			}
			sc.tagged[arn] = tags
			for k, v := range tags {
				sc.byTag[k+"="+v] = append(sc.byTag[k+"="+v], arn)
			}
		}
	}

	sms := sfn.NewListStateMachinesPaginator(c.SFN, &sfn.ListStateMachinesInput{MaxResults: 1000})
	for sms.HasMorePages() {
		var out *sfn.ListStateMachinesOutput
		err := s.call.do(ctx, "states ListStateMachines", func(ctx context.Context) (err error) {
			out, err = sms.NextPage(ctx)
			return err
		})
		if err != nil {
			s.scopeError(sc.role, sc.key, err)
			return
		}
		for _, m := range out.StateMachines {
			sc.machines[canonicalARN(aws.ToString(m.StateMachineArn))] = true
		}
	}
	sc.ok = true
}

// canonicalARN is the form drift compares ARNs in: the annotations
// package's String of a parsed ECS service or unqualified state machine
// ARN, or "" for anything else.
func canonicalARN(s string) string {
	switch {
	case strings.Contains(s, ":ecs:"):
		a, err := annotations.ParseServiceARN(s)
		if err != nil {
			return ""
		}
		return a.String()
	case strings.Contains(s, ":states:"):
		a, err := annotations.ParseStateMachineARN(s)
		if err != nil {
			return ""
		}
		return a.Unqualified().String()
	}
	return ""
}

func isServiceARN(arn string) bool { return strings.Contains(arn, ":ecs:") }

// matchTags returns the ARNs of the scope's resources of one type (ECS
// services or state machines) that carry every tag of want.
func (sc *scopeData) matchTags(want map[string]string, services bool) []string {
	var best []string
	first := true
	for k, v := range want {
		l := sc.byTag[k+"="+v]
		if first || len(l) < len(best) {
			best, first = l, false
		}
	}
	var out []string
	for _, arn := range best {
		if isServiceARN(arn) != services {
			continue
		}
		tags := sc.tagged[arn]
		all := true
		for k, v := range want {
			if tags[k] != v {
				all = false
				break
			}
		}
		if all {
			out = append(out, arn)
		}
	}
	return out
}
