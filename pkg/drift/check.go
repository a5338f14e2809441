package drift

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/aws/smithy-go"

	"github.com/stagecrew/stagecrew/pkg/annotations"
	"github.com/stagecrew/stagecrew/pkg/iam"
	"github.com/stagecrew/stagecrew/pkg/stepfunctions"
)

// describeBatch is how many services DescribeServices takes.
const describeBatch = 10

// checkGroup checks the targets of one role in one region.
func (s *scanner) checkGroup(ctx context.Context, g groupKey, targets []*target) {
	c, err := s.clientsFor(ctx, g.role, g.region)
	if err != nil {
		s.scopeError(g.role, scopeKey{s.p.roles[g.role].Partition, s.p.roles[g.role].Account, g.region}, err)
		return
	}
	s.checkServices(ctx, g, c, targets)
	s.checkStateMachines(ctx, g, c, targets)
	s.checkTags(g, targets)
}

// describeServices describes services ten at a time per cluster. Services
// it could not find are left out of the result; a missing cluster is no
// error (its services are all missing).
func (s *scanner) describeServices(ctx context.Context, c Clients, arns []annotations.ServiceARN) (map[string]ecstypes.Service, error) {
	byCluster := map[string][]string{}
	var clusters []string
	for _, a := range arns {
		k := a.Cluster
		if _, ok := byCluster[k]; !ok {
			clusters = append(clusters, k)
		}
		if s := a.String(); !slices.Contains(byCluster[k], s) {
			byCluster[k] = append(byCluster[k], s)
		}
	}
	out := map[string]ecstypes.Service{}
	for _, cluster := range clusters {
		list := byCluster[cluster]
		for i := 0; i < len(list); i += describeBatch {
			batch := list[i:min(i+describeBatch, len(list))]
			var res *ecs.DescribeServicesOutput
			err := s.call.do(ctx, "ecs DescribeServices", func(ctx context.Context) (err error) {
				res, err = c.ECS.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: aws.String(cluster), Services: batch})
				return err
			})
			var nf *ecstypes.ClusterNotFoundException
			if errors.As(err, &nf) {
				break
			}
			if err != nil {
				return nil, err
			}
			for _, svc := range res.Services {
				if a := canonicalARN(aws.ToString(svc.ServiceArn)); a != "" {
					out[a] = svc
				}
			}
		}
	}
	return out, nil
}

func (s *scanner) checkServices(ctx context.Context, g groupKey, c Clients, targets []*target) {
	var arns []annotations.ServiceARN
	var mine []*target
	for _, t := range targets {
		if !t.svc.IsZero() && t.svc.Region == g.region {
			arns = append(arns, t.svc)
			mine = append(mine, t)
		}
	}
	if len(arns) == 0 {
		return
	}
	found, err := s.describeServices(ctx, c, arns)
	if err != nil {
		s.scopeError(g.role, scopeKey{arns[0].Partition, arns[0].Account, g.region}, err)
		return
	}
	families := map[string]string{} // task definition file → family
	for _, t := range mine {
		arn := t.svc.String()
		svc, ok := found[arn]
		status := aws.ToString(svc.Status)
		if !ok || status == "INACTIVE" {
			what := "no such ECS service"
			if ok {
				what = "the ECS service is INACTIVE (deleted)"
			}
			f := annotationFinding(t, KindPhantom, t.svcKey, arn, fmt.Sprintf("%s: %s in account %s, region %s", what, t.svc.Service+" (cluster "+t.svc.Cluster+")", t.svc.Account, t.svc.Region))
			s.addPhantom(f, t, true, scopeKey{t.svc.Partition, t.svc.Account, t.svc.Region}, t.svcKey, arn, "")
			continue
		}
		s.claim(scopeKey{t.svc.Partition, t.svc.Account, t.svc.Region}, arn, t)
		path := t.ent.t.TaskDefinition
		if path == "" || s.o.ReadFile == nil {
			continue
		}
		want, seen := families[path]
		if !seen {
			want = s.family(t, path)
			families[path] = want
		}
		running := taskFamily(aws.ToString(svc.TaskDefinition))
		if want != "" && running != "" && running != want {
			s.add(annotationFinding(t, KindTaskFamily, annotations.KeyTaskDefinition, arn,
				fmt.Sprintf("the ECS service runs task definition family %q (%s), but %s names family %q", running, aws.ToString(svc.TaskDefinition), path, want)))
		}
	}
}

