package ecs

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// ContainerEdit is what a deployment changes in one container of the task
// definition. Empty fields change nothing.
type ContainerEdit struct {
	Image       string
	Environment map[string]string // replaces variables of the same name, keeps the others
	// Secrets maps a variable name to its valueFrom: the ARN of a Secrets
	// Manager secret (optionally with :json-key:version-stage:version-id)
	// or of an SSM parameter. It replaces secrets of the same name.
	Secrets map[string]string
}

// Edits are the changes a deployment makes to a task definition.
type Edits struct {
	Containers       map[string]ContainerEdit // by container name
	TaskRoleARN      string                   // "" keeps the task role
	ExecutionRoleARN string                   // "" keeps the execution role
	// Tags are set on the new revision, over the base's tags of the same key.
	Tags map[string]string
}

// IsZero reports whether e changes nothing.
func (e Edits) IsZero() bool {
	return len(e.Containers) == 0 && e.TaskRoleARN == "" && e.ExecutionRoleARN == "" && len(e.Tags) == 0
}

// EditsFromValues groups the entries of the images, environment and
// secrets inputs (ParseImages, ParseContainerValues) by container.
func EditsFromValues(images, env, secrets []ContainerValue) map[string]ContainerEdit {
	m := map[string]ContainerEdit{}
	for _, v := range images {
		e := m[v.Container]
		e.Image = v.Value
		m[v.Container] = e
	}
	for _, v := range env {
		e := m[v.Container]
		if e.Environment == nil {
			e.Environment = map[string]string{}
		}
		e.Environment[v.Name] = v.Value
		m[v.Container] = e
	}
	for _, v := range secrets {
		e := m[v.Container]
		if e.Secrets == nil {
			e.Secrets = map[string]string{}
		}
		e.Secrets[v.Name] = v.Value
		m[v.Container] = e
	}
	if len(m) == 0 {
		return nil
	}
	return m
}

// Apply makes the edits on in. Containers it names that the task
// definition lacks are one error wrapping ErrNoContainer that lists them
// and the task definition's real containers; nothing is changed then. The
// container definitions are copied before they are changed.
func (e Edits) Apply(in *ecs.RegisterTaskDefinitionInput) error {
	family := aws.ToString(in.Family)
	names := ContainerNames(in.ContainerDefinitions)
	var unknown []string
	for _, c := range slices.Sorted(maps.Keys(e.Containers)) {
		if !slices.Contains(names, c) {
			unknown = append(unknown, c)
		}
	}
	if len(unknown) > 0 {
		what := fmt.Sprintf("container %q is", unknown[0])
		if len(unknown) > 1 {
			what = fmt.Sprintf("containers %q are", unknown)
		}
		return fmt.Errorf("%w: %s not in task definition %s; its containers are: %s", ErrNoContainer, what, family, strings.Join(names, ", "))
	}
	if len(e.Containers) > 0 {
		in.ContainerDefinitions = slices.Clone(in.ContainerDefinitions)
	}
	for i, c := range in.ContainerDefinitions {
		ed, ok := e.Containers[aws.ToString(c.Name)]
		if !ok {
			continue
		}
		if ed.Image != "" {
			c.Image = aws.String(ed.Image)
		}
		c.Environment = setPairs(c.Environment, ed.Environment)
		c.Secrets = setSecrets(c.Secrets, ed.Secrets)
		in.ContainerDefinitions[i] = c
	}
	if e.TaskRoleARN != "" {
		in.TaskRoleArn = aws.String(e.TaskRoleARN)
	}
	if e.ExecutionRoleARN != "" {
		in.ExecutionRoleArn = aws.String(e.ExecutionRoleARN)
	}
	if len(e.Tags) > 0 {
		in.Tags = mergeTags(in.Tags, e.Tags)
	}
	return nil
}

// setPairs sets the variables of set in vars: the first of a name is
// replaced, later duplicates (which would win in ECS) are dropped, new
// names are appended in sorted order.
func setPairs(vars []types.KeyValuePair, set map[string]string) []types.KeyValuePair {
	if len(set) == 0 {
		return vars
	}
	vars = slices.Clone(vars)
	for _, k := range slices.Sorted(maps.Keys(set)) {
		kv := types.KeyValuePair{Name: aws.String(k), Value: aws.String(set[k])}
		j := slices.IndexFunc(vars, func(kv types.KeyValuePair) bool { return aws.ToString(kv.Name) == k })
		if j < 0 {
			vars = append(vars, kv)
			continue
		}
		vars[j] = kv
		vars = slices.Concat(vars[:j+1], slices.DeleteFunc(slices.Clone(vars[j+1:]), func(kv types.KeyValuePair) bool { return aws.ToString(kv.Name) == k }))
	}
	return vars
}

func setSecrets(secrets []types.Secret, set map[string]string) []types.Secret {
	if len(set) == 0 {
		return secrets
	}
	secrets = slices.Clone(secrets)
	for _, k := range slices.Sorted(maps.Keys(set)) {
		s := types.Secret{Name: aws.String(k), ValueFrom: aws.String(set[k])}
		j := slices.IndexFunc(secrets, func(s types.Secret) bool { return aws.ToString(s.Name) == k })
		if j < 0 {
			secrets = append(secrets, s)
			continue
		}
		secrets[j] = s
		secrets = slices.Concat(secrets[:j+1], slices.DeleteFunc(slices.Clone(secrets[j+1:]), func(s types.Secret) bool { return aws.ToString(s.Name) == k }))
	}
	return secrets
}

// mergeTags sets tags over base, keeping base's order and appending new
// keys sorted.
func mergeTags(base []types.Tag, tags map[string]string) []types.Tag {
	out := slices.Clone(base)
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		t := types.Tag{Key: aws.String(k), Value: aws.String(tags[k])}
		if j := slices.IndexFunc(out, func(t types.Tag) bool { return aws.ToString(t.Key) == k }); j >= 0 {
			out[j] = t
		} else {
			out = append(out, t)
		}
	}
	return out
}

// ecsTags turns a map into ECS tags, sorted by key.
func ecsTags(m map[string]string) []types.Tag {
	return mergeTags(nil, m)
}
