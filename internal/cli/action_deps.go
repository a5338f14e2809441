//go:build !stagecrew_e2e

package cli

import "github.com/stagecrew/stagecrew/actions"

// actionDeps returns the dependencies of the action commands. A release
// binary takes them as they are: GitHub's OIDC issuer and AWS's endpoints.
// (Binaries built with the stagecrew_e2e tag, for the end-to-end tests
// only, read local endpoints from the environment: action_deps_e2e.go.)
func actionDeps(env Env, d actions.Deps) actions.Deps { return d }
