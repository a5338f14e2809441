// Package ecs deploys a new image to an Amazon ECS service — rolling, or
// blue/green through CodeDeploy for a CODE_DEPLOY service — and runs one-off
// tasks (migrations and the like), waits for them with adaptive polling, and
// explains what went wrong — rollout failures, circuit-breaker rollbacks,
// stopped tasks with their exit codes — in a result.Result.
//
// Reruns are safe: an identical task definition is not registered twice, a
// deployment the service already runs is attached to instead of started
// again, and a one-off task is found again by its startedBy token.
package ecs
