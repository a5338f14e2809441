package drift

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/stagecrew/stagecrew/pkg/annotations"
	"github.com/stagecrew/stagecrew/pkg/catalog"
)

// orphans reports, for one scope, the tagged resources no entity claims
// and the claimed ones whose tags name another entity or owner.
func (s *scanner) orphans(ctx context.Context, sc *scopeData) {
	if !sc.ok {
		return
	}
	arns := slices.Sorted(maps.Keys(sc.tagged))
	var candidates []string
	for _, arn := range arns {
		tags := sc.tagged[arn]
		if claimers := sc.claims[arn]; len(claimers) > 0 {
			s.ownership(arn, tags, claimers)
			continue
		}
		if s.p.reserved[arn] {
			continue // its entity was not checked: Options.Allow refused
		}
		if tags[TagEntity] != "" || s.ownershipTag(tags) != "" {
			candidates = append(candidates, arn)
		}
	}
	if len(candidates) == 0 {
		return
	}
	// The tagging API can still list a deleted service; only ACTIVE ones
	// are orphans.
	var services []annotations.ServiceARN
	for _, arn := range candidates {
		if isServiceARN(arn) {
			a, _ := annotations.ParseServiceARN(arn)
			services = append(services, a)
		}
	}
	active := map[string]bool{}
	if len(services) > 0 {
		c, err := s.clientsFor(ctx, sc.role, sc.key.region)
		if err != nil {
			s.scopeError(sc.role, sc.key, err)
			return
		}
		found, err := s.describeServices(ctx, c, services)
		if err != nil {
			s.scopeError(sc.role, sc.key, err)
			return
		}
		for arn, svc := range found {
			active[arn] = aws.ToString(svc.Status) != "INACTIVE"
		}
	}
	for _, arn := range candidates {
		if isServiceARN(arn) && !active[arn] || !isServiceARN(arn) && !sc.machines[arn] {
			continue
		}
		s.orphan(sc, arn, sc.tagged[arn])
	}
}

// ownershipTag returns "key=value" of the first tag (by key) whose key a
// tags annotation uses, or "".
func (s *scanner) ownershipTag(tags map[string]string) string {
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		if s.p.tagKeys[k] {
			return k + "=" + tags[k]
		}
	}
	return ""
}

func kindOf(arn string) string {
	if isServiceARN(arn) {
		return "ECS service"
	}
	return "state machine"
}

// tagRef parses an entity or owner tag value as an entity ref.
func tagRef(v, defaultKind string) (catalog.Ref, bool) {
	r, err := catalog.ParseRef(strings.TrimSpace(v), defaultKind, catalog.DefaultNamespace)
	return r, err == nil
}

func (s *scanner) orphan(sc *scopeData, arn string, tags map[string]string) {
	what := kindOf(arn)
	f := &Finding{Kind: KindOrphan, Resource: arn, Tags: tags}
	ownerTag := tags[TagOwner]
	if v := tags[TagEntity]; v != "" {
		ref, ok := tagRef(v, catalog.KindComponent)
		info := (*entityInfo)(nil)
		if ok {
			info = s.p.byKey[ref.Key()]
		}
		switch {
		case !ok:
			f.Message = fmt.Sprintf("%s is tagged %s=%q, which is not an entity ref, and no entity annotates it", what, TagEntity, v)
		case info == nil:
			f.Entity = ref.String()
			f.Message = fmt.Sprintf("%s is tagged for %s, which is not in the catalog", what, ref)
			f.fix = &fix{skeleton: newSkeleton(ref, ownerTag, sc.role, arn)}
		default:
			f.Entity = ref.String()
			f.File, f.Line = info.e.Source.File, info.e.Source.Line
			f.Message = fmt.Sprintf("%s is tagged for %s, which does not annotate it", what, ref)
			if p, ok := s.renamed(info, sc.key, arn); ok {
				f.Message += fmt.Sprintf(" (its %s names %s, which does not exist: probably renamed)", p.key, p.old)
				newValue := arn
				if p.qual != "" {
					newValue += ":" + p.qual
				}
				p.f.fix = &fix{entity: info, key: p.key, old: p.old, value: newValue}
				p.f.Message += "; " + arn + " is tagged for this entity: probably renamed"
			} else if fx := addAnnotation(info, sc.key, arn); fx != nil {
				f.fix = fx
			}
		}
		s.add(f)
		return
	}
	tag := s.ownershipTag(tags)
	f.Message = fmt.Sprintf("%s carries the tag %s, which tags annotations use, but no entity's annotations match it", what, tag)
	f.fix = &fix{skeleton: newSkeleton(catalog.Ref{Kind: catalog.KindComponent, Namespace: catalog.DefaultNamespace, Name: resourceName(arn)}, ownerTag, sc.role, arn)}
	s.add(f)
}

