package annotations

// Read as it was before it collected the fixed keys in one pass and kept
// Targets off the heap (commit 1a5d2f1): read_diff_test.go compares the two.

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/stagecrew/stagecrew/pkg/catalog"
)

func oldRead(e *catalog.Entity) (*Targets, error) {
	r := &oldReader{e: e, t: &Targets{}}
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

type oldReader struct {
	e        *catalog.Entity
	t        *Targets
	problems []catalog.Problem
}

func (r *oldReader) addf(key, format string, args ...any) {
	r.problems = append(r.problems, catalog.Problem{
		Position: r.e.Position("metadata", "annotations", key),
		Field:    "metadata.annotations." + key,
		Message:  fmt.Sprintf(format, args...),
	})
}

func (r *oldReader) get(key string) (string, bool) {
	v, ok := r.e.Metadata.Annotations[key]
	if ok && strings.TrimSpace(v) == "" {
		r.addf(key, "must not be empty")
		return "", false
	}
	return v, ok
}

func oldParse[T any](r *oldReader, key string, fn func(string) (T, error)) T {
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

func (r *oldReader) read() {
	r.nonStrings()
	t := r.t
	_, envsSet := r.e.Metadata.Annotations[KeyEnvironments]
	t.Environments = oldParse(r, KeyEnvironments, ParseEnvironments)
	envsOK := envsSet && t.Environments != nil

	t.Default.Role = oldParse(r, KeyRoleARN, ParseRoleARN)
	t.Default.StateMachine = oldParse(r, KeyStateMachineARN, ParseStateMachineARN)
	t.Default.Service = oldParse(r, KeyECSServiceARN, ParseServiceARN)
	t.StateMachineTags = oldParse(r, KeyStateMachineTags, ParseTags)
	t.ServiceTags = oldParse(r, KeyECSServiceTags, ParseTags)
	t.ExecutionInput = oldParse(r, KeyExecutionInput, check(CheckExecutionInput))
	t.Container = oldParse(r, KeyECSContainer, check(checkContainer))
	t.StateMachineDefinition = oldParse(r, KeyStateMachineDefinition, check(checkRepoPath))
	t.TaskDefinition = oldParse(r, KeyTaskDefinition, check(checkRepoPath))
	t.DefinitionSubstitutions = oldParse(r, KeyDefinitionSubstitutions, ParseSubstitutions)

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
			o.Role = oldParse(r, key, ParseRoleARN)
		case stateMachineARNName:
			o.StateMachine = oldParse(r, key, ParseStateMachineARN)
		case ecsServiceARNName:
			o.Service = oldParse(r, key, ParseServiceARN)
		case stateMachineAliasName:
			o.StateMachineAlias = oldParse(r, key, check(CheckAliasName))
		case definitionSubstitutionsName:
			if subs := oldParse(r, key, ParseSubstitutions); subs != nil {
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

func (r *oldReader) nonStrings() {
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

func (r *oldReader) accounts() {
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
