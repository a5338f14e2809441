package drift

import (
	"cmp"
	"slices"
	"strings"

	"github.com/stagecrew/stagecrew/pkg/annotations"
	"github.com/stagecrew/stagecrew/pkg/catalog"
)

// entityInfo is what drift keeps of one catalog entity.
type entityInfo struct {
	e       *catalog.Entity
	ref     catalog.Ref
	key     string // ref.Key()
	t       *annotations.Targets
	owner   catalog.Ref // zero when the entity names none
	targets []*target
}

// target is one entity in one environment.
type target struct {
	ent    *entityInfo
	env    string
	role   annotations.RoleARN
	sm     annotations.StateMachineARN
	smKey  string
	svc    annotations.ServiceARN
	svcKey string
	// alias is the alias that runs in the environment: the state machine
	// ARN's qualifier, or stagecrew.dev/state-machine-alias.<env>.
	alias, aliasKey string
	regions         []string // where the tags annotations are looked for
}

// scopeKey is one region of one account.
type scopeKey struct{ partition, account, region string }

// groupKey is one role in one region: the calls made with its credentials.
type groupKey struct {
	role   string
	region string
}

// plan is the work of a scan: the entities, the scopes to list and the
// checks to make with each role.
type plan struct {
	entities []*entityInfo
	byKey    map[string]*entityInfo
	skipped  []Skipped
	scopes   map[scopeKey]string // the role each scope is listed with
	groups   map[groupKey][]*target
	roles    map[string]annotations.RoleARN
	checked  int
	tagKeys  map[string]bool // tag keys of every tags annotation: ownership keys
	// reserved holds the ARNs of entity environments Options.Allow
	// refused: not checked, and not orphans either.
	reserved map[string]bool
	allow    func(e *catalog.Entity, env string) error
}

func hasAWS(t *annotations.Targets) bool {
	if !t.Default.StateMachine.IsZero() || !t.Default.Service.IsZero() || len(t.ServiceTags) > 0 || len(t.StateMachineTags) > 0 {
		return true
	}
	for _, o := range t.Overrides {
		if !o.StateMachine.IsZero() || !o.Service.IsZero() {
			return true
		}
	}
	return false
}

// newPlan reads the entities' annotations. Entities whose annotations do
// not read are left out: 'stagecrew validate' reports them.
func newPlan(entities []*catalog.Entity, defaultRegions []string, allow func(e *catalog.Entity, env string) error) *plan {
	p := &plan{byKey: map[string]*entityInfo{}, scopes: map[scopeKey]string{}, groups: map[groupKey][]*target{},
		roles: map[string]annotations.RoleARN{}, tagKeys: map[string]bool{}, reserved: map[string]bool{}, allow: allow}
	for _, e := range entities {
		ref := e.Ref()
		info := &entityInfo{e: e, ref: ref, key: ref.Key()}
		if s, _ := e.Spec["owner"].(string); s != "" {
			if o, err := catalog.ParseRef(s, catalog.KindGroup, ref.Namespace); err == nil {
				info.owner = o
			}
		}
		if _, dup := p.byKey[info.key]; !dup {
			p.byKey[info.key] = info
		}
		t, err := annotations.Read(e)
		if err != nil {
			if hasOurs(e) {
				p.skipped = append(p.skipped, Skipped{Entity: ref.String(), Reason: "annotations do not read (run 'stagecrew validate'): " + err.Error()})
			}
			continue
		}
		if !hasAWS(t) {
			continue
		}
		info.t = t
		for k := range t.ServiceTags {
			p.tagKeys[k] = true
		}
		for k := range t.StateMachineTags {
			p.tagKeys[k] = true
		}
		p.entities = append(p.entities, info)
		envs := t.Environments
		if len(envs) == 0 {
			envs = []string{""}
			for env := range t.Overrides {
				envs = append(envs, env)
			}
			slices.Sort(envs)
		}
		for _, env := range envs {
			p.addTarget(info, env, defaultRegions)
		}
	}
	return p
}

