package iam_test

import (
	"fmt"
	"os"

	"github.com/stagecrew/stagecrew/pkg/annotations"
	"github.com/stagecrew/stagecrew/pkg/iam"
)

func ExampleTrustPolicy() {
	doc, err := iam.TrustPolicy(iam.TrustOptions{
		Account:     "123456789012",
		Repository:  "acme/checkout",
		Environment: "production", // repo:acme/checkout:environment:production
	})
	if err != nil {
		panic(err)
	}
	b, _ := doc.JSON()
	fmt.Println(iam.ValidateTrust(b))
	os.Stdout.Write(b)
	// Output:
	// <nil>
	// {
	//   "Version": "2012-10-17",
	//   "Statement": [
	//     {
	//       "Sid": "GitHubActionsOIDC",
	//       "Effect": "Allow",
	//       "Principal": {
	//         "Federated": "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
	//       },
	//       "Action": "sts:AssumeRoleWithWebIdentity",
	//       "Condition": {
	//         "StringEquals": {
	//           "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
	//           "token.actions.githubusercontent.com:sub": "repo:acme/checkout:environment:production"
	//         }
	//       }
	//     }
	//   ]
	// }
}

func ExamplePermissions() {
	sm, _ := annotations.ParseStateMachineARN("arn:aws:states:us-east-1:123456789012:stateMachine:checkout")
	doc, err := iam.Permissions(iam.PermissionOptions{StateMachine: sm})
	if err != nil {
		panic(err)
	}
	for _, s := range doc.Statement {
		fmt.Println(s.Sid, s.Action, s.Resource)
	}
	b, _ := doc.JSON()
	fmt.Println(iam.Validate(b))
	// Output:
	// StartExecution [states:StartExecution] [arn:aws:states:us-east-1:123456789012:stateMachine:checkout]
	// DescribeStateMachine [states:DescribeStateMachine] [arn:aws:states:us-east-1:123456789012:stateMachine:checkout]
	// Executions [states:DescribeExecution states:GetExecutionHistory states:RedriveExecution states:StopExecution] [arn:aws:states:us-east-1:123456789012:execution:checkout:*]
	// <nil>
}
