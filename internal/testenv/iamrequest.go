package testenv

import (
	"fmt"
	"strings"
)

// awsCall is one AWS API call as it crossed the wire: the signing name
// ("ecs", "states", ...), the operation, the region from the signature's
// credential scope and the JSON body (or form values, for query APIs).
type awsCall struct {
	service, operation, region string
	body                       map[string]any
}

// IAMRequestsFor is the mapping IAMProxy applies, for tests that decide a
// library's calls without sending them: the IAM requests of the operation
// (as its signing name calls the service: "ecs", "states", "tagging", ...)
// with the JSON body's parameters. deploymentGroups maps CodeDeploy
// deployment IDs to their deployment group ARNs (what the proxy learns
// from CreateDeployment).
func IAMRequestsFor(service, operation, region, account string, body map[string]any, deploymentGroups map[string]string) ([]IAMRequest, error) {
	p := &IAMProxy{deployments: deploymentGroups}
	if body == nil {
		body = map[string]any{}
	}
	return p.iamRequests(awsCall{service: service, operation: operation, region: region, body: body}, account)
}

// iamRequests turns one AWS API call into the requests IAM authorizes for
// it: the action, the resource ARN of the resource type the Service
// Authorization Reference lists for the action (or "*" when it lists
// none), and the condition keys the call supplies. Calls that make AWS
// check another permission too (iam:PassRole for the roles a task
// definition or RunTask override names, as ECS's documentation says) add
// that request. The mapping covers the calls stagecrew makes; any other
// operation is an error, never silently allowed.
//
// The IAMSimulator checks each result against the reference (an ARN that is
// not of a resource type the action takes is rejected), so a wrong mapping
// fails a test instead of deciding it.
func (p *IAMProxy) iamRequests(c awsCall, account string) ([]IAMRequest, error) {
	reqs, err := p.mapCall(c, account)
	if err != nil {
		return nil, err
	}
	for _, r := range reqs {
		if r.Resource != "*" && !strings.HasPrefix(r.Resource, "arn:") {
			return nil, fmt.Errorf("%s:%s: the call names no resource for %s (%q)", c.service, c.operation, r.Action, r.Resource)
		}
	}
	return reqs, nil
}

