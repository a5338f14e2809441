// Package policy decides who may run what, where, before anything touches
// AWS: it resolves a GitHub actor to a Backstage User and its groups, checks
// the request (entity, environment, action, ref, event, GitHub environment)
// against rules kept in version control, and explains every decision — who
// was denied, why, and what would allow it — in an audit record.
package policy