// family reads the family of the task definition file an entity names;
// "" (and a finding) when it cannot be read.
func (s *scanner) family(t *target, path string) string {
	data, err := s.o.ReadFile(t.ent.e, path)
	if err == nil {
		var td *iam.TaskDefinition
		if td, err = iam.ParseTaskDefinition(data); err == nil {
			return td.Family
		}
	}
	s.add(annotationFinding(t, KindTaskFamily, annotations.KeyTaskDefinition, "",
		fmt.Sprintf("the task definition file %s cannot be read, so the service's family is not checked: %v", path, err)))
	return ""
}

// taskFamily is the family of a task definition ARN
// (arn:aws:ecs:REGION:ACCOUNT:task-definition/FAMILY:REVISION).
func taskFamily(arn string) string {
	_, rest, ok := strings.Cut(arn, ":task-definition/")
	if !ok {
		return ""
	}
	fam, _, _ := strings.Cut(rest, ":")
	return fam
}

func (s *scanner) addPhantom(f *Finding, t *target, service bool, k scopeKey, key, old, qual string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.findings = append(s.findings, f)
	s.phantoms[t.ent.key] = append(s.phantoms[t.ent.key], phantom{f: f, t: t, service: service, scope: k, key: key, old: old, qual: qual})
}

func (s *scanner) claim(k scopeKey, arn string, t *target) {
	sc := s.scopes[k]
	if sc == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !slices.Contains(sc.claims[arn], t) {
		sc.claims[arn] = append(sc.claims[arn], t)
	}
}

func (s *scanner) checkStateMachines(ctx context.Context, g groupKey, c Clients, targets []*target) {
	deployed := map[string]string{} // ARN described → canonical definition
	for _, t := range targets {
		if t.sm.IsZero() || t.sm.Region != g.region {
			continue
		}
		k := scopeKey{t.sm.Partition, t.sm.Account, t.sm.Region}
		sc := s.scopes[k]
		if sc == nil || !sc.ok {
			continue // the scope's error is reported
		}
		base := t.sm.Unqualified().String()
		if !sc.machines[base] {
			f := annotationFinding(t, KindPhantom, t.smKey, t.sm.String(), fmt.Sprintf("no such state machine: %s in account %s, region %s", t.sm.Name, t.sm.Account, t.sm.Region))
			s.addPhantom(f, t, false, k, t.smKey, t.sm.String(), t.sm.Qualifier)
			continue
		}
		s.claim(k, base, t)
		// What runs: the version named, the alias's main version, or the
		// state machine's latest revision.
		running := base
		switch {
		case t.sm.IsVersion():
			running = t.sm.String()
		case t.alias != "":
			aliasARN := base + ":" + t.alias
			var out *sfn.DescribeStateMachineAliasOutput
			err := s.call.do(ctx, "states DescribeStateMachineAlias", func(ctx context.Context) (err error) {
				out, err = c.SFN.DescribeStateMachineAlias(ctx, &sfn.DescribeStateMachineAliasInput{StateMachineAliasArn: aws.String(aliasARN)})
				return err
			})
			if notFound(err) {
				s.add(annotationFinding(t, KindPhantom, t.aliasKey, aliasARN, fmt.Sprintf("state machine %s has no alias %q", t.sm.Name, t.alias)))
				continue
			}
			if err != nil {
				s.scopeError(g.role, k, err)
				continue
			}
			running = mainVersion(out.RoutingConfiguration, base)
		}
		path := t.ent.t.StateMachineDefinition
		if path == "" || s.o.ReadFile == nil {
			continue
		}
		def, seen := deployed[running]
		if !seen {
			var out *sfn.DescribeStateMachineOutput
			err := s.call.do(ctx, "states DescribeStateMachine", func(ctx context.Context) (err error) {
				out, err = c.SFN.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: aws.String(running)})
				return err
			})
			if notFound(err) {
				s.add(annotationFinding(t, KindPhantom, t.smKey, running, fmt.Sprintf("state machine %s does not exist (deleted while drift ran, or the alias routes to a deleted version)", running)))
				continue
			}
			if err != nil {
				s.scopeError(g.role, k, err)
				continue
			}
			def = aws.ToString(out.Definition)
			deployed[running] = def
		}
		s.compareDefinition(t, path, running, def)
	}
}

