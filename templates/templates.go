// Package templates defines stagecrew's Backstage software templates in Go
// and writes them as template.yaml files beside their skeletons. The form
// pages come from the Go types below through pkg/scaffolder, so the form,
// the skeleton's workflow inputs and the action's inputs share one
// definition; templates_test.go fails when a committed template.yaml is
// stale (regenerate with go generate ./templates).
package templates

//go:generate go run ./gen

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/stagecrew/stagecrew/pkg/catalog"
	"github.com/stagecrew/stagecrew/pkg/scaffolder"
)

// Component is the first page of the new-service templates.
type Component struct {
	Name        string `json:"name" jsonschema:"title=Name,description=Unique name of the component: lower-case letters\\, digits and dashes,pattern=^[a-z0-9]([-a-z0-9]*[a-z0-9])?$,maxLength=50" ui:"field=EntityNamePicker,autofocus"`
	Description string `json:"description,omitempty" jsonschema:"title=Description,description=One line on what it does"`
	Owner       string `json:"owner" jsonschema:"title=Owner,description=The team that owns it" ui:"field=OwnerPicker" uiOptions:"{\"catalogFilter\":{\"kind\":\"Group\"}}"`
	System      string `json:"system,omitempty" jsonschema:"title=System,description=The system it belongs to" ui:"field=EntityPicker" uiOptions:"{\"catalogFilter\":{\"kind\":\"System\"},\"defaultKind\":\"System\"}"`
}

// AWS is where the new service runs.
type AWS struct {
	AccountID    string   `json:"accountId" jsonschema:"title=AWS account,description=The 12-digit account the service runs in,pattern=^[0-9]{12}$"`
	Region       string   `json:"region" jsonschema:"title=Region,default=us-east-1,pattern=^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-[0-9]$"`
	Environments []string `json:"environments" jsonschema:"title=Environments,description=Each gets its own IAM role and GitHub environment,minItems=1,uniqueItems=true"`
}

// Repository is where the new service's code goes.
type Repository struct {
	RepoURL string `json:"repoUrl" jsonschema:"title=Repository" ui:"field=RepoUrlPicker" uiOptions:"{\"allowedHosts\":[\"github.com\"]}"`
}

// ECS holds what only an ECS service needs.
type ECS struct {
	Cluster       string `json:"cluster" jsonschema:"title=ECS cluster,default=default,pattern=^[A-Za-z0-9_-]{1\\,255}$"`
	ContainerPort int    `json:"containerPort" jsonschema:"title=Container port,default=8080,minimum=1,maximum=65535"`
	Image         string `json:"image" jsonschema:"title=First image,description=Image the service starts with; deployments replace it,default=public.ecr.aws/nginx/nginx:stable"`
}

// TaskInput is the workflow input through which the deploy template passes
// its scaffolder task id to the deploy workflow and on to the action's
// backstage-task input.
const TaskInput = "backstage-task"

// Deploy is the form of the deploy template. Its fields are inputs of the
// stagecrew action and of the deploy workflow the new-service templates
// write, under the same names (templates_test.go checks both).
type Deploy struct {
	Entity      string `json:"entity" jsonschema:"title=Entity,description=The service or workflow to deploy" ui:"field=EntityPicker,autofocus" uiOptions:"{\"catalogFilter\":[{\"kind\":\"Component\",\"metadata.annotations.aws.amazon.com/aws-stepfunctions-state-machine-arn\":{\"exists\":true}},{\"kind\":\"Component\",\"metadata.annotations.aws.amazon.com/amazon-ecs-service-arn\":{\"exists\":true}}]}"`
	Environment string `json:"environment" jsonschema:"title=Environment,default=staging,pattern=^[A-Za-z0-9][-A-Za-z0-9_.]*$" uiHelp:"One of the environments in the entity's stagecrew.dev/environments annotation"`
	Image       string `json:"image,omitempty" jsonschema:"title=Image,description=ECS only: the image to deploy"`
	Input       string `json:"input,omitempty" jsonschema:"title=Execution input,description=Step Functions only: JSON input; empty uses the entity's input template" ui:"widget=textarea"`
	Ref         string `json:"ref,omitempty" jsonschema:"title=Branch,description=Branch or tag whose workflow runs,default=main"`
}