func hasOurs(e *catalog.Entity) bool {
	for k := range e.Metadata.Annotations {
		if strings.HasPrefix(k, annotations.Prefix) || strings.HasPrefix(k, "aws.amazon.com/") {
			return true
		}
	}
	return false
}

func (p *plan) addTarget(info *entityInfo, env string, defaultRegions []string) {
	t := info.t
	res, err := t.ForEnvironment(env)
	if err != nil {
		p.skipped = append(p.skipped, Skipped{Entity: info.ref.String(), Environment: env, Reason: err.Error()})
		return
	}
	o := t.Overrides[env]
	tg := &target{ent: info, env: env, role: res.Role, sm: res.StateMachine, svc: res.Service,
		smKey: annotations.KeyStateMachineARN, svcKey: annotations.KeyECSServiceARN}
	if !o.StateMachine.IsZero() {
		tg.smKey = annotations.KeyStateMachineARNFor(env)
	}
	if !o.Service.IsZero() {
		tg.svcKey = annotations.KeyECSServiceARNFor(env)
	}
	switch {
	case tg.sm.IsAlias():
		tg.alias, tg.aliasKey = tg.sm.Qualifier, tg.smKey
	case res.StateMachineAlias != "" && !tg.sm.IsVersion():
		tg.alias, tg.aliasKey = res.StateMachineAlias, annotations.KeyStateMachineAliasFor(env)
	}
	if tg.sm.IsZero() && tg.svc.IsZero() && len(t.ServiceTags) == 0 && len(t.StateMachineTags) == 0 {
		return
	}
	if p.allow != nil {
		if err := p.allow(info.e, env); err != nil {
			p.skipped = append(p.skipped, Skipped{Entity: info.ref.String(), Environment: env, Reason: err.Error()})
			if !tg.sm.IsZero() {
				p.reserved[tg.sm.Unqualified().String()] = true
			}
			if !tg.svc.IsZero() {
				p.reserved[tg.svc.String()] = true
			}
			return
		}
	}
	role := res.Role.String()
	p.roles[role] = res.Role
	var regions []string // regions the checks of this target run in
	if !tg.sm.IsZero() {
		regions = append(regions, tg.sm.Region)
		p.addScope(scopeKey{tg.sm.Partition, tg.sm.Account, tg.sm.Region}, role)
	}
	if !tg.svc.IsZero() {
		if !slices.Contains(regions, tg.svc.Region) {
			regions = append(regions, tg.svc.Region)
		}
		p.addScope(scopeKey{tg.svc.Partition, tg.svc.Account, tg.svc.Region}, role)
	}
	if len(t.ServiceTags) > 0 || len(t.StateMachineTags) > 0 {
		tg.regions = regions
		if len(tg.regions) == 0 {
			tg.regions = defaultRegions
		}
		if len(tg.regions) == 0 {
			p.skipped = append(p.skipped, Skipped{Entity: info.ref.String(), Environment: env,
				Reason: "its tags annotations name no region and no ARN does: pass the regions to look in"})
			return
		}
		for _, r := range tg.regions {
			p.addScope(scopeKey{res.Role.Partition, res.Role.Account, r}, role)
			if !slices.Contains(regions, r) {
				regions = append(regions, r)
			}
		}
	}
	for _, r := range regions {
		g := groupKey{role, r}
		p.groups[g] = append(p.groups[g], tg)
	}
	p.checked++
	info.targets = append(info.targets, tg)
}

// addScope records a scope; it is listed with the smallest role ARN that
// reaches it, so runs are repeatable.
func (p *plan) addScope(k scopeKey, role string) {
	if cur, ok := p.scopes[k]; !ok || role < cur {
		p.scopes[k] = role
	}
}

func sortedScopes(m map[scopeKey]string) []scopeKey {
	keys := make([]scopeKey, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b scopeKey) int {
		return cmp.Or(cmp.Compare(a.partition, b.partition), cmp.Compare(a.account, b.account), cmp.Compare(a.region, b.region))
	})
	return keys
}