// mainVersion is the version an alias routes most executions to.
func mainVersion(routes []sfntypes.RoutingConfigurationListItem, fallback string) string {
	best, weight := fallback, int32(-1)
	for _, r := range routes {
		if r.Weight > weight {
			best, weight = aws.ToString(r.StateMachineVersionArn), r.Weight
		}
	}
	return best
}

func (s *scanner) compareDefinition(t *target, path, running, deployed string) {
	data, err := s.o.ReadFile(t.ent.e, path)
	if err != nil {
		s.add(annotationFinding(t, KindDefinition, annotations.KeyStateMachineDefinition, running,
			fmt.Sprintf("the definition file %s cannot be read, so the deployed definition is not compared: %v", path, err)))
		return
	}
	// What a deploy would have sent: the placeholders substituted as
	// stepfunctions.Prepare substitutes them for this environment (its
	// validation is pull requests' business, not drift's).
	values := map[string]string{"AWS::Region": t.sm.Region, "AWS::AccountId": t.sm.Account, "AWS::Partition": t.sm.Partition}
	maps.Copy(values, t.ent.t.SubstitutionsFor(t.env))
	data, err = stepfunctions.Substitute(path, data, values)
	if err != nil {
		s.add(annotationFinding(t, KindDefinition, annotations.KeyStateMachineDefinition, running,
			fmt.Sprintf("the definition file %s cannot be substituted for environment %q, so it is not compared: %v", path, t.env, err)))
		return
	}
	want, err := CanonicalJSON(data)
	if err != nil {
		s.add(annotationFinding(t, KindDefinition, annotations.KeyStateMachineDefinition, running,
			fmt.Sprintf("the definition file %s is not JSON: %v", path, err)))
		return
	}
	got, err := CanonicalJSON([]byte(deployed))
	if err != nil {
		got = deployed + "\n"
	}
	if want == got {
		return
	}
	f := annotationFinding(t, KindDefinition, annotations.KeyStateMachineDefinition, running,
		fmt.Sprintf("the deployed definition of %s differs from %s", running, path))
	f.Diff = UnifiedDiff(path, running, want, got, 3)
	s.add(f)
}

// notFound reports whether err is AWS saying the resource does not exist.
func notFound(err error) bool {
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return false
	}
	switch ae.ErrorCode() {
	case "ResourceNotFound", "ResourceNotFoundException", "StateMachineDoesNotExist", "NotFoundException":
		return true
	}
	return false
}

// checkTags matches the tags annotations of the targets against the
// tagged resources of the role's account in this region.
func (s *scanner) checkTags(g groupKey, targets []*target) {
	for _, t := range targets {
		if !slices.Contains(t.regions, g.region) {
			continue
		}
		k := scopeKey{t.role.Partition, t.role.Account, g.region}
		sc := s.scopes[k]
		if sc == nil || !sc.ok {
			continue
		}
		for _, tg := range []struct {
			key      string
			tags     map[string]string
			services bool
			what     string
		}{
			{annotations.KeyECSServiceTags, t.ent.t.ServiceTags, true, "ECS service"},
			{annotations.KeyStateMachineTags, t.ent.t.StateMachineTags, false, "state machine"},
		} {
			if len(tg.tags) == 0 {
				continue
			}
			matched := sc.matchTags(tg.tags, tg.services)
			if len(matched) == 0 {
				s.add(annotationFinding(t, KindPhantom, tg.key, "",
					fmt.Sprintf("no %s in account %s, region %s carries the tags %s", tg.what, k.account, k.region, annotations.FormatTags(tg.tags))))
				continue
			}
			for _, arn := range matched {
				s.claim(k, arn, t)
			}
		}
	}
}
