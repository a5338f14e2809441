package policy

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/stagecrew/stagecrew/pkg/catalog"
)

// Input is one request to decide. The GitHub fields are the claims of the
// workflow's verified OIDC token (pkg/awsauth gives them), passed as plain
// strings.
type Input struct {
	Entity      *catalog.Entity // the entity acted on: its owner and annotations
	Environment string          // the stagecrew environment ("production")
	Action      string          // ActionStepFunctionsStart, ActionECSDeploy, ActionECSRunTask

	Actor             string // GitHub login (claim actor)
	Repository        string // OWNER/REPO the workflow runs in (claim repository)
	Event             string // claim event_name: push, workflow_dispatch, ...
	Ref               string // claim ref: refs/heads/main, refs/tags/v1.2.0
	GitHubEnvironment string // claim environment: the job's GitHub environment, "" for none
	Subject           string // claim sub; recorded, not decided on
	DefaultBranch     string // the repository's default branch: "main" or "refs/heads/main"

	Catalog Catalog // where users and groups are looked up

	// Requester, when set, is the User who asked for the run through
	// Backstage (a scaffolder task's createdBy, checked with CheckTask): the
	// decision is taken on that user, and Actor is only who dispatched the
	// workflow. Zero means the Actor asked for the run.
	Requester catalog.Ref
	// Task is the scaffolder task the run came from, for the audit record.
	Task *Task
}

// Decision is the outcome of Decide. A denial says who was denied (Actor,
// User), why (Reason) and what would allow it (Remedy).
type Decision struct {
	Allowed bool
	Reason  string
	// Rule names the rule that allowed the request, or for a denial the rule
	// that came closest (or the environment section consulted), as
	// "ENV/RULE" where RULE is the rule's name or allow[INDEX].
	Rule   string
	Remedy string // for a denial: what would allow it

	Actor  string   // the GitHub login
	User   string   // the User it resolved to, "" when it did not
	Groups []string // the user's groups, transitively

	// Err is set when the decision could not be made (a catalog lookup
	// failed); the request is then denied.
	Err error
}

// Decide decides whether in may go ahead under p (DefaultPolicy when p is
// nil). It never returns an allow it cannot explain: a missing input, an
// unknown actor or a failed catalog lookup is a denial.
func Decide(ctx context.Context, in Input, p *Policy) Decision {
	if p == nil {
		p = DefaultPolicy()
	}
	d := Decision{Actor: in.Actor}
	deny := func(rule, remedy, format string, args ...any) Decision {
		d.Allowed, d.Rule, d.Remedy = false, rule, remedy
		d.Reason = fmt.Sprintf(format, args...)
		return d
	}
	switch {
	case in.Entity == nil:
		return deny("", "", "no entity given")
	case in.Environment == "":
		return deny("", "", "no environment given")
	case in.Catalog == nil:
		return deny("", "", "no catalog to resolve %s against", in.Actor)
	}
	entity := in.Entity.Ref().String()
	what := describeAction(in.Action, entity, in.Environment)

	section, ok := p.Environments[in.Environment]
	if !ok {
		section, ok = p.Environments[Wildcard]
	}
	if !ok {
		return deny("", fmt.Sprintf("add environments.%s to %s", in.Environment, policySource(p)),
			"%s may not %s: the policy has no section for %s and no \"*\" section", actorName(in.Actor, ""), what, in.Environment)
	}

	var id *Identity
	var err error
	if in.Requester.Name != "" {
		id, err = ResolveUser(ctx, in.Catalog, in.Requester)
		if err != nil {
			if !errors.Is(err, ErrUnknownActor) {
				d.Err = err
				return deny(section.Name, "retry when the catalog can be read", "%s may not %s: the catalog could not be read: %v", in.Requester, what, err)
			}
			return deny(section.Name, fmt.Sprintf("add %s to the catalog", in.Requester), "%s (who asked in Backstage) may not %s: %v", in.Requester, what, err)
		}
		d.User = id.User.String()
	} else {
		id, err = Resolve(ctx, in.Catalog, in.Actor)
	}
	if err != nil {
		if !errors.Is(err, ErrUnknownActor) && !errors.Is(err, ErrAmbiguousActor) {
			d.Err = err
			return deny(section.Name, "retry when the catalog can be read", "%s may not %s: the catalog could not be read: %v", actorName(in.Actor, ""), what, err)
		}
		remedy := fmt.Sprintf("add the annotation %s: %s to the User entity of %s", catalog.AnnotationGitHubUser, in.Actor, in.Actor)
		if errors.Is(err, ErrAmbiguousActor) {
			remedy = fmt.Sprintf("keep %s: %s on exactly one User", catalog.AnnotationGitHubUser, in.Actor)
		}
		return deny(section.Name, remedy, "GitHub user %s may not %s: %v", in.Actor, what, err)
	}
	d.User = id.User.String()
	for _, g := range id.Groups {
		d.Groups = append(d.Groups, g.String())
	}
	who := actorName(in.Actor, d.User)
	if in.Requester.Name != "" {
		who = fmt.Sprintf("%s (asked in Backstage; dispatched by %s)", d.User, orNone(in.Actor))
	}

	owner, ownerErr := ownerOf(in.Entity)
	ev := &evaluator{in: in, id: id, owner: owner, ownerErr: ownerErr, section: section}

	if len(section.Allow) == 0 {
		return deny(section.Name, fmt.Sprintf("add a rule under environments.%s.allow in %s", section.Name, policySource(p)),
			"%s may not %s: the policy allows nobody in %s", who, what, sectionLabel(section))
	}
	type result struct {
		id     string
		misses []miss
		why    string
	}
	var results []result
	for i, r := range section.Allow {
		misses, why := ev.rule(r)
		res := result{id: ruleID(section, r, i), misses: misses, why: why}
		if len(misses) == 0 {
			d.Allowed, d.Rule = true, res.id
			d.Reason = fmt.Sprintf("%s may %s: rule %s allows %s", who, what, res.id, why)
			return d
		}
		results = append(results, res)
	}
	slices.SortStableFunc(results, func(a, b result) int { return len(a.misses) - len(b.misses) })
	best := results[0]
	var reasons []string
	for _, m := range best.misses {
		reasons = append(reasons, m.reason)
	}
	var remedies []string
	for _, r := range results {
		var parts []string
		fixable := true
		for _, m := range r.misses {
			fixable = fixable && m.remedy != ""
			if m.remedy != "" && !slices.Contains(parts, m.remedy) {
				parts = append(parts, m.remedy)
			}
		}
		// A rule that cannot apply (another action) suggests nothing.
		if alt := strings.Join(parts, " and "); fixable && !slices.Contains(remedies, alt) && len(remedies) < 3 {
			remedies = append(remedies, alt)
		}
	}
	remedy := strings.Join(remedies, "; or ")
	if remedy == "" {
		remedy = fmt.Sprintf("ask the owners of %s for a rule that allows %s in %s", policySource(p), orNone(in.Action), sectionLabel(section))
	}
	return deny(best.id, remedy, "%s may not %s: %s (closest rule: %s)", who, what, strings.Join(reasons, "; "), best.id)
}

