package annotations_test

import (
	"errors"
	"fmt"

	"github.com/stagecrew/stagecrew/pkg/annotations"
	"github.com/stagecrew/stagecrew/pkg/catalog"
)

func ExampleRead() {
	const file = `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: payments
  annotations:
    stagecrew.dev/environments: staging, production
    stagecrew.dev/role-arn: arn:aws:iam::111111111111:role/deployer
    stagecrew.dev/role-arn.staging: arn:aws:iam::222222222222:role/deployer
    stagecrew.dev/state-machine-arn.staging: arn:aws:states:eu-west-1:222222222222:stateMachine:deploy
    aws.amazon.com/aws-stepfunctions-state-machine-arn: arn:aws:states:us-east-1:111111111111:stateMachine:deploy:live
spec:
  type: service
  lifecycle: production
  owner: payments-team
`
	docs, err := catalog.Decode("catalog-info.yaml", []byte(file), catalog.DecodeOptions{})
	if err != nil {
		panic(err)
	}
	targets, err := annotations.Read(docs[0].Entity)
	if err != nil {
		panic(err)
	}
	for _, env := range targets.Environments {
		e, err := targets.ForEnvironment(env)
		if err != nil {
			panic(err)
		}
		fmt.Printf("%s: assume %s, start %s (alias %q)\n", env, e.Role.Name+"@"+e.Role.Account, e.StateMachine.Name+"@"+e.StateMachine.Region, e.StateMachine.Qualifier)
	}
	_, err = targets.ForEnvironment("qa")
	fmt.Println(errors.Is(err, annotations.ErrUnknownEnvironment))

	// A typo is reported with the file, line and closest known key.
	docs, _ = catalog.Decode("catalog-info.yaml", []byte(`apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: payments
  annotations:
    stagecrew.dev/rolearn: arn:aws:iam::111111111111:role/deployer
spec: {type: service, lifecycle: production, owner: payments-team}
`), catalog.DecodeOptions{})
	_, err = annotations.Read(docs[0].Entity)
	fmt.Println(err)
	// Output:
	// staging: assume deployer@222222222222, start deploy@eu-west-1 (alias "")
	// production: assume deployer@111111111111, start deploy@us-east-1 (alias "live")
	// true
	// catalog-info.yaml:6:28: metadata.annotations.stagecrew.dev/rolearn: unknown stagecrew annotation; did you mean stagecrew.dev/role-arn?
}

func ExampleTargets_Annotations() {
	t := annotations.Targets{
		Default: annotations.Environment{
			Role:    annotations.RoleARN{Partition: "aws", Account: "111111111111", Name: "deployer"},
			Service: annotations.ServiceARN{Partition: "aws", Region: "us-east-1", Account: "111111111111", Cluster: "prod", Service: "web"},
		},
		Container: "web",
	}
	m, err := t.Annotations()
	if err != nil {
		panic(err)
	}
	fmt.Println(m[annotations.KeyRoleARN])
	fmt.Println(m[annotations.KeyECSServiceARN])
	fmt.Println(m[annotations.KeyECSContainer])
	// Output:
	// arn:aws:iam::111111111111:role/deployer
	// arn:aws:ecs:us-east-1:111111111111:service/prod/web
	// web
}
