#!/usr/bin/env bash
# scripts/test.sh [go test args...]: the project's one test command.
#
# Works on a fresh machine: it checks the toolchains, installs the npm
# projects the tests use (from their lock files, through a cache outside the
# checkout: scripts/npm-install.sh), starts the services the tests need, then
# runs go vet and go test over every package. Extra arguments go to go test,
# e.g. scripts/test.sh -run Oracle -v.
#
# Environment:
#   CI=true          tests that cannot get a real part they need fail instead
#                    of skipping (set by CI).
#   NPM_DIRS         npm projects to install, relative to the repo root
#                    (default: test/npm test/backstage test/github test/iam).
#   STAGECREW_CACHE  cache root (default: $HOME/.cache/stagecrew).
set -euo pipefail

cd "$(dirname "$0")/.."
root=$(pwd -P)

step() { printf '\n==> %s\n' "$*" >&2; }
die() { printf 'test.sh: ERROR: %s\n' "$*" >&2; exit 1; }

step "checking tools"
missing=
for tool in go node npm flock moto_server; do
  if command -v "$tool" >/dev/null 2>&1; then
    printf '  %-5s %s\n' "$tool" "$(command -v "$tool")" >&2
  else
    missing="$missing $tool"
  fi
done
[ -z "$missing" ] || die "not on PATH:$missing (Go 1.26, Node 20 with npm, util-linux flock, moto_server 5.2.1 from the machine image)"
printf '  %s, node %s, npm %s\n' "$(go version)" "$(node --version)" "$(npm --version)" >&2

# npm projects that tests use; add yours here (e.g. test/backstage).
NPM_DIRS=${NPM_DIRS:-test/npm test/backstage test/github test/iam}
for d in $NPM_DIRS; do
  step "npm install $d"
  bash scripts/npm-install.sh "$d"
done

if [ -n "${CI:-}" ]; then
  export CI
  step "CI=$CI: tests that cannot get a real part fail instead of skipping"
fi

# --- services -----------------------------------------------------------
# Start here the services tests need that they do not start themselves
# (e.g. a shared moto_server), export how to reach them, and stop them in
# cleanup. Tests should prefer starting their own, per package.
cleanup() {
  :
}
trap cleanup EXIT
# --- end of services ----------------------------------------------------

step "go vet ./..."
go vet ./...

step "go test ./... -count=1 -timeout 25m $*"
go test ./... -count=1 -timeout 25m "$@"

# The action.yml files run by a real runner (nektos/act, self-hosted mode,
# no Docker) against moto, the OIDC issuer, the GitHub stand-in and a local
# release server: once, behind the e2e tag (act is built from the Go module
# proxy the first time, into $STAGECREW_CACHE).
step "go test -tags e2e ./test/e2e (act)"
go test -tags e2e -count=1 -timeout 20m -run TestAct ./test/e2e/
