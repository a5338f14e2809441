package ecs

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	sigsyaml "sigs.k8s.io/yaml"
)

// ErrNoContainer is wrapped by errors about a container name the task
// definition does not have.
var ErrNoContainer = errors.New("no such container")

// readOnlyFields are what DescribeTaskDefinition returns but
// RegisterTaskDefinition refuses; a file copied from describe output has them.
var readOnlyFields = []string{
	"taskDefinitionArn", "revision", "status", "requiresAttributes", "compatibilities",
	"registeredAt", "registeredBy", "deregisteredAt", "deleteRequestedAt",
}

// ParseTaskDefinition reads a task definition file in the form
// RegisterTaskDefinition takes (`aws ecs register-task-definition
// --cli-input-json`, aws-actions/amazon-ecs-deploy-task-definition) or the
// output of DescribeTaskDefinition ({"taskDefinition": {...}, "tags": [...]}).
// Read-only fields (taskDefinitionArn, revision, status, ...) are dropped; an
// unknown field is an error, so nothing in the file is silently lost. The
// file may be YAML too (task-definition.yaml); it is converted to JSON with
// sigs.k8s.io/yaml, the converter Kubernetes tooling uses.
func ParseTaskDefinition(data []byte) (*ecs.RegisterTaskDefinitionInput, error) {
	if trimmed := bytes.TrimSpace(data); len(trimmed) > 0 && trimmed[0] != '{' {
		j, err := sigsyaml.YAMLToJSON(data)
		if err != nil {
			return nil, fmt.Errorf("task definition: not JSON, and not YAML either: %w", err)
		}
		data = j
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("task definition: %w", err)
	}
	if doc == nil {
		return nil, errors.New("task definition: not a JSON object")
	}
	if inner, ok := doc["taskDefinition"]; ok {
		tags := doc["tags"]
		doc = nil
		if err := json.Unmarshal(inner, &doc); err != nil || doc == nil {
			return nil, fmt.Errorf("task definition: taskDefinition is not an object")
		}
		if tags != nil {
			doc["tags"] = tags
		}
	}
	for k := range doc {
		if slices.ContainsFunc(readOnlyFields, func(f string) bool { return strings.EqualFold(f, k) }) {
			delete(doc, k)
		}
	}
	clean, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("task definition: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(clean))
	dec.DisallowUnknownFields()
	in := new(ecs.RegisterTaskDefinitionInput)
	if err := dec.Decode(in); err != nil {
		return nil, fmt.Errorf("task definition: %w", err)
	}
	if err := checkInput(in); err != nil {
		return nil, err
	}
	return in, nil
}

func checkInput(in *ecs.RegisterTaskDefinitionInput) error {
	if !isName(aws.ToString(in.Family)) {
		return fmt.Errorf("task definition: family %q is not 1-255 letters, digits, hyphens and underscores", aws.ToString(in.Family))
	}
	if len(in.ContainerDefinitions) == 0 {
		return fmt.Errorf("task definition %s: no containerDefinitions", aws.ToString(in.Family))
	}
	seen := map[string]bool{}
	for i, c := range in.ContainerDefinitions {
		n := aws.ToString(c.Name)
		if n == "" {
			return fmt.Errorf("task definition %s: container %d has no name", aws.ToString(in.Family), i)
		}
		if seen[n] {
			return fmt.Errorf("task definition %s: container name %q appears twice", aws.ToString(in.Family), n)
		}
		seen[n] = true
	}
	return nil
}

// RegisterInput turns a described task definition (and its tags) back into
// the input that registers the same thing again.
func RegisterInput(td *types.TaskDefinition, tags []types.Tag) *ecs.RegisterTaskDefinitionInput {
	return &ecs.RegisterTaskDefinitionInput{
		ContainerDefinitions:          slices.Clone(td.ContainerDefinitions),
		Family:                        td.Family,
		Cpu:                           td.Cpu,
		EnableFaultInjection:          td.EnableFaultInjection,
		EphemeralStorage:              td.EphemeralStorage,
		ExecutionRoleArn:              td.ExecutionRoleArn,
		InferenceAccelerators:         td.InferenceAccelerators,
		IpcMode:                       td.IpcMode,
		Memory:                        td.Memory,
		NetworkMode:                   td.NetworkMode,
		PidMode:                       td.PidMode,
		PlacementConstraints:          td.PlacementConstraints,
		ProxyConfiguration:            td.ProxyConfiguration,
		RequiresCompatibilities:       td.RequiresCompatibilities,
		RuntimePlatform:               td.RuntimePlatform,
		Tags:                          tags,
		TaskRoleArn:                   td.TaskRoleArn,
		TrustedExecutionConfiguration: td.TrustedExecutionConfiguration,
		Volumes:                       td.Volumes,
	}
}

// ContainerNames lists the containers of a task definition in order.
func ContainerNames(defs []types.ContainerDefinition) []string {
	names := make([]string, len(defs))
	for i, c := range defs {
		names[i] = aws.ToString(c.Name)
	}
	return names
}

// findContainer returns the index of the named container; an empty name
// means the only container, or the only essential one.
func findContainer(family string, defs []types.ContainerDefinition, name string) (int, error) {
	if name == "" {
		var essential []int
		for i, c := range defs {
			if c.Essential == nil || *c.Essential {
				essential = append(essential, i)
			}
		}
		switch {
		case len(defs) == 1:
			return 0, nil
		case len(essential) == 1:
			return essential[0], nil
		}
		return -1, fmt.Errorf("%w: task definition %s has %d containers (%s): name the one to use", ErrNoContainer, family, len(defs), strings.Join(ContainerNames(defs), ", "))
	}
	for i, c := range defs {
		if aws.ToString(c.Name) == name {
			return i, nil
		}
	}
	return -1, fmt.Errorf("%w: container %q is not in task definition %s; its containers are: %s", ErrNoContainer, name, family, strings.Join(ContainerNames(defs), ", "))
}

// SetImage sets the image of the named container (the only, or only
// essential, container when name is "") and the environment variables in env,
// replacing variables of the same name and keeping the others. It changes a
// copy of the container; the rest of in is shared.
func SetImage(in *ecs.RegisterTaskDefinitionInput, name, image string, env map[string]string) error {
	i, err := findContainer(aws.ToString(in.Family), in.ContainerDefinitions, name)
	if err != nil {
		return err
	}
	if image == "" && len(env) == 0 {
		return nil
	}
	in.ContainerDefinitions = slices.Clone(in.ContainerDefinitions)
	c := in.ContainerDefinitions[i]
	if image != "" {
		c.Image = aws.String(image)
	}
	if len(env) > 0 {
		vars := slices.Clone(c.Environment)
		for _, k := range slices.Sorted(maps.Keys(env)) {
			kv := types.KeyValuePair{Name: aws.String(k), Value: aws.String(env[k])}
			j := slices.IndexFunc(vars, func(kv types.KeyValuePair) bool { return aws.ToString(kv.Name) == k })
			if j < 0 {
				vars = append(vars, kv)
				continue
			}
			// Replace the first; drop later duplicates, which would win.
			vars[j] = kv
			vars = slices.Concat(vars[:j+1], slices.DeleteFunc(slices.Clone(vars[j+1:]), func(kv types.KeyValuePair) bool { return aws.ToString(kv.Name) == k }))
		}
		c.Environment = vars
	}
	in.ContainerDefinitions[i] = c
	return nil
}

// SameTaskDefinition reports whether registering a and b gives the same
// task definition, ignoring tags and the defaults ECS fills in (essential
// true, tcp port mappings, host port equal to container port, empty lists,
// environment order). When unsure it answers false: a needless new revision
// is harmless, a wrong "same" would deploy the wrong thing.
func SameTaskDefinition(a, b *ecs.RegisterTaskDefinitionInput) bool {
	ca, errA := canonical(a)
	cb, errB := canonical(b)
	return errA == nil && errB == nil && reflect.DeepEqual(ca, cb)
}

func canonical(in *ecs.RegisterTaskDefinitionInput) (any, error) {
	c := *in
	c.Tags = nil
	c.ContainerDefinitions = make([]types.ContainerDefinition, len(in.ContainerDefinitions))
	for i, d := range in.ContainerDefinitions {
		if d.Essential == nil {
			d.Essential = aws.Bool(true)
		}
		d.Environment = slices.Clone(d.Environment)
		slices.SortStableFunc(d.Environment, func(x, y types.KeyValuePair) int {
			return strings.Compare(aws.ToString(x.Name), aws.ToString(y.Name))
		})
		d.Secrets = slices.Clone(d.Secrets)
		slices.SortStableFunc(d.Secrets, func(x, y types.Secret) int {
			return strings.Compare(aws.ToString(x.Name), aws.ToString(y.Name))
		})
		d.PortMappings = slices.Clone(d.PortMappings)
		for j, p := range d.PortMappings {
			if p.Protocol == "" {
				p.Protocol = types.TransportProtocolTcp
			}
			if p.HostPort == nil && c.NetworkMode == types.NetworkModeAwsvpc {
				p.HostPort = p.ContainerPort
			}
			d.PortMappings[j] = p
		}
		c.ContainerDefinitions[i] = d
	}
	b, err := json.Marshal(&c)
	if err != nil {
		return nil, err
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return nil, err
	}
	return prune(v), nil
}

// prune drops nulls, empty strings, false, empty lists and empty objects,
// which ECS treats as absent.
func prune(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			e = prune(e)
			if e == nil {
				delete(x, k)
			} else {
				x[k] = e
			}
		}
		if len(x) == 0 {
			return nil
		}
	case []any:
		out := x[:0]
		for _, e := range x {
			if e = prune(e); e != nil {
				out = append(out, e)
			}
		}
		if len(out) == 0 {
			return nil
		}
		return out
	case string:
		if x == "" {
			return nil
		}
	case bool:
		if !x {
			return nil
		}
	}
	return v
}
