// Package e2e runs stagecrew's action.yml files the way a runner does.
//
// Its always-on tests drive install-stagecrew.sh, the first step of every
// action.yml, with bash, curl and tar against a local release server. The
// tests behind the e2e build tag (scripts/test.sh runs them once) run real
// workflows with nektos/act in its self-hosted mode (no Docker), against
// moto, the local OIDC issuer, the GitHub stand-in and the release server.
package e2e
