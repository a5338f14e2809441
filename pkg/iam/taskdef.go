package iam

import (
	"encoding/json"
	"fmt"
	"slices"
)

// TaskDefinition is what permission generation needs from an ECS task
// definition: its family, the roles it passes and where its logs go.
type TaskDefinition struct {
	Family           string
	TaskRoleARN      string // ARN or role name; "" when the task has no role
	ExecutionRoleARN string // ARN or role name; "" when it has none
	LogGroups        []LogGroup
	// Secrets are the valueFrom of the containers' secrets, for
	// ExecutionRolePermissions.
	Secrets []string
}

// LogGroup is an awslogs log group of a container.
type LogGroup struct {
	Name   string
	Region string // awslogs-region; "" means the service's region
}

// ParseTaskDefinition reads an ECS task definition JSON file, in the form
// RegisterTaskDefinition takes (the file aws-actions and `aws ecs
// register-task-definition --cli-input-json` use) or the output of
// DescribeTaskDefinition ({"taskDefinition": {...}}).
func ParseTaskDefinition(data []byte) (*TaskDefinition, error) {
	type container struct {
		Name    string `json:"name"`
		Secrets []struct {
			ValueFrom string `json:"valueFrom"`
		} `json:"secrets"`
		LogConfiguration *struct {
			LogDriver string            `json:"logDriver"`
			Options   map[string]string `json:"options"`
		} `json:"logConfiguration"`
	}
	type def struct {
		Family               string      `json:"family"`
		TaskRoleArn          string      `json:"taskRoleArn"`
		ExecutionRoleArn     string      `json:"executionRoleArn"`
		ContainerDefinitions []container `json:"containerDefinitions"`
	}
	var doc struct {
		def
		TaskDefinition *def `json:"taskDefinition"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("task definition: %w", err)
	}
	d := doc.def
	if doc.TaskDefinition != nil {
		d = *doc.TaskDefinition
	}
	if !isFamily(d.Family) {
		return nil, fmt.Errorf("task definition: family %q is not 1-255 letters, digits, hyphens and underscores", d.Family)
	}
	td := &TaskDefinition{Family: d.Family, TaskRoleARN: d.TaskRoleArn, ExecutionRoleARN: d.ExecutionRoleArn}
	for _, c := range d.ContainerDefinitions {
		for _, sec := range c.Secrets {
			if sec.ValueFrom != "" && !slices.Contains(td.Secrets, sec.ValueFrom) {
				td.Secrets = append(td.Secrets, sec.ValueFrom)
			}
		}
		lc := c.LogConfiguration
		if lc == nil || lc.LogDriver != "awslogs" || lc.Options["awslogs-group"] == "" {
			continue
		}
		g := LogGroup{Name: lc.Options["awslogs-group"], Region: lc.Options["awslogs-region"]}
		if !slices.Contains(td.LogGroups, g) {
			td.LogGroups = append(td.LogGroups, g)
		}
	}
	return td, nil
}
