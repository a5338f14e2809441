package annotations

import (
	"errors"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/stagecrew/stagecrew/pkg/catalog"
)

// decode reads one entity from YAML text.
func decode(t *testing.T, text string) *catalog.Entity {
	t.Helper()
	docs, err := catalog.Decode("catalog-info.yaml", []byte(text), catalog.DecodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) != 1 || docs[0].Err != nil {
		t.Fatalf("decode: %d documents, %v", len(docs), docs)
	}
	return docs[0].Entity
}

const head = `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: web
  annotations:
`

const (
	smProd   = "arn:aws:states:us-east-1:111111111111:stateMachine:deploy"
	smStage  = "arn:aws:states:eu-west-1:222222222222:stateMachine:deploy:live"
	svcProd  = "arn:aws:ecs:us-east-1:111111111111:service/prod/web"
	svcStage = "arn:aws:ecs:eu-west-1:222222222222:service/web"
	roleP    = "arn:aws:iam::111111111111:role/ci/deployer"
	roleS    = "arn:aws:iam::222222222222:role/deployer"
)

func TestReadValid(t *testing.T) {
	e := decode(t, head+`    stagecrew.dev/environments: "staging, production"
    stagecrew.dev/role-arn: `+roleP+`
    stagecrew.dev/role-arn.staging: `+roleS+`
    stagecrew.dev/state-machine-arn.staging: `+smStage+`
    stagecrew.dev/ecs-service-arn.staging: `+svcStage+`
    aws.amazon.com/aws-stepfunctions-state-machine-arn: `+smProd+`
    aws.amazon.com/aws-stepfunctions-state-machine-tags: team=payments, tier=1
    aws.amazon.com/amazon-ecs-service-arn: `+svcProd+`
    aws.amazon.com/amazon-ecs-service-tags: app=web
    stagecrew.dev/execution-input: '{"sha": "${{ github.sha }}"}'
    stagecrew.dev/ecs-container: web
    stagecrew.dev/state-machine-definition: deploy/sfn.asl.json
    stagecrew.dev/task-definition: deploy/task.json
    github.com/project-slug: acme/web
    aws.amazon.com/aws-lambda-function-arn: anything goes here
spec: {type: service, lifecycle: production, owner: payments}
`)
	got, err := Read(e)
	if err != nil {
		t.Fatal(err)
	}
	mustRole := func(s string) RoleARN { a, _ := ParseRoleARN(s); return a }
	mustSM := func(s string) StateMachineARN { a, _ := ParseStateMachineARN(s); return a }
	mustSvc := func(s string) ServiceARN { a, _ := ParseServiceARN(s); return a }
	want := &Targets{
		Environments: []string{"staging", "production"},
		Default:      Environment{Role: mustRole(roleP), StateMachine: mustSM(smProd), Service: mustSvc(svcProd)},
		Overrides: map[string]Environment{
			"staging": {Role: mustRole(roleS), StateMachine: mustSM(smStage), Service: mustSvc(svcStage)},
		},
		StateMachineTags:       map[string]string{"team": "payments", "tier": "1"},
		ServiceTags:            map[string]string{"app": "web"},
		ExecutionInput:         `{"sha": "${{ github.sha }}"}`,
		Container:              "web",
		StateMachineDefinition: "deploy/sfn.asl.json",
		TaskDefinition:         "deploy/task.json",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Read =\n%+v\nwant\n%+v", got, want)
	}

	prod, err := got.ForEnvironment("production")
	if err != nil {
		t.Fatal(err)
	}
	if prod.Role.String() != roleP || prod.StateMachine.String() != smProd || prod.Service.String() != svcProd {
		t.Errorf("production = %+v", prod)
	}
	staging, err := got.ForEnvironment("staging")
	if err != nil {
		t.Fatal(err)
	}
	// Overrides beat the defaults; the old-form service ARN is in cluster "default".
	if staging.Role.String() != roleS || staging.StateMachine.String() != smStage || staging.Service.Cluster != "default" || staging.Service.Account != "222222222222" {
		t.Errorf("staging = %+v", staging)
	}
	if _, err := got.ForEnvironment("qa"); !errors.Is(err, ErrUnknownEnvironment) || !strings.Contains(err.Error(), "staging, production") {
		t.Errorf("ForEnvironment(qa) error = %v, want ErrUnknownEnvironment listing the environments", err)
	}
}

