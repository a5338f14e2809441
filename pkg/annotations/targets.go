package annotations

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/stagecrew/stagecrew/pkg/catalog"
)

// Sentinel errors of Targets.ForEnvironment, matched with errors.Is.
var (
	ErrUnknownEnvironment = errors.New("unknown environment")
	ErrNoRole             = errors.New("no IAM role")
)

// Environment is what stagecrew deploys to in one environment: the role it
// assumes and the targets it acts on. A zero field means "none".
type Environment struct {
	Role         RoleARN         // stagecrew.dev/role-arn[.<env>]
	StateMachine StateMachineARN // aws.amazon.com/aws-stepfunctions-state-machine-arn, stagecrew.dev/state-machine-arn.<env>
	Service      ServiceARN      // aws.amazon.com/amazon-ecs-service-arn, stagecrew.dev/ecs-service-arn.<env>
	// StateMachineAlias is the alias a definition deploy moves to the new
	// version (stagecrew.dev/state-machine-alias.<env>); only overrides set it.
	StateMachineAlias string
}

// Targets is everything stagecrew reads from one entity's annotations. Zero
// fields are annotations that are absent.
type Targets struct {
	// Environments lists the environments, in the order written; empty when
	// stagecrew.dev/environments is absent, and then any environment name
	// is accepted.
	Environments []string
	// Default holds the role and targets of every environment: the
	// stagecrew.dev/role-arn and the two aws.amazon.com ARN annotations.
	Default Environment
	// Overrides holds, per environment, what the stagecrew.dev/*.<env>
	// annotations set; a non-zero field beats the one in Default.
	Overrides map[string]Environment

	StateMachineTags map[string]string // aws.amazon.com/aws-stepfunctions-state-machine-tags
	ServiceTags      map[string]string // aws.amazon.com/amazon-ecs-service-tags

	ExecutionInput         string // stagecrew.dev/execution-input, a template checked by CheckExecutionInput
	Container              string // stagecrew.dev/ecs-container
	StateMachineDefinition string // stagecrew.dev/state-machine-definition, relative to the repository root
	TaskDefinition         string // stagecrew.dev/task-definition, relative to the repository root

	// DefinitionSubstitutions holds the values of the definition's ${Name}
	// placeholders in every environment (stagecrew.dev/definition-substitutions);
	// EnvSubstitutions those of one environment (.<env>), which beat them.
	// SubstitutionsFor merges them.
	DefinitionSubstitutions map[string]string
	EnvSubstitutions        map[string]map[string]string
}

// SubstitutionsFor returns the definition substitutions of one environment:
// stagecrew.dev/definition-substitutions, overridden name by name by
// stagecrew.dev/definition-substitutions.<env>. The map is new; nil when
// neither is set.
func (t *Targets) SubstitutionsFor(env string) map[string]string {
	if t == nil {
		return nil
	}
	if len(t.DefinitionSubstitutions) == 0 && len(t.EnvSubstitutions[env]) == 0 {
		return nil
	}
	out := maps.Clone(t.DefinitionSubstitutions)
	if out == nil {
		out = map[string]string{}
	}
	maps.Copy(out, t.EnvSubstitutions[env])
	return out
}

// ForEnvironment returns the role and targets of one environment, overrides
// beating defaults. An environment the entity does not list is an error
// wrapping ErrUnknownEnvironment; an environment without a role returns what
// it found with an error wrapping ErrNoRole. A nil *Targets has no role
// for any environment.
func (t *Targets) ForEnvironment(env string) (Environment, error) {
	if t == nil {
		t = &Targets{}
	}
	if len(t.Environments) > 0 && !slices.Contains(t.Environments, env) {
		return Environment{}, fmt.Errorf("%w %q: %s lists %s", ErrUnknownEnvironment, env, KeyEnvironments, strings.Join(t.Environments, ", "))
	}
	out, _ := t.resolve(env)
	if out.Role.IsZero() {
		return out, fmt.Errorf("%w for environment %q: set %s or %s", ErrNoRole, env, KeyRoleARN, KeyRoleARNFor(env))
	}
	return out, nil
}

// sources names the annotation each field of a resolved Environment came from.
type sources struct{ role, stateMachine, service string }

