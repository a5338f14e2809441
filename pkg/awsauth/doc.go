// Package awsauth turns a GitHub Actions OIDC token into AWS credentials,
// without stored keys: a fresh token is requested for every STS
// AssumeRoleWithWebIdentity exchange, and the credentials refresh on their
// own while a long wait outlives the session.
//
// Errors that retrying cannot fix (a job without `permissions: id-token:
// write`, a trust policy that does not accept the token, a malformed
// request) fail at once with a message saying what to change; throttling,
// 5xx answers, resets and hung attempts are retried with backoff and jitter.
// VerifyToken checks a GitHub OIDC token against its issuer's keys, so that
// decisions about who triggered a run rest on verified claims.
package awsauth