func TestReadAbsent(t *testing.T) {
	got, err := Read(decode(t, head+"    github.com/project-slug: acme/web\nspec: {type: service, lifecycle: production, owner: payments}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, &Targets{}) {
		t.Errorf("Read = %+v, want zero Targets", got)
	}
	// Without stagecrew.dev/environments any environment is accepted, and
	// without a role ForEnvironment says so.
	if _, err := got.ForEnvironment("anything"); !errors.Is(err, ErrNoRole) || !strings.Contains(err.Error(), "stagecrew.dev/role-arn.anything") {
		t.Errorf("ForEnvironment error = %v, want ErrNoRole naming the keys", err)
	}
}

func TestForEnvironmentWithoutList(t *testing.T) {
	tg := &Targets{
		Default:   Environment{Role: RoleARN{Partition: "aws", Account: "111111111111", Path: "/", Name: "r"}},
		Overrides: map[string]Environment{"dev": {Role: RoleARN{Partition: "aws", Account: "222222222222", Path: "/", Name: "d"}}},
	}
	for env, want := range map[string]string{"dev": "d", "prod": "r", "": "r"} {
		got, err := tg.ForEnvironment(env)
		if err != nil || got.Role.Name != want {
			t.Errorf("ForEnvironment(%q) = %+v, %v; want role %s", env, got, err, want)
		}
	}
}

// problem is what a test expects of one catalog.Problem.
type problem struct {
	line    int
	key     string // annotation key
	message string // substring
}

func checkProblems(t *testing.T, err error, want []problem) {
	t.Helper()
	var ve *catalog.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("error = %v (%T), want a *catalog.ValidationError", err, err)
	}
	if !errors.Is(err, catalog.ErrInvalidEntity) {
		t.Errorf("errors.Is(err, catalog.ErrInvalidEntity) = false")
	}
	if len(ve.Problems) != len(want) {
		t.Fatalf("got %d problems, want %d:\n%v", len(ve.Problems), len(want), err)
	}
	for i, w := range want {
		p := ve.Problems[i]
		if p.File != "catalog-info.yaml" || p.Line != w.line || p.Field != "metadata.annotations."+w.key || !strings.Contains(p.Message, w.message) {
			t.Errorf("problem %d = %s\nwant line %d, field metadata.annotations.%s, message containing %q", i, p, w.line, w.key, w.message)
		}
	}
}

