// Package stepfunctions starts an AWS Step Functions execution for a catalog
// entity and waits for it: once per workflow job (the execution name is
// derived from the entity, environment, run and job, so a re-run or a retried
// request attaches instead of starting again), with adaptive polling,
// progress lines from the execution history, and an explanation of a failure
// (state, error, cause, console link) in a result.Result.
//
// [Deployer.Deploy] publishes a state machine definition from version
// control as a version behind an environment's alias: ${Name} placeholders
// substituted ([Substitute]), validated with package asl, published only
// when the definition or role changed, and the alias moved at once or as a
// canary that rolls back when an execution of the new version fails.
// [Deployer.Plan] is the same without a change, for pull requests.
package stepfunctions