func (t *Targets) resolve(env string) (Environment, sources) {
	out, src := t.Default, sources{KeyRoleARN, KeyStateMachineARN, KeyECSServiceARN}
	o := t.Overrides[env]
	if !o.Role.IsZero() {
		out.Role, src.role = o.Role, KeyRoleARNFor(env)
	}
	if !o.StateMachine.IsZero() {
		out.StateMachine, src.stateMachine = o.StateMachine, KeyStateMachineARNFor(env)
	}
	if !o.Service.IsZero() {
		out.Service, src.service = o.Service, KeyECSServiceARNFor(env)
	}
	out.StateMachineAlias = o.StateMachineAlias
	return out, src
}

// Read parses and checks the annotations of e that stagecrew reads. Absent
// annotations leave their fields zero. Present ones that are wrong make the
// error a *catalog.ValidationError listing every problem, each with the field
// metadata.annotations.<key> and its position in the file:
// empty or malformed values, ARNs of the wrong service or resource type,
// per-environment keys for environments stagecrew.dev/environments does not
// list, unknown stagecrew.dev/ keys (naming the closest known key), and roles
// in another account or partition than the targets they act on. With the
// error the Targets are nil, and a nil *Targets answers every method as
// Targets with no annotations would (ForEnvironment: ErrNoRole), so code
// that reads on past the error does not panic.
func Read(e *catalog.Entity) (*Targets, error) {
	r := &reader{e: e, t: &Targets{}}
	r.read()
	if len(r.problems) == 0 {
		return r.t, nil
	}
	slices.SortStableFunc(r.problems, func(a, b catalog.Problem) int {
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column))
	})
	ve := &catalog.ValidationError{Source: e.Source, Problems: r.problems}
	if e.Kind != "" && e.Metadata.Name != "" {
		ve.Ref = e.Ref().String()
	}
	return nil, ve
}

type reader struct {
	e        *catalog.Entity
	t        *Targets
	problems []catalog.Problem
}

func (r *reader) addf(key, format string, args ...any) {
	r.problems = append(r.problems, catalog.Problem{
		Position: r.e.Position("metadata", "annotations", key),
		Field:    "metadata.annotations." + key,
		Message:  fmt.Sprintf(format, args...),
	})
}

// get returns a present annotation, reporting it when it is empty.
func (r *reader) get(key string) (string, bool) {
	v, ok := r.e.Metadata.Annotations[key]
	if ok && strings.TrimSpace(v) == "" {
		r.addf(key, "must not be empty")
		return "", false
	}
	return v, ok
}

// parse reads one annotation with fn, reporting its error.
func parse[T any](r *reader, key string, fn func(string) (T, error)) T {
	var zero T
	v, ok := r.get(key)
	if !ok {
		return zero
	}
	out, err := fn(v)
	if err != nil {
		r.addf(key, "%v", err)
		return zero
	}
	return out
}

// check adapts a check function to parse.
func check(fn func(string) error) func(string) (string, error) {
	return func(s string) (string, error) { return s, fn(s) }
}

func isOurs(key string) bool {
	switch key {
	case KeyECSServiceARN, KeyECSServiceTags, KeyStateMachineARN, KeyStateMachineTags:
		return true
	}
	return strings.HasPrefix(key, Prefix)
}

