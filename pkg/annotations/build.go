package annotations

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/stagecrew/stagecrew/pkg/catalog"
)

// Annotations returns the annotations that describe t, for writing into an
// entity's metadata.annotations: the inverse of Read, which reads them back
// to an equal Targets (up to an empty role Path, read as "/", and empty tag
// maps, read as nil). Zero fields write no annotation. If the result would
// not pass Read, or a key would be longer than Backstage allows, the error is
// a *catalog.ValidationError saying which annotation is wrong.
func (t *Targets) Annotations() (map[string]string, error) {
	if t == nil {
		return map[string]string{}, nil // no targets, no annotations
	}
	m := map[string]string{}
	set := func(k, v string) {
		if v != "" {
			m[k] = v
		}
	}
	set(KeyEnvironments, strings.Join(t.Environments, ", "))
	set(KeyRoleARN, t.Default.Role.String())
	set(KeyStateMachineARN, t.Default.StateMachine.String())
	set(KeyECSServiceARN, t.Default.Service.String())
	set(KeyStateMachineTags, FormatTags(t.StateMachineTags))
	set(KeyECSServiceTags, FormatTags(t.ServiceTags))
	set(KeyExecutionInput, t.ExecutionInput)
	set(KeyECSContainer, t.Container)
	set(KeyStateMachineDefinition, t.StateMachineDefinition)
	set(KeyTaskDefinition, t.TaskDefinition)
	set(KeyDefinitionSubstitutions, FormatSubstitutions(t.DefinitionSubstitutions))
	for env, subs := range t.EnvSubstitutions {
		set(KeyDefinitionSubstitutionsFor(env), FormatSubstitutions(subs))
	}
	for env, o := range t.Overrides {
		set(KeyRoleARNFor(env), o.Role.String())
		set(KeyStateMachineARNFor(env), o.StateMachine.String())
		set(KeyECSServiceARNFor(env), o.Service.String())
		set(KeyStateMachineAliasFor(env), o.StateMachineAlias)
	}

	var problems []catalog.Problem
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if name := strings.TrimPrefix(k, Prefix); len(name) > 63 {
			problems = append(problems, catalog.Problem{Field: "metadata.annotations." + k,
				Message: fmt.Sprintf("key name %q is longer than the 63 characters Backstage allows; use a shorter environment name", name)})
		}
	}
	if len(problems) > 0 {
		return nil, &catalog.ValidationError{Problems: problems}
	}
	if _, err := Read(&catalog.Entity{Metadata: catalog.Metadata{Annotations: m}}); err != nil {
		return nil, err
	}
	return m, nil
}