func TestReadProblems(t *testing.T) {
	tests := []struct {
		name        string
		annotations string // lines after "  annotations:", which is line 5
		want        []problem
	}{{
		name: "empty and malformed values",
		annotations: `    aws.amazon.com/aws-stepfunctions-state-machine-arn: ""
    aws.amazon.com/amazon-ecs-service-arn: arn:aws:ecs:us-east-1:111111111111:task/prod/abc
    stagecrew.dev/role-arn: arn:aws:iam:us-east-1:111111111111:role/x
    aws.amazon.com/amazon-ecs-service-tags: team
    stagecrew.dev/execution-input: '{"n": ${{ github.run_id }}}'
    stagecrew.dev/ecs-container: web.app
    stagecrew.dev/state-machine-definition: ../sfn.json
    stagecrew.dev/task-definition: /task.json
`,
		want: []problem{
			{6, KeyStateMachineARN, "must not be empty"},
			{7, KeyECSServiceARN, `resource "task/prod/abc" is not an ECS service`},
			{8, KeyRoleARN, `iam ARNs have no region`},
			{9, KeyECSServiceTags, `item "team" has no "="`},
			{10, KeyExecutionInput, "placeholders go inside JSON strings"},
			{11, KeyECSContainer, "not an ECS container name"},
			{12, KeyStateMachineDefinition, "not a file inside the repository"},
			{13, KeyTaskDefinition, "is absolute"},
		},
	}, {
		name: "wrong service",
		annotations: `    aws.amazon.com/aws-stepfunctions-state-machine-arn: arn:aws:ecs:us-east-1:111111111111:service/prod/web
    stagecrew.dev/role-arn: arn:aws:sts::111111111111:assumed-role/deployer/gha
`,
		want: []problem{
			{6, KeyStateMachineARN, `service "ecs", expected "states"`},
			{7, KeyRoleARN, "arn:aws:iam::111111111111:role/deployer"},
		},
	}, {
		name: "override for an unlisted environment",
		annotations: `    stagecrew.dev/environments: staging, production
    stagecrew.dev/role-arn.prod: ` + roleP + `
    stagecrew.dev/ecs-service-arn.qa: ` + svcProd + `
    stagecrew.dev/role-arn.staging: ` + roleS + `
`,
		want: []problem{
			{7, "stagecrew.dev/role-arn.prod", `environment "prod" is not listed in stagecrew.dev/environments (staging, production)`},
			{8, "stagecrew.dev/ecs-service-arn.qa", `environment "qa" is not listed`},
		},
	}, {
		name: "bad override value",
		annotations: `    stagecrew.dev/state-machine-arn.prod: arn:aws:states:us-east-1:111111111111:stateMachine:deploy:01
`,
		want: []problem{{6, "stagecrew.dev/state-machine-arn.prod", "leading zeros"}},
	}, {
		name: "unknown keys with suggestions",
		annotations: `    stagecrew.dev/environment: production
    stagecrew.dev/rolearn: ` + roleP + `
    stagecrew.dev/role-arn-staging: ` + roleS + `
    stagecrew.dev/state-machine-arns.prod: ` + smProd + `
    stagecrew.dev/container: web
    stagecrew.dev/role-arn.: ` + roleP + `
`,
		want: []problem{
			{6, "stagecrew.dev/environment", "did you mean stagecrew.dev/environments?"},
			{7, "stagecrew.dev/rolearn", "did you mean stagecrew.dev/role-arn?"},
			{8, "stagecrew.dev/role-arn-staging", "did you mean stagecrew.dev/role-arn.staging?"},
			{9, "stagecrew.dev/state-machine-arns.prod", "did you mean stagecrew.dev/state-machine-arn.prod?"},
			{10, "stagecrew.dev/container", "did you mean stagecrew.dev/ecs-container?"},
			{11, "stagecrew.dev/role-arn.", `missing the environment name after "role-arn."`},
		},
	}, {
		name: "account mismatch",
		annotations: `    stagecrew.dev/environments: staging, production
    stagecrew.dev/role-arn: ` + roleP + `
    aws.amazon.com/aws-stepfunctions-state-machine-arn: ` + smProd + `
    stagecrew.dev/role-arn.staging: ` + roleS + `
    aws.amazon.com/amazon-ecs-service-arn: arn:aws:ecs:us-east-1:333333333333:service/prod/web
`,
		want: []problem{
			// production: the default role against the ECS service.
			{7, KeyRoleARN, "role is in account 111111111111 (partition aws) but the ECS service it acts on in environment \"production\" (aws.amazon.com/amazon-ecs-service-arn) is in account 333333333333"},
			// staging: its role against the default state machine and service.
			{9, "stagecrew.dev/role-arn.staging", "the state machine it acts on in environment \"staging\" (aws.amazon.com/aws-stepfunctions-state-machine-arn) is in account 111111111111"},
			{9, "stagecrew.dev/role-arn.staging", "the ECS service it acts on in environment \"staging\""},
		},
	}, {
		name: "partition mismatch without environments",
		annotations: `    stagecrew.dev/role-arn: arn:aws-us-gov:iam::111111111111:role/deployer
    aws.amazon.com/aws-stepfunctions-state-machine-arn: ` + smProd + `
`,
		want: []problem{{6, KeyRoleARN, "role is in account 111111111111 (partition aws-us-gov) but the state machine it acts on (aws.amazon.com/aws-stepfunctions-state-machine-arn) is in account 111111111111 (partition aws)"}},
	}, {
		name: "override target against the default role",
		annotations: `    stagecrew.dev/role-arn: ` + roleP + `
    stagecrew.dev/state-machine-arn.eu: ` + smStage + `
`,
		want: []problem{{6, KeyRoleARN, `the state machine it acts on in environment "eu" (stagecrew.dev/state-machine-arn.eu) is in account 222222222222`}},
	}, {
		name: "non-string values",
		annotations: `    stagecrew.dev/environments: [staging, production]
    aws.amazon.com/amazon-ecs-service-tags: {team: web}
    stagecrew.dev/ecs-container: 42
`,
		want: []problem{
			{6, KeyEnvironments, "must be a string, separated by commas, found an array (quote it)"},
			{7, KeyECSServiceTags, "found a mapping"},
			{8, KeyECSContainer, "must be a string, found a number"},
		},
	}, {
		name: "bad environments list",
		annotations: `    stagecrew.dev/environments: staging, staging
    stagecrew.dev/role-arn.qa: ` + roleP + `
`,
		// The list is wrong, so overrides are not checked against it.
		want: []problem{{6, KeyEnvironments, `"staging" is listed twice`}},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := decode(t, head+tt.annotations+"spec: {type: service, lifecycle: production, owner: payments}\n")
			got, err := Read(e)
			if got != nil {
				t.Errorf("Read returned Targets %+v with an error", got)
			}
			checkProblems(t, err, tt.want)
			if ve := err.(*catalog.ValidationError); ve.Ref != "component:default/web" {
				t.Errorf("Ref = %q", ve.Ref)
			}
		})
	}
}

func TestAnnotationsRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		in   Targets
	}{
		{"zero", Targets{}},
		{"everything", Targets{
			Environments: []string{"staging", "production"},
			Default: Environment{
				Role:         RoleARN{Partition: "aws", Account: "111111111111", Path: "/ci/", Name: "deployer"},
				StateMachine: StateMachineARN{Partition: "aws", Region: "us-east-1", Account: "111111111111", Name: "deploy", Qualifier: "live"},
				Service:      ServiceARN{Partition: "aws", Region: "us-east-1", Account: "111111111111", Cluster: "prod", Service: "web"},
			},
			Overrides: map[string]Environment{
				"staging": {
					Role:         RoleARN{Partition: "aws", Account: "222222222222", Path: "/", Name: "deployer"},
					StateMachine: StateMachineARN{Partition: "aws", Region: "eu-west-1", Account: "222222222222", Name: "deploy", Qualifier: "3"},
					Service:      ServiceARN{Partition: "aws", Region: "eu-west-1", Account: "222222222222", Cluster: "staging", Service: "web"},
				},
			},
			StateMachineTags:       map[string]string{"team": "payments"},
			ServiceTags:            map[string]string{"app": "web", "Cost Center": ""},
			ExecutionInput:         `{"sha": "${{ github.sha }}", "env": "${{ stagecrew.environment }}"}`,
			Container:              "web",
			StateMachineDefinition: "deploy/sfn.asl.json",
			TaskDefinition:         "deploy/task.json",
		}},
		{"GovCloud, no environment list", Targets{
			Default: Environment{
				StateMachine: StateMachineARN{Partition: "aws-us-gov", Region: "us-gov-west-1", Account: "123456789012", Name: "m"},
			},
			Overrides: map[string]Environment{
				"gov": {Role: RoleARN{Partition: "aws-us-gov", Account: "123456789012", Path: "/", Name: "r"}},
			},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := tt.in.Annotations()
			if err != nil {
				t.Fatal(err)
			}
			got, err := Read(&catalog.Entity{Metadata: catalog.Metadata{Annotations: m}})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(*got, tt.in) {
				t.Fatalf("round trip through %v:\ngot  %+v\nwant %+v", m, *got, tt.in)
			}
		})
	}
}

func TestAnnotationsKeys(t *testing.T) {
	in := Targets{
		Environments: []string{"prod"},
		Overrides: map[string]Environment{"prod": {
			Role: RoleARN{Partition: "aws", Account: "111111111111", Name: "r"},
		}},
		ServiceTags: map[string]string{"b": "2", "a": "1"},
	}
	m, err := in.Annotations()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"stagecrew.dev/environments":             "prod",
		"stagecrew.dev/role-arn.prod":            "arn:aws:iam::111111111111:role/r",
		"aws.amazon.com/amazon-ecs-service-tags": "a=1, b=2",
	}
	if !maps.Equal(m, want) {
		t.Errorf("Annotations = %v, want %v", m, want)
	}
}

func TestAnnotationsInvalid(t *testing.T) {
	tests := []struct {
		name  string
		in    Targets
		field string
		msg   string
	}{
		{"bad name", Targets{Default: Environment{StateMachine: StateMachineARN{Partition: "aws", Region: "us-east-1", Account: "111111111111", Name: "a b"}}},
			"metadata.annotations." + KeyStateMachineARN, `state machine name "a b"`},
		{"account mismatch", Targets{Default: Environment{
			Role:    RoleARN{Partition: "aws", Account: "111111111111", Name: "r"},
			Service: ServiceARN{Partition: "aws", Region: "us-east-1", Account: "222222222222", Cluster: "c", Service: "s"},
		}}, "metadata.annotations." + KeyRoleARN, "account 222222222222"},
		{"override for unlisted env", Targets{Environments: []string{"prod"}, Overrides: map[string]Environment{
			"dev": {Role: RoleARN{Partition: "aws", Account: "111111111111", Name: "r"}},
		}}, "metadata.annotations.stagecrew.dev/role-arn.dev", `"dev" is not listed`},
		{"key too long", Targets{Overrides: map[string]Environment{
			strings.Repeat("e", 50): {StateMachine: StateMachineARN{Partition: "aws", Region: "us-east-1", Account: "111111111111", Name: "m"}},
		}}, "metadata.annotations.stagecrew.dev/state-machine-arn." + strings.Repeat("e", 50), "longer than the 63 characters"},
		{"bad tags", Targets{ServiceTags: map[string]string{"a": "b=c"}}, "metadata.annotations." + KeyECSServiceTags, `value contains "="`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := tt.in.Annotations()
			var ve *catalog.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("Annotations() = %v, %v; want a *catalog.ValidationError", m, err)
			}
			if !slices.ContainsFunc(ve.Problems, func(p catalog.Problem) bool {
				return p.Field == tt.field && strings.Contains(p.Message, tt.msg)
			}) {
				t.Errorf("problems %v lack field %s with %q", ve.Problems, tt.field, tt.msg)
			}
		})
	}
}