func (p *IAMProxy) mapCall(c awsCall, account string) ([]IAMRequest, error) {
	str := func(k string) string { s, _ := c.body[k].(string); return s }
	list := func(k string) []string {
		var out []string
		if v, ok := c.body[k].([]any); ok {
			for _, e := range v {
				if s, ok := e.(string); ok {
					out = append(out, s)
				}
			}
		}
		return out
	}
	arn := func(service, resource string) string {
		return fmt.Sprintf("arn:aws:%s:%s:%s:%s", service, c.region, account, resource)
	}
	req := func(action, resource string, ctx map[string]string) IAMRequest {
		return IAMRequest{Action: action, Resource: resource, Account: account, Context: ctx}
	}
	action := c.service + ":" + c.operation

	switch c.service {
	case "ecs":
		cluster := str("cluster")
		if cluster == "" {
			cluster = "default"
		}
		clusterName := cluster[strings.LastIndex(cluster, "/")+1:]
		clusterARN := arn("ecs", "cluster/"+clusterName)
		onCluster := map[string]string{"ecs:cluster": clusterARN}
		named := func(kind, s string) string {
			if strings.HasPrefix(s, "arn:") {
				return s
			}
			return arn("ecs", kind+"/"+clusterName+"/"+s)
		}
		taskDef := func(s string) string {
			switch {
			case strings.HasPrefix(s, "arn:"):
				return s
			case strings.Contains(s, ":"):
				return arn("ecs", "task-definition/"+s)
			}
			return arn("ecs", "task-definition/"+s+":*") // the family's latest ACTIVE revision
		}
		passRoles := func(ctxRoles ...string) []IAMRequest {
			var out []IAMRequest
			for _, r := range ctxRoles {
				if r == "" {
					continue
				}
				if !strings.HasPrefix(r, "arn:") {
					r = fmt.Sprintf("arn:aws:iam::%s:role/%s", account, r)
				}
				out = append(out, req("iam:PassRole", r, map[string]string{"iam:PassedToService": "ecs-tasks.amazonaws.com"}))
			}
			return out
		}
		// Tags given when creating are authorized as ecs:TagResource on
		// the new resource, with the creating call as ecs:CreateAction.
		tagOnCreate := func(resource string) []IAMRequest {
			if tags, _ := c.body["tags"].([]any); len(tags) > 0 {
				return []IAMRequest{req("ecs:TagResource", resource, map[string]string{"ecs:CreateAction": c.operation})}
			}
			return nil
		}
		switch c.operation {
		case "DescribeServices":
			var out []IAMRequest
			for _, s := range list("services") {
				out = append(out, req(action, named("service", s), onCluster))
			}
			return out, nil
		case "UpdateService":
			return []IAMRequest{req(action, named("service", str("service")), onCluster)}, nil
		case "DescribeTasks", "StopTask":
			ids := list("tasks")
			if c.operation == "StopTask" {
				ids = []string{str("task")}
			}
			var out []IAMRequest
			for _, id := range ids {
				out = append(out, req(action, named("task", id), onCluster))
			}
			return out, nil
		case "ListTasks":
			// The reference's resource type is the container instance; with
			// none named, IAM authorizes "*" and the cluster condition key.
			return []IAMRequest{req(action, "*", onCluster)}, nil
		case "RunTask":
			out := []IAMRequest{req(action, taskDef(str("taskDefinition")), onCluster)}
			out = append(out, tagOnCreate(arn("ecs", "task/"+clusterName+"/*"))...)
			if o, ok := c.body["overrides"].(map[string]any); ok {
				tr, _ := o["taskRoleArn"].(string)
				er, _ := o["executionRoleArn"].(string)
				out = append(out, passRoles(tr, er)...)
			}
			return out, nil
		case "RegisterTaskDefinition":
			out := []IAMRequest{req(action, arn("ecs", "task-definition/"+str("family")+":*"), nil)}
			out = append(out, tagOnCreate(arn("ecs", "task-definition/"+str("family")+":*"))...)
			return append(out, passRoles(str("taskRoleArn"), str("executionRoleArn"))...), nil
		case "DescribeTaskDefinition", "ListTaskDefinitions", "DeregisterTaskDefinition", "ListTaskDefinitionFamilies":
			return []IAMRequest{req(action, "*", nil)}, nil
		case "TagResource", "UntagResource", "ListTagsForResource":
			return []IAMRequest{req(action, str("resourceArn"), nil)}, nil
		}
	case "states":
		switch c.operation {
		case "StartExecution", "StartSyncExecution", "DescribeStateMachine", "ListExecutions":
			sm := str("stateMachineArn")
			// A version or alias ARN: IAM authorizes it with the qualifier
			// as states:StateMachineQualifier.
			if parts := strings.Split(sm, ":"); len(parts) == 8 && c.operation != "ListExecutions" {
				return []IAMRequest{req(action, sm, map[string]string{"states:StateMachineQualifier": parts[7]})}, nil
			}
			return []IAMRequest{req(action, sm, nil)}, nil
		case "ListStateMachines": // no resource type: "*" ('stagecrew drift')
			return []IAMRequest{req(action, "*", nil)}, nil
		case "DescribeExecution", "GetExecutionHistory", "StopExecution", "RedriveExecution", "DescribeStateMachineForExecution":
			return []IAMRequest{req(action, str("executionArn"), nil)}, nil
		// Definition deploys (versions and aliases).
		case "UpdateStateMachine", "PublishStateMachineVersion", "ListStateMachineVersions", "ListStateMachineAliases":
			return []IAMRequest{req(action, str("stateMachineArn"), nil)}, nil
		case "DescribeStateMachineAlias", "UpdateStateMachineAlias", "DeleteStateMachineAlias":
			alias := str("stateMachineAliasArn")
			return []IAMRequest{req(action, alias, map[string]string{"states:StateMachineQualifier": alias[strings.LastIndex(alias, ":")+1:]})}, nil
		case "CreateStateMachineAlias":
			// Authorized on the alias to be, named after the state machine
			// of the version it routes to.
			var version string
			if rc, _ := c.body["routingConfiguration"].([]any); len(rc) > 0 {
				if m, ok := rc[0].(map[string]any); ok {
					version, _ = m["stateMachineVersionArn"].(string)
				}
			}
			if i := strings.LastIndex(version, ":"); i > 0 && strings.Count(version, ":") == 7 {
				return []IAMRequest{req(action, version[:i]+":"+str("name"), map[string]string{"states:StateMachineQualifier": str("name")})}, nil
			}
			return nil, fmt.Errorf("states:CreateStateMachineAlias routes to no version ARN")
		}
	case "logs":
		group := str("logGroupName")
		if id := str("logGroupIdentifier"); id != "" {
			group = id
		}
		groupARN := group
		if !strings.HasPrefix(group, "arn:") {
			groupARN = arn("logs", "log-group:"+group)
		}
		switch c.operation {
		case "GetLogEvents":
			return []IAMRequest{req(action, groupARN+":log-stream:"+str("logStreamName"), nil)}, nil
		case "FilterLogEvents", "DescribeLogStreams":
			return []IAMRequest{req(action, groupARN, nil)}, nil
		}
	case "codedeploy":
		group := func() string {
			return arn("codedeploy", "deploymentgroup:"+str("applicationName")+"/"+str("deploymentGroupName"))
		}
		switch c.operation {
		case "CreateDeployment", "GetDeploymentGroup":
			return []IAMRequest{req(action, group(), nil)}, nil
		case "GetApplication", "GetApplicationRevision", "RegisterApplicationRevision":
			return []IAMRequest{req(action, arn("codedeploy", "application:"+str("applicationName")), nil)}, nil
		case "GetDeploymentConfig":
			return []IAMRequest{req(action, arn("codedeploy", "deploymentconfig:"+str("deploymentConfigName")), nil)}, nil
		case "ListDeployments":
			return []IAMRequest{req(action, group(), nil)}, nil
		case "StopDeployment", "ContinueDeployment", "ListDeploymentTargets", "GetDeploymentTarget", "BatchGetDeploymentTargets":
			// The reference lists no resource type for these: IAM
			// authorizes them on "*".
			return []IAMRequest{req(action, "*", nil)}, nil
		case "GetDeployment":
			// Authorized on the deployment's group, which the request does
			// not name: the proxy learnt it from CreateDeployment.
			g, ok := p.deploymentGroup(str("deploymentId"))
			if !ok {
				return nil, fmt.Errorf("codedeploy:%s of deployment %q, not created through this proxy: its deployment group is unknown", c.operation, str("deploymentId"))
			}
			return []IAMRequest{req(action, g, nil)}, nil
		}
	case "tagging":
		// The Resource Groups Tagging API signs as "tagging"; IAM's prefix is "tag".
		if c.operation == "GetResources" {
			return []IAMRequest{req("tag:GetResources", "*", nil)}, nil
		}
	case "secretsmanager":
		switch c.operation {
		case "GetSecretValue", "DescribeSecret":
			id := str("SecretId")
			if !strings.HasPrefix(id, "arn:") {
				id = arn("secretsmanager", "secret:"+id+"-??????")
			}
			return []IAMRequest{req(action, id, nil)}, nil
		}
	case "sts":
		if c.operation == "GetCallerIdentity" {
			return nil, nil // needs no permission
		}
	}
	return nil, fmt.Errorf("no IAM mapping for %s (add it to testenv's iamRequests from the Service Authorization Reference)", action)
}
