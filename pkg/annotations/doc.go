// Package annotations reads and writes the catalog annotations stagecrew acts
// on: the AWS keys the Backstage ECS plugin defines (and their Step Functions
// counterparts) and stagecrew's own stagecrew.dev/ keys.
//
// Read turns an entity's annotations into typed, validated Targets, reporting
// every present-but-wrong annotation with its file and line; Targets.Annotations
// is the inverse, for code that writes catalog files. The ARN types
// (StateMachineARN, ServiceARN, RoleARN) and ParseTags can be used alone.
package annotations