func mustPage(title string, v any) *scaffolder.Page {
	p, err := scaffolder.PageFor(title, v)
	if err != nil {
		panic(fmt.Sprintf("templates: %v", err)) // a bad tag in this file; caught by tests
	}
	return p
}

func withDefaultEnvironments(p *scaffolder.Page) *scaffolder.Page {
	if env, ok := p.Schema.Properties.Get("environments"); ok {
		env.Default = []string{"staging", "production"}
		env.Items.Pattern = `^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
		env.Items.MaxLength = ptr(uint64(20))
	}
	return p
}

func ptr[T any](v T) *T { return &v }

// scaffold is the steps shared by the new-service templates: render the
// skeleton, publish it to GitHub, register it in the catalog.
func scaffold(kind string) []scaffolder.Step {
	return []scaffolder.Step{
		{ID: "fetch", Name: "Render the skeleton", Action: "fetch:template", Input: map[string]any{
			"url": "./skeleton",
			"values": map[string]any{
				"name": "${{ parameters.name }}", "description": "${{ parameters.description }}",
				"owner": "${{ parameters.owner }}", "system": "${{ parameters.system }}",
				"accountId": "${{ parameters.accountId }}", "region": "${{ parameters.region }}",
				"environments": "${{ parameters.environments }}", "repoUrl": "${{ parameters.repoUrl }}",
				"cluster": ifECS(kind, "${{ parameters.cluster }}"), "containerPort": ifECS(kind, "${{ parameters.containerPort }}"),
				"image": ifECS(kind, "${{ parameters.image }}"),
			},
		}},
		{ID: "publish", Name: "Publish to GitHub", Action: "publish:github", Input: map[string]any{
			"repoUrl":              "${{ parameters.repoUrl }}",
			"description":          "${{ parameters.description }}",
			"defaultBranch":        "main",
			"repoVisibility":       "private",
			"protectDefaultBranch": false,
		}},
		{ID: "register", Name: "Register in the catalog", Action: "catalog:register", Input: map[string]any{
			"repoContentsUrl": "${{ steps['publish'].output.repoContentsUrl }}",
			"catalogInfoPath": "/catalog-info.yaml",
		}},
	}
}

func ifECS(kind, v string) any {
	if kind == "ecs" {
		return v
	}
	return nil
}

func scaffoldOutput() *scaffolder.Output {
	return &scaffolder.Output{Links: []scaffolder.OutputLink{
		{Title: "Repository", URL: "${{ steps['publish'].output.remoteUrl }}"},
		{Title: "Open in catalog", Icon: "catalog", EntityRef: "${{ steps['register'].output.entityRef }}"},
	}}
}

func clean(steps []scaffolder.Step) []scaffolder.Step {
	for _, s := range steps {
		if v, ok := s.Input["values"].(map[string]any); ok {
			for k, x := range v {
				if x == nil {
					delete(v, k)
				}
			}
		}
	}
	return steps
}

// All returns the shipped templates, keyed by their folder under templates/.
func All() map[string]*scaffolder.Template {
	return map[string]*scaffolder.Template{
		"stepfunctions-workflow": {
			Metadata: catalog.Metadata{
				Name: "stagecrew-stepfunctions-workflow", Title: "New Step Functions workflow",
				Description: "A repository with an Amazon States Language definition, its catalog entity with stagecrew's Step Functions annotations, and a GitHub workflow that deploys it with stagecrew.",
				Tags:        []string{"aws", "stepfunctions", "stagecrew"},
			},
			Spec: scaffolder.Spec{
				Owner: "group:default/platform", Type: "service", Lifecycle: "production",
				Parameters: []*scaffolder.Page{mustPage("About the workflow", Component{}), withDefaultEnvironments(mustPage("Where it runs", AWS{})), mustPage("Repository", Repository{})},
				Steps:      clean(scaffold("sfn")),
				Output:     scaffoldOutput(),
			},
		},
		"ecs-service": {
			Metadata: catalog.Metadata{
				Name: "stagecrew-ecs-service", Title: "New ECS service",
				Description: "A repository with an ECS task definition, its catalog entity with the ECS annotations the AWS plugins read, and a GitHub workflow that deploys new images with stagecrew.",
				Tags:        []string{"aws", "ecs", "stagecrew"},
			},
			Spec: scaffolder.Spec{
				Owner: "group:default/platform", Type: "service", Lifecycle: "production",
				Parameters: []*scaffolder.Page{mustPage("About the service", Component{}), withDefaultEnvironments(mustPage("Where it runs", AWS{})), mustPage("Container", ECS{}), mustPage("Repository", Repository{})},
				Steps:      clean(scaffold("ecs")),
				Output:     scaffoldOutput(),
			},
		},
		"deploy-entity": {
			Metadata: catalog.Metadata{
				Name: "stagecrew-deploy", Title: "Deploy an entity",
				Description: "Pick a service or workflow and an environment; this dispatches the entity's stagecrew deploy workflow, and stagecrew reports the result back to Backstage.",
				Tags:        []string{"aws", "deploy", "stagecrew"},
			},
			Spec: scaffolder.Spec{
				Owner: "group:default/platform", Type: "deployment", Lifecycle: "production",
				Parameters: []*scaffolder.Page{mustPage("What and where", Deploy{})},
				Steps: []scaffolder.Step{
					{ID: "entity", Name: "Look up the entity", Action: "catalog:fetch", Input: map[string]any{"entityRef": "${{ parameters.entity }}"}},
					{ID: "dispatch", Name: "Dispatch the deploy workflow", Action: "github:actions:dispatch", Input: map[string]any{
						"repoUrl":         "github.com?owner=${{ steps.entity.output.entity.metadata.annotations['github.com/project-slug'] | replace(r/\\/.*$/, '') }}&repo=${{ steps.entity.output.entity.metadata.annotations['github.com/project-slug'] | replace(r/^.*\\//, '') }}",
						"workflowId":      "deploy.yaml",
						"branchOrTagName": "${{ parameters.ref or 'main' }}",
						// The run's details (its id and page) become the
						// task's output, so the task links to the exact run.
						"returnWorkflowRunDetails": true,
						"workflowInputs": map[string]any{
							"entity":      "${{ parameters.entity }}",
							"environment": "${{ parameters.environment }}",
							"image":       "${{ parameters.image }}",
							"input":       "${{ parameters.input }}",
							// The task id: the action reads the task back from
							// Backstage and decides on the user who created it,
							// not on the integration that dispatched the run.
							TaskInput: "${{ context.task.id }}",
						},
					}},
				},
				Output: &scaffolder.Output{
					Links: []scaffolder.OutputLink{
						{Title: "Workflow run", Icon: "github", URL: "${{ steps.dispatch.output.workflowRunHtmlUrl }}"},
						{Title: "Entity", Icon: "catalog", EntityRef: "${{ parameters.entity }}"},
					},
					Text: []scaffolder.OutputText{{Title: "What happens next", Content: "The workflow assumes the entity's role for **${{ parameters.environment }}**, deploys, waits, and posts the result to the pull request and to the owners' Backstage notifications."}},
				},
			},
		},
	}
}

// Write renders every template into dir/<folder>/template.yaml.
func Write(dir string) error {
	for folder, t := range All() {
		b, err := t.YAML()
		if err != nil {
			return fmt.Errorf("templates: %s: %w", folder, err)
		}
		b = append([]byte("# Generated from templates/templates.go by go generate ./templates; do not edit.\n"), b...)
		if err := os.MkdirAll(filepath.Join(dir, folder), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, folder, "template.yaml"), b, 0o644); err != nil {
			return err
		}
	}
	return nil
}
