package drift

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/stagecrew/stagecrew/pkg/annotations"
	"github.com/stagecrew/stagecrew/pkg/catalog"
	"github.com/stagecrew/stagecrew/pkg/poll"
)

// ErrNoConfig is returned by Scan when Options.Config is nil.
var ErrNoConfig = errors.New("drift: no Config to get AWS credentials with")

// DefaultWorkers bounds the scopes and roles scanned at once.
const DefaultWorkers = 8

// Options are the inputs and dependencies of Scan.
type Options struct {
	// Entities is the catalog: every entity, so that orphans' tags can be
	// matched against entities without AWS annotations and owners.
	Entities []*catalog.Entity
	// Config returns the AWS configuration of role in region: the
	// environment's role assumed with the workflow's OIDC token, or the
	// default credential chain when asked (see pkg/awsauth). Required.
	Config func(ctx context.Context, role annotations.RoleARN, region string) (aws.Config, error)
	// Clients builds the clients of a configuration; default NewClients.
	Clients func(cfg aws.Config) Clients
	// ReadFile reads a file an entity names (stagecrew.dev/state-machine-definition,
	// stagecrew.dev/task-definition), relative to the repository root. Nil
	// skips the definition and task family checks.
	ReadFile func(e *catalog.Entity, rel string) ([]byte, error)
	// Regions are searched for the resources of tags annotations when the
	// entity's ARNs name no region.
	Regions []string
	// Workers bounds the scopes (account × region) and roles scanned at
	// once; default DefaultWorkers.
	Workers int

	// Retries (see package poll): delays between attempts, and how many
	// transient errors and throttling answers one call may meet.
	MinDelay, MaxDelay      time.Duration
	MaxErrors, MaxThrottled int
	Clock                   poll.Clock     // default poll.RealClock
	Rand                    func() float64 // jitter; default math/rand/v2
	Logger                  *slog.Logger   // default: discard

	// Allow, when set, is asked before an entity environment is checked
	// (a policy decision on the action drift:read); an error skips it
	// (Report.Skipped gives the reason) and its resources are not
	// reported as orphans.
	Allow func(e *catalog.Entity, env string) error
}

func (o Options) withDefaults() Options {
	if o.Clients == nil {
		o.Clients = NewClients
	}
	if o.Workers <= 0 {
		o.Workers = DefaultWorkers
	}
	if o.MinDelay <= 0 {
		o.MinDelay = DefaultMinDelay
	}
	if o.MaxDelay <= 0 {
		o.MaxDelay = DefaultMaxDelay
	}
	if o.MaxErrors <= 0 {
		o.MaxErrors = DefaultMaxErrors
	}
	if o.MaxThrottled <= 0 {
		o.MaxThrottled = DefaultMaxThrottled
	}
	if o.Clock == nil {
		o.Clock = poll.RealClock{}
	}
	if o.Rand == nil {
		o.Rand = rand.Float64
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// scanner is one Scan's state.
type scanner struct {
	o     Options
	p     *plan
	call  caller
	count counters

	mu       sync.Mutex
	findings []*Finding
	errs     []*ScopeError
	scopes   map[scopeKey]*scopeData
	clients  map[groupKey]*clientsOnce
	phantoms map[string][]phantom // entity key → its phantoms, for renames
}

type clientsOnce struct {
	once sync.Once
	c    Clients
	err  error
}

// phantom remembers a phantom ARN annotation, so that a tagged orphan of
// the same entity in the same scope can be proposed as its new value.
type phantom struct {
	f        *Finding
	t        *target
	service  bool // an ECS service; else a state machine
	scope    scopeKey
	key, old string
	qual     string // state machine qualifier kept on a rename
}

// Scan compares the entities' AWS annotations with AWS. It returns a
// report even when some scopes could not be read (Report.Err says so);
// the error is for what stops the whole scan (no Config, ctx ended).
//
// Calls grow with entities and resources, not their product: per account
// and region, the tagged ECS services and state machines are read with the
// tagging API's GetResources and the state machines with ListStateMachines,
// a page at a time; per role and region, the annotated services are
// described ten at a time; only state machines with a definition file and
// aliases cost a call each.
func Scan(ctx context.Context, o Options) (*Report, error) {
	if o.Config == nil {
		return nil, ErrNoConfig
	}
	o = o.withDefaults()
	s := &scanner{o: o, p: newPlan(o.Entities, o.Regions, o.Allow), scopes: map[scopeKey]*scopeData{},
		clients: map[groupKey]*clientsOnce{}, phantoms: map[string][]phantom{}}
	s.call = caller{o: &s.o, count: &s.count}

	// 1. List each account and region once.
	keys := sortedScopes(s.p.scopes)
	for _, k := range keys {
		s.scopes[k] = &scopeData{key: k, role: s.p.scopes[k], claims: map[string][]*target{}}
	}
	s.parallel(ctx, len(keys), func(i int) { s.listScope(ctx, s.scopes[keys[i]]) })
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	// 2. Check every entity environment with its role.
	groups := make([]groupKey, 0, len(s.p.groups))
	for g := range s.p.groups {
		groups = append(groups, g)
	}
	slices.SortFunc(groups, func(a, b groupKey) int { return cmp.Or(cmp.Compare(a.role, b.role), cmp.Compare(a.region, b.region)) })
	s.parallel(ctx, len(groups), func(i int) { s.checkGroup(ctx, groups[i], s.p.groups[groups[i]]) })
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	// 3. What is tagged and nobody claims.
	s.parallel(ctx, len(keys), func(i int) { s.orphans(ctx, s.scopes[keys[i]]) })
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return s.report(), nil
}

// parallel runs fn(0..n-1) on at most Workers goroutines.
func (s *scanner) parallel(ctx context.Context, n int, fn func(i int)) {
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(s.o.Workers, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				fn(i)
			}
		}()
	}
	for i := 0; i < n && ctx.Err() == nil; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
}