// renamed finds a phantom of the entity, of the same resource type, in
// the same scope: the orphan is then probably its new name.
func (s *scanner) renamed(info *entityInfo, k scopeKey, arn string) (phantom, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var hits []phantom
	for _, p := range s.phantoms[info.key] {
		if p.scope == k && p.service == isServiceARN(arn) && p.f.fix == nil {
			hits = append(hits, p)
		}
	}
	if len(hits) == 0 {
		return phantom{}, false
	}
	// Several environments may name the same phantom; one edit fixes it.
	return hits[0], true
}

// addAnnotation proposes the annotation that would claim arn for an
// entity that lists one environment whose role is in the scope's account.
func addAnnotation(info *entityInfo, k scopeKey, arn string) *fix {
	var envs []string
	for _, t := range info.targets {
		if t.role.Account == k.account && t.role.Partition == k.partition && t.env != "" {
			envs = append(envs, t.env)
		}
	}
	t := info.t
	key := ""
	switch {
	case isServiceARN(arn) && len(envs) == 1:
		key = annotations.KeyECSServiceARNFor(envs[0])
	case isServiceARN(arn) && len(envs) == 0 && t != nil && t.Default.Service.IsZero():
		key = annotations.KeyECSServiceARN
	case !isServiceARN(arn) && len(envs) == 1:
		key = annotations.KeyStateMachineARNFor(envs[0])
	case !isServiceARN(arn) && len(envs) == 0 && t != nil && t.Default.StateMachine.IsZero():
		key = annotations.KeyStateMachineARN
	default:
		return nil
	}
	if _, has := info.e.Metadata.Annotations[key]; has {
		return nil
	}
	return &fix{entity: info, key: key, value: arn}
}

// ownership reports a claimed resource whose entity tag names another
// entity, or whose owner tag names another owner.
func (s *scanner) ownership(arn string, tags map[string]string, claimers []*target) {
	seen := map[string]bool{}
	for _, t := range claimers {
		info := t.ent
		if seen[info.key] {
			continue
		}
		seen[info.key] = true
		mk := func(msg string) *Finding {
			f := &Finding{Kind: KindOwnership, Entity: info.ref.String(), Environment: t.env, Resource: arn, Tags: tags, Message: msg}
			f.File, f.Line = info.e.Source.File, info.e.Source.Line
			return f
		}
		if v := tags[TagEntity]; v != "" {
			if ref, ok := tagRef(v, catalog.KindComponent); !ok || ref.Key() != info.key {
				s.add(mk(fmt.Sprintf("%s is tagged %s=%s, but %s annotates it", kindOf(arn), TagEntity, v, info.ref)))
			}
		}
		if v := tags[TagOwner]; v != "" {
			ref, ok := tagRef(v, catalog.KindGroup)
			switch {
			case info.owner.Name == "":
				s.add(mk(fmt.Sprintf("%s is tagged %s=%s, but %s names no spec.owner", kindOf(arn), TagOwner, v, info.ref)))
			case !ok || ref.Key() != info.owner.Key():
				s.add(mk(fmt.Sprintf("%s is tagged %s=%s, but %s is owned by %s", kindOf(arn), TagOwner, v, info.ref, info.owner)))
			}
		}
	}
}

// resourceName is the last part of an ECS service or state machine ARN.
func resourceName(arn string) string {
	if i := strings.LastIndexAny(arn, "/:"); i >= 0 {
		return arn[i+1:]
	}
	return arn
}