type miss struct{ reason, remedy string }

type evaluator struct {
	in       Input
	id       *Identity
	owner    catalog.Ref
	ownerErr error
	section  *Environment
}

// rule returns what keeps r from allowing the request, and when nothing
// does, a description of what it allowed.
func (ev *evaluator) rule(r Rule) ([]miss, string) {
	in := ev.in
	var misses []miss
	who, principalMiss := ev.principals(r.Principals)
	if principalMiss != nil {
		misses = append(misses, *principalMiss)
	}
	if len(r.Refs) > 0 {
		var want []string
		matched := false
		for _, pat := range r.Refs {
			if pat == DefaultBranchRef {
				if in.DefaultBranch == "" {
					want = append(want, "the default branch (unknown here)")
					continue
				}
				pat = branchRef(in.DefaultBranch)
			}
			want = append(want, pat)
			if in.Ref != "" && globMatch(pat, in.Ref) {
				matched = true
			}
		}
		if !matched {
			misses = append(misses, miss{
				reason: fmt.Sprintf("ref %s is not %s", orNone(in.Ref), strings.Join(want, " or ")),
				remedy: "run from " + strings.Join(want, " or "),
			})
		}
	}
	if len(r.Events) > 0 && !slices.Contains(r.Events, in.Event) {
		misses = append(misses, miss{
			reason: fmt.Sprintf("event %s is not %s", orNone(in.Event), strings.Join(r.Events, " or ")),
			remedy: "trigger it with " + strings.Join(r.Events, " or "),
		})
	}
	if len(r.Actions) > 0 && !slices.ContainsFunc(r.Actions, func(p string) bool { return in.Action != "" && globMatch(p, in.Action) }) {
		misses = append(misses, miss{
			reason: fmt.Sprintf("action %s is not %s", orNone(in.Action), strings.Join(r.Actions, " or ")),
		})
	}
	if m := ev.repository(r); m != nil {
		misses = append(misses, *m)
	}
	if ev.section.RequireGitHubEnvironment && !strings.EqualFold(in.GitHubEnvironment, in.Environment) {
		claim := "no GitHub environment"
		if in.GitHubEnvironment != "" {
			claim = fmt.Sprintf("GitHub environment %q", in.GitHubEnvironment)
		}
		misses = append(misses, miss{
			reason: fmt.Sprintf("%s requires the job to run in GitHub environment %q, and it ran in %s", sectionLabel(ev.section), in.Environment, claim),
			remedy: fmt.Sprintf("run the job in GitHub environment %q (environment: %s)", in.Environment, in.Environment),
		})
	}
	return misses, who
}