// clientsFor returns the clients of a role in a region, built once.
func (s *scanner) clientsFor(ctx context.Context, role, region string) (Clients, error) {
	s.mu.Lock()
	c, ok := s.clients[groupKey{role, region}]
	if !ok {
		c = &clientsOnce{}
		s.clients[groupKey{role, region}] = c
	}
	s.mu.Unlock()
	c.once.Do(func() {
		cfg, err := s.o.Config(ctx, s.p.roles[role], region)
		if err != nil {
			c.err = fmt.Errorf("credentials for %s in %s: %w", role, region, err)
			return
		}
		c.c = s.o.Clients(cfg)
	})
	return c.c, c.err
}

func (s *scanner) add(f *Finding) {
	s.mu.Lock()
	s.findings = append(s.findings, f)
	s.mu.Unlock()
}

func (s *scanner) scopeError(role string, k scopeKey, err error) {
	s.o.Logger.Warn("drift: scope not read", "account", k.account, "region", k.region, "role", role, "error", err)
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range s.errs {
		if e.Role == role && e.Account == k.account && e.Region == k.region {
			return
		}
	}
	s.errs = append(s.errs, &ScopeError{Role: role, Account: k.account, Region: k.region, Err: err, Message: err.Error()})
}

// annotationFinding fills the entity's file and the annotation's line.
func annotationFinding(t *target, kind Kind, key, resource, msg string) *Finding {
	f := &Finding{Kind: kind, Entity: t.ent.ref.String(), Environment: t.env, Resource: resource, Annotation: key, Message: msg}
	pos := t.ent.e.Position("metadata", "annotations", key)
	f.File, f.Line = pos.File, pos.Line
	if f.File == "" {
		f.File, f.Line = t.ent.e.Source.File, t.ent.e.Source.Line
	}
	return f
}

func (s *scanner) report() *Report {
	r := &Report{Entities: len(s.p.entities), Checked: s.p.checked, Scopes: len(s.scopes),
		Skipped: s.p.skipped, ScopeErrors: s.errs, Stats: s.count.stats(), Counts: map[Kind]int{}, Findings: []Finding{}}
	for _, sc := range s.scopes {
		r.Resources += len(sc.tagged)
	}
	for _, f := range s.findings {
		r.Findings = append(r.Findings, *f)
		r.Counts[f.Kind]++
	}
	slices.SortStableFunc(r.Findings, func(a, b Finding) int {
		return cmp.Or(cmp.Compare(a.Entity, b.Entity), cmp.Compare(a.Environment, b.Environment),
			cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Resource, b.Resource), cmp.Compare(a.Message, b.Message))
	})
	slices.SortFunc(r.ScopeErrors, func(a, b *ScopeError) int {
		return cmp.Or(cmp.Compare(a.Account, b.Account), cmp.Compare(a.Region, b.Region), cmp.Compare(a.Role, b.Role))
	})
	slices.SortStableFunc(r.Skipped, func(a, b Skipped) int {
		return cmp.Or(cmp.Compare(a.Entity, b.Entity), cmp.Compare(a.Environment, b.Environment))
	})
	return r
}
