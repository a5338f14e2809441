package annotations

import (
	"testing"

	"github.com/stagecrew/stagecrew/pkg/catalog"
)

// benchEntities are the entities BenchmarkRead reads: the shape of the
// 10,000-entity validate benchmark (bench/gen: one state machine ARN among
// annotations of other tools), every annotation stagecrew reads, and none.
var benchEntities = []struct{ name, text string }{
	{"corpus", `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: svc-1
  annotations:
    backstage.io/source-location: url:https://github.com/acme/repo-1/tree/main/
    github.com/project-slug: acme/repo-1
    example.com/cost-center: cc-1
    aws.amazon.com/aws-stepfunctions-state-machine-arn: arn:aws:states:us-east-1:123456789012:stateMachine:sm-1
spec: {type: service, lifecycle: production, owner: team-1}
`},
	{"full", head + `    stagecrew.dev/environments: "staging, production"
    stagecrew.dev/role-arn: ` + roleP + `
    stagecrew.dev/role-arn.staging: ` + roleS + `
    stagecrew.dev/state-machine-arn.staging: ` + smStage + `
    stagecrew.dev/ecs-service-arn.staging: ` + svcStage + `
    aws.amazon.com/aws-stepfunctions-state-machine-arn: ` + smProd + `
    aws.amazon.com/aws-stepfunctions-state-machine-tags: team=payments, tier=1
    aws.amazon.com/amazon-ecs-service-arn: ` + svcProd + `
    aws.amazon.com/amazon-ecs-service-tags: app=web
    stagecrew.dev/execution-input: '{"sha": "${{ github.sha }}"}'
    stagecrew.dev/ecs-container: web
    stagecrew.dev/state-machine-definition: deploy/sfn.asl.json
    stagecrew.dev/task-definition: deploy/task.json
    github.com/project-slug: acme/web
spec: {type: service, lifecycle: production, owner: payments}
`},
	{"none", `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: web
spec: {type: service, lifecycle: production, owner: payments}
`},
}

// BenchmarkRead measures Read on one entity of each shape; "corpus" is the
// common case of stagecrew validate.
func BenchmarkRead(b *testing.B) {
	for _, be := range benchEntities {
		docs, err := catalog.Decode("catalog-info.yaml", []byte(be.text), catalog.DecodeOptions{})
		if err != nil || len(docs) != 1 || docs[0].Err != nil {
			b.Fatalf("%s: decode: %v %v", be.name, err, docs)
		}
		e := docs[0].Entity
		if _, err := Read(e); err != nil {
			b.Fatalf("%s: Read: %v", be.name, err)
		}
		b.Run(be.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Read(e); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkCheck measures Check, what stagecrew validate calls, on the
// same entities.
func BenchmarkCheck(b *testing.B) {
	for _, be := range benchEntities {
		docs, err := catalog.Decode("catalog-info.yaml", []byte(be.text), catalog.DecodeOptions{})
		if err != nil || len(docs) != 1 || docs[0].Err != nil {
			b.Fatalf("%s: decode: %v %v", be.name, err, docs)
		}
		e := docs[0].Entity
		b.Run(be.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := Check(e); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkParseStateMachineARN measures the parser Read calls most.
func BenchmarkParseStateMachineARN(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseStateMachineARN(smStage); err != nil {
			b.Fatal(err)
		}
	}
}
