package iam

import (
	"fmt"

	"github.com/stagecrew/stagecrew/pkg/annotations"
)

// addCodeDeploy adds the statements of a blue/green deploy through
// CodeDeploy: create, watch and stop deployments of the one deployment
// group (CodeDeploy authorizes them on the deployment group's ARN), register
// the AppSpec revision with the application, and read deployment
// configurations (their ARNs hold only the configuration's name).
func addCodeDeploy(add func(Statement), svc annotations.ServiceARN, g CodeDeployGroup) error {
	if !isCodeDeployName(g.Application) || !isCodeDeployName(g.DeploymentGroup) {
		return fmt.Errorf("CodeDeploy application %q and deployment group %q must be 1-100 letters, digits and _.+@-", g.Application, g.DeploymentGroup)
	}
	arn := func(resource string) string {
		return fmt.Sprintf("arn:%s:codedeploy:%s:%s:%s", svc.Partition, svc.Region, svc.Account, resource)
	}
	add(Statement{Sid: "BlueGreenDeployments", Effect: "Allow",
		Action:   Strings{"codedeploy:CreateDeployment", "codedeploy:GetDeployment", "codedeploy:ListDeployments"},
		Resource: Strings{arn("deploymentgroup:" + g.Application + "/" + g.DeploymentGroup)}})
	// The Service Authorization Reference lists no resource type for
	// these: IAM authorizes them on "*", and a statement naming the
	// deployment group never matches (TestDeployOptionsUnderIAM's evaluator
	// denied the watch and the stop without this).
	add(Statement{Sid: "BlueGreenTargets", Effect: "Allow",
		Action:   Strings{"codedeploy:GetDeploymentTarget", "codedeploy:ListDeploymentTargets", "codedeploy:StopDeployment"},
		Resource: Strings{"*"}})
	add(Statement{Sid: "BlueGreenRevision", Effect: "Allow", Action: Strings{"codedeploy:RegisterApplicationRevision"},
		Resource: Strings{arn("application:" + g.Application)}})
	add(Statement{Sid: "BlueGreenConfig", Effect: "Allow", Action: Strings{"codedeploy:GetDeploymentConfig"},
		Resource: Strings{arn("deploymentconfig:*")}})
	return nil
}
