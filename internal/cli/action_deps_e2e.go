//go:build stagecrew_e2e

package cli

import "github.com/stagecrew/stagecrew/actions"

// actionDeps, in binaries built with the stagecrew_e2e tag for the
// end-to-end tests (test/e2e), points the action at the test's local OIDC
// issuer and moto: STAGECREW_E2E_OIDC_ISSUER and STAGECREW_E2E_AWS_ENDPOINT.
// Release builds never compile this file, so no variable of a job can
// change which issuer a release binary trusts.
func actionDeps(env Env, d actions.Deps) actions.Deps {
	if v := env("STAGECREW_E2E_OIDC_ISSUER"); v != "" {
		d.Issuer = v
	}
	if v := env("STAGECREW_E2E_AWS_ENDPOINT"); v != "" {
		d.AWSEndpoint = v
	}
	return d
}