func (r *reader) read() {
	r.nonStrings()
	t := r.t
	_, envsSet := r.e.Metadata.Annotations[KeyEnvironments]
	t.Environments = parse(r, KeyEnvironments, ParseEnvironments)
	envsOK := envsSet && t.Environments != nil

	t.Default.Role = parse(r, KeyRoleARN, ParseRoleARN)
	t.Default.StateMachine = parse(r, KeyStateMachineARN, ParseStateMachineARN)
	t.Default.Service = parse(r, KeyECSServiceARN, ParseServiceARN)
	t.StateMachineTags = parse(r, KeyStateMachineTags, ParseTags)
	t.ServiceTags = parse(r, KeyECSServiceTags, ParseTags)
	t.ExecutionInput = parse(r, KeyExecutionInput, check(CheckExecutionInput))
	t.Container = parse(r, KeyECSContainer, check(checkContainer))
	t.StateMachineDefinition = parse(r, KeyStateMachineDefinition, check(checkRepoPath))
	t.TaskDefinition = parse(r, KeyTaskDefinition, check(checkRepoPath))
	t.DefinitionSubstitutions = parse(r, KeyDefinitionSubstitutions, ParseSubstitutions)

	var keys []string
	for k := range r.e.Metadata.Annotations {
		if strings.HasPrefix(k, Prefix) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, key := range keys {
		name := strings.TrimPrefix(key, Prefix)
		if slices.Contains(fixedNames, name) {
			continue
		}
		base, env, ok := strings.Cut(name, ".")
		if !ok || !slices.Contains(perEnvNames, base) {
			r.addf(key, "unknown stagecrew annotation; did you mean %s?", suggestKey(key))
			continue
		}
		switch {
		case env == "":
			r.addf(key, "missing the environment name after %q", base+".")
			continue
		case envsOK && !slices.Contains(t.Environments, env):
			r.addf(key, "environment %q is not listed in %s (%s)", env, KeyEnvironments, strings.Join(t.Environments, ", "))
			continue
		case !envsSet && (len(env) > 63 || !isObjectName(env)):
			r.addf(key, "%q is not a valid environment name", env)
			continue
		}
		o := t.Overrides[env]
		switch base {
		case roleARNName:
			o.Role = parse(r, key, ParseRoleARN)
		case stateMachineARNName:
			o.StateMachine = parse(r, key, ParseStateMachineARN)
		case ecsServiceARNName:
			o.Service = parse(r, key, ParseServiceARN)
		case stateMachineAliasName:
			o.StateMachineAlias = parse(r, key, check(CheckAliasName))
		case definitionSubstitutionsName:
			if subs := parse(r, key, ParseSubstitutions); subs != nil {
				if t.EnvSubstitutions == nil {
					t.EnvSubstitutions = map[string]map[string]string{}
				}
				t.EnvSubstitutions[env] = subs
			}
		}
		if o != (Environment{}) {
			if t.Overrides == nil {
				t.Overrides = map[string]Environment{}
			}
			t.Overrides[env] = o
		}
	}
	r.accounts()
}

// nonStrings reports annotations of ours that the file gives a value other
// than a string (a list, a number), which the typed entity drops.
func (r *reader) nonStrings() {
	md, _ := r.e.Raw["metadata"].(map[string]any)
	ann, _ := md["annotations"].(map[string]any)
	var keys []string
	for k, v := range ann {
		if _, ok := v.(string); !ok && isOurs(k) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		hint := ""
		if k == KeyEnvironments || k == KeyECSServiceTags || k == KeyStateMachineTags {
			hint = ", separated by commas"
		}
		r.addf(k, "must be a string%s, found %s (quote it)", hint, rawKind(ann[k]))
	}
}

func rawKind(v any) string {
	switch v.(type) {
	case map[string]any:
		return "a mapping"
	}
	return jsonKind(v)
}

// accounts checks that in every environment the role is in the account and
// partition of the targets it acts on.
func (r *reader) accounts() {
	if r.t.Default.Role.IsZero() && len(r.t.Overrides) == 0 {
		return // no role anywhere: nothing to compare (the common case)
	}
	envs := r.t.Environments
	if len(envs) == 0 {
		envs = append([]string{""}, slices.Sorted(maps.Keys(r.t.Overrides))...)
	}
	seen := map[[2]string]bool{}
	for _, env := range envs {
		e, src := r.t.resolve(env)
		if e.Role.IsZero() {
			continue
		}
		type target struct{ what, key, partition, account string }
		for _, tg := range []target{
			{"state machine", src.stateMachine, e.StateMachine.Partition, e.StateMachine.Account},
			{"ECS service", src.service, e.Service.Partition, e.Service.Account},
		} {
			if tg.account == "" || seen[[2]string{src.role, tg.key}] {
				continue
			}
			if tg.partition == e.Role.Partition && tg.account == e.Role.Account {
				continue
			}
			seen[[2]string{src.role, tg.key}] = true
			where := ""
			if env != "" {
				where = fmt.Sprintf(" in environment %q", env)
			}
			r.addf(src.role, "role is in account %s (partition %s) but the %s it acts on%s (%s) is in account %s (partition %s); stagecrew needs a role in the target's account",
				e.Role.Account, e.Role.Partition, tg.what, where, tg.key, tg.account, tg.partition)
		}
	}
}