// principals reports which principal matched, or why none did.
func (ev *evaluator) principals(ps []Principal) (string, *miss) {
	user := ev.id.User.String()
	var reasons, remedies []string
	for _, p := range ps {
		switch p.Kind {
		case PrincipalAnyone:
			return "anyone in the catalog", nil
		case PrincipalUser:
			if p.Ref.Equal(ev.id.User) {
				return user, nil
			}
			reasons = append(reasons, "is not "+p.Ref.String())
			remedies = append(remedies, "have "+p.Ref.String()+" run it")
		case PrincipalGroup:
			if ev.id.MemberOf(p.Ref) {
				return "members of " + p.Ref.String(), nil
			}
			reasons = append(reasons, "is not in "+p.Ref.String())
			remedies = append(remedies, fmt.Sprintf("add %s to %s", user, p.Ref))
		case PrincipalOwner:
			switch {
			case ev.ownerErr != nil:
				reasons = append(reasons, fmt.Sprintf("cannot be matched to the owner (%v)", ev.ownerErr))
			case strings.EqualFold(ev.owner.Kind, catalog.KindUser):
				if ev.owner.Equal(ev.id.User) {
					return "the owner, " + user, nil
				}
				reasons = append(reasons, "is not the owner "+ev.owner.String())
				remedies = append(remedies, "have the owner "+ev.owner.String()+" run it")
			default:
				if ev.id.MemberOf(ev.owner) {
					return "members of the owner " + ev.owner.String(), nil
				}
				reasons = append(reasons, "is not in the owner "+ev.owner.String())
				remedies = append(remedies, fmt.Sprintf("add %s to %s (the owner)", user, ev.owner))
			}
		}
	}
	return "", &miss{
		reason: user + " " + strings.Join(reasons, " nor "),
		remedy: strings.Join(remedies, " or "),
	}
}

func (ev *evaluator) repository(r Rule) *miss {
	in := ev.in
	pats := r.Repositories
	own := ""
	if len(pats) == 0 {
		slug, ok := in.Entity.Annotation(catalog.AnnotationGitHubSlug)
		if !ok || strings.TrimSpace(slug) == "" {
			return nil
		}
		own = strings.TrimSpace(slug)
		pats = []string{own}
	}
	for _, p := range pats {
		if in.Repository != "" && globMatch(strings.ToLower(p), strings.ToLower(in.Repository)) {
			return nil
		}
	}
	if own != "" {
		return &miss{
			reason: fmt.Sprintf("the workflow runs in %s, not in %s (the entity's %s)", orNone(in.Repository), own, catalog.AnnotationGitHubSlug),
			remedy: "run the workflow in " + own,
		}
	}
	return &miss{
		reason: fmt.Sprintf("the workflow runs in %s, not in %s", orNone(in.Repository), strings.Join(pats, " or ")),
		remedy: "run the workflow in " + strings.Join(pats, " or "),
	}
}

// ownerOf reads the entity's spec.owner as a ref (kind Group by default).
func ownerOf(e *catalog.Entity) (catalog.Ref, error) {
	s, _ := e.Spec["owner"].(string)
	if s == "" {
		return catalog.Ref{}, fmt.Errorf("%s has no spec.owner", e.Ref())
	}
	r, err := catalog.ParseRef(s, catalog.KindGroup, e.Ref().Namespace)
	if err != nil {
		return catalog.Ref{}, fmt.Errorf("spec.owner of %s: %w", e.Ref(), err)
	}
	return r, nil
}

func branchRef(b string) string {
	if strings.HasPrefix(b, "refs/") {
		return b
	}
	return "refs/heads/" + b
}

func describeAction(action, entity, env string) string {
	if action == "" {
		return fmt.Sprintf("act on %s in %s", entity, env)
	}
	return fmt.Sprintf("%s %s in %s", action, entity, env)
}

func actorName(login, user string) string {
	switch {
	case login == "":
		return "an unnamed actor"
	case user == "":
		return "GitHub user " + login
	}
	return fmt.Sprintf("%s (%s)", login, user)
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

func ruleID(section *Environment, r Rule, i int) string {
	if r.Name != "" {
		return section.Name + "/" + r.Name
	}
	return fmt.Sprintf("%s/allow[%d]", section.Name, i)
}

func sectionLabel(e *Environment) string {
	if e.Name == Wildcard {
		return "the \"*\" section"
	}
	return "environment " + e.Name
}

func policySource(p *Policy) string {
	if p.Source == "" {
		return DefaultPath
	}
	return p.Source
}
