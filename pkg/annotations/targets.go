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
	r := reader{e: e}
	r.read()
	if err := r.err(); err != nil {
		return nil, err
	}
	t := r.t
	return &t, nil
}

// Check is Read for a caller that wants only the verdict (stagecrew
// validate): the same error, without building Targets on the heap.
func Check(e *catalog.Entity) error {
	r := reader{e: e}
	r.read()
	return r.err()
}

type reader struct {
	e        *catalog.Entity
	t        Targets
	problems []catalog.Problem
}

// err returns the problems found as a *catalog.ValidationError, in the
// order of their positions in the file; nil when there are none.
func (r *reader) err() error {
	if len(r.problems) == 0 {
		return nil
	}
	slices.SortStableFunc(r.problems, func(a, b catalog.Problem) int {
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column))
	})
	ve := &catalog.ValidationError{Source: r.e.Source, Problems: r.problems}
	if r.e.Kind != "" && r.e.Metadata.Name != "" {
		ve.Ref = r.e.Ref().String()
	}
	return ve
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
	return r.nonEmpty(key, v, ok)
}

// nonEmpty passes on a present annotation's value, reporting it when it is
// empty.
func (r *reader) nonEmpty(key, v string, ok bool) (string, bool) {
	if ok && strings.TrimSpace(v) == "" {
		r.addf(key, "must not be empty")
		return "", false
	}
	return v, ok
}

// parse reads one annotation with fn, reporting its error.
func parse[T any](r *reader, key string, fn func(string) (T, error)) T {
	v, ok := r.get(key)
	return parseValue(r, key, v, ok, fn)
}

// parseValue is parse for a value already looked up: ok says whether the
// annotation is present.
func parseValue[T any](r *reader, key, v string, ok bool, fn func(string) (T, error)) T {
	var zero T
	v, ok = r.nonEmpty(key, v, ok)
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

// The annotations without an environment suffix, as indexes of the values
// read collects in one pass over the annotations.
const (
	iEnvironments = iota
	iRoleARN
	iStateMachineARN
	iECSServiceARN
	iStateMachineTags
	iECSServiceTags
	iExecutionInput
	iECSContainer
	iStateMachineDefinition
	iTaskDefinition
	iDefinitionSubstitutions
	nFixed
)

// fixedIndex returns the index of a key without an environment suffix, or -1.
func fixedIndex(key string) int {
	switch key {
	case KeyEnvironments:
		return iEnvironments
	case KeyRoleARN:
		return iRoleARN
	case KeyStateMachineARN:
		return iStateMachineARN
	case KeyECSServiceARN:
		return iECSServiceARN
	case KeyStateMachineTags:
		return iStateMachineTags
	case KeyECSServiceTags:
		return iECSServiceTags
	case KeyExecutionInput:
		return iExecutionInput
	case KeyECSContainer:
		return iECSContainer
	case KeyStateMachineDefinition:
		return iStateMachineDefinition
	case KeyTaskDefinition:
		return iTaskDefinition
	case KeyDefinitionSubstitutions:
		return iDefinitionSubstitutions
	}
	return -1
}

func (r *reader) read() {
	r.nonStrings()
	// One pass over the annotations: the fixed keys' values by index, the
	// other stagecrew.dev/ keys (per environment, or unknown) in a list.
	var f fixedValues
	var keys []string
	for k, v := range r.e.Metadata.Annotations {
		if i := fixedIndex(k); i >= 0 {
			f.vals[i], f.has[i] = v, true
		} else if strings.HasPrefix(k, Prefix) {
			keys = append(keys, k)
		}
	}

	t := &r.t
	envsSet := f.has[iEnvironments]
	t.Environments = parseFixed(r, &f, iEnvironments, ParseEnvironments)
	envsOK := envsSet && t.Environments != nil

	t.Default.Role = parseFixed(r, &f, iRoleARN, ParseRoleARN)
	t.Default.StateMachine = parseFixed(r, &f, iStateMachineARN, ParseStateMachineARN)
	t.Default.Service = parseFixed(r, &f, iECSServiceARN, ParseServiceARN)
	t.StateMachineTags = parseFixed(r, &f, iStateMachineTags, ParseTags)
	t.ServiceTags = parseFixed(r, &f, iECSServiceTags, ParseTags)
	t.ExecutionInput = parseFixed(r, &f, iExecutionInput, check(CheckExecutionInput))
	t.Container = parseFixed(r, &f, iECSContainer, check(checkContainer))
	t.StateMachineDefinition = parseFixed(r, &f, iStateMachineDefinition, check(checkRepoPath))
	t.TaskDefinition = parseFixed(r, &f, iTaskDefinition, check(checkRepoPath))
	t.DefinitionSubstitutions = parseFixed(r, &f, iDefinitionSubstitutions, ParseSubstitutions)

	slices.Sort(keys)
	for _, key := range keys {
		name := strings.TrimPrefix(key, Prefix)
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

// fixedValues holds the values of the annotations without an environment
// suffix, by the index of fixedIndex; has says which are present.
type fixedValues struct {
	vals [nFixed]string
	has  [nFixed]bool
}

// parseFixed is parse for the annotation of index i.
func parseFixed[T any](r *reader, f *fixedValues, i int, fn func(string) (T, error)) T {
	return parseValue(r, fixedKeys[i], f.vals[i], f.has[i], fn)
}

// fixedKeys are the keys of the indexes of fixedIndex.
var fixedKeys = [nFixed]string{
	iEnvironments: KeyEnvironments, iRoleARN: KeyRoleARN, iStateMachineARN: KeyStateMachineARN,
	iECSServiceARN: KeyECSServiceARN, iStateMachineTags: KeyStateMachineTags, iECSServiceTags: KeyECSServiceTags,
	iExecutionInput: KeyExecutionInput, iECSContainer: KeyECSContainer, iStateMachineDefinition: KeyStateMachineDefinition,
	iTaskDefinition: KeyTaskDefinition, iDefinitionSubstitutions: KeyDefinitionSubstitutions,
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
