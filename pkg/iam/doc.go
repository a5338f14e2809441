// Package iam generates least-privilege IAM policies for one entity in one
// environment — the trust policy that lets only that service's GitHub
// workflow assume its role, and the permission policy that lets the role
// touch only that service's own state machine, ECS service, task definition
// family, task roles and log group — and checks IAM policy JSON
// structurally before it is handed to AWS.
package iam
