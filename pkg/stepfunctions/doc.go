// Package stepfunctions starts an AWS Step Functions execution for a catalog
// entity and waits for it: once per workflow job (the execution name is
// derived from the entity, environment, run and job, so a re-run or a retried
// request attaches instead of starting again), with adaptive polling,
// progress lines from the execution history, and an explanation of a failure
// (state, error, cause, console link) in a result.Result.
package stepfunctions
