#!/usr/bin/env bash
# npm-install.sh DIR: give DIR a node_modules installed from DIR/package-lock.json.
#
# node_modules trees live in a cache outside the checkout,
#   ${STAGECREW_CACHE:-$HOME/.cache/stagecrew}/npm/<key>/node_modules
# keyed by the sha256 of DIR/package-lock.json, DIR/.npmrc (it can change how
# native modules build), the Node major version and the CPU architecture.
# DIR/node_modules becomes a symlink to the cached tree.
#
#   hit:  relink (if needed) and check that node resolves DIR's direct
#         dependencies through the link;
#   miss: `npm ci --no-audit --no-fund` in a scratch copy of DIR's manifest
#         inside the cache root, then rename(2) it into place, then link.
#
# Several callers at once (go test runs packages in parallel) are serialised
# by flock on <cache>/npm/.lock. Progress goes to stderr. Exit status is
# non-zero, with the reason on stderr, when anything fails.
set -euo pipefail

prog=npm-install
say() { printf '%s: %s\n' "$prog" "$*" >&2; }
die() { say "ERROR: $*"; exit 1; }

[ $# -eq 1 ] || die "usage: scripts/npm-install.sh DIR (a folder with package.json and package-lock.json)"
[ -d "$1" ] || die "$1: no such directory"
dir=$(cd "$1" && pwd -P)
[ -f "$dir/package.json" ] || die "$dir: no package.json"
[ -f "$dir/package-lock.json" ] || die "$dir: no package-lock.json (commit the one \`npm install\` writes)"

for tool in node npm flock sha256sum; do
  command -v "$tool" >/dev/null 2>&1 || die "'$tool' is not on PATH"
done

node_major=$(node -p 'process.versions.node.split(".")[0]') || die "node does not run"
key=$(
  {
    printf 'node-major=%s\narch=%s\n' "$node_major" "$(uname -m)"
    cat "$dir/package-lock.json"
    if [ -f "$dir/.npmrc" ]; then printf '\n.npmrc:\n'; cat "$dir/.npmrc"; fi
  } | sha256sum | cut -c1-32
)

cache_root=${STAGECREW_CACHE:-${HOME:-/tmp}/.cache/stagecrew}
npm_cache=$cache_root/npm
entry=$npm_cache/$key
mkdir -p "$npm_cache" || die "cannot create cache folder $npm_cache"

# Everything below runs under the lock: concurrent callers for the same key
# wait for the first one's install instead of racing it.
exec 9>"$npm_cache/.lock"
if ! flock -n 9; then
  say "waiting for another install to finish (lock $npm_cache/.lock)"
  flock -w "${STAGECREW_NPM_LOCK_TIMEOUT:-1800}" 9 || die "timed out waiting for $npm_cache/.lock"
fi

# verify checks that node, starting from DIR, resolves every direct
# dependency in DIR/package.json through DIR/node_modules.
verify() {
  (cd "$dir" && node -e '
    const { createRequire } = require("module");
    const path = require("path");
    const pkg = require(path.resolve("package.json"));
    const req = createRequire(path.resolve("package.json"));
    const names = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies, ...pkg.optionalDependencies });
    const missing = [];
    for (const n of names) {
      try { req.resolve(n + "/package.json"); continue; } catch (_) {}
      try { req.resolve(n); } catch (e) { missing.push(n); }
    }
    if (missing.length) { console.error("cannot resolve: " + missing.join(", ")); process.exit(1); }
  ')
}

# link points DIR/node_modules at the cached tree, replacing whatever is there.
link() {
  local target=$entry/node_modules
  if [ -L "$dir/node_modules" ] && [ "$(readlink "$dir/node_modules")" = "$target" ]; then
    return 0
  fi
  if [ -e "$dir/node_modules" ] && [ ! -L "$dir/node_modules" ]; then
    say "replacing the real folder $dir/node_modules with a link to the cache"
    rm -rf "$dir/node_modules"
  fi
  ln -sfn "$target" "$dir/node_modules.$$.tmp"
  mv -Tf "$dir/node_modules.$$.tmp" "$dir/node_modules"
}

tmp=
cleanup() { if [ -n "$tmp" ]; then rm -rf "$tmp"; fi; }
trap cleanup EXIT

rel=${dir#"$PWD"/}
if [ -d "$entry/node_modules" ]; then
  link
  if verify; then
    say "$rel: cache hit ($key), node_modules -> $entry/node_modules"
    exit 0
  fi
  say "$rel: cached tree $entry fails to resolve dependencies; reinstalling"
  mv "$entry" "$npm_cache/.broken.$key.$$" && rm -rf "$npm_cache/.broken.$key.$$"
fi

say "$rel: cache miss ($key), running npm ci (node $(node --version), npm $(npm --version))"
start=$(date +%s)
tmp=$(mktemp -d "$npm_cache/.tmp.$key.XXXXXX")
chmod 755 "$tmp"
cp "$dir/package.json" "$dir/package-lock.json" "$tmp/"
if [ -f "$dir/.npmrc" ]; then cp "$dir/.npmrc" "$tmp/"; fi
if ! (cd "$tmp" && npm ci --no-audit --no-fund >&2); then
  die "npm ci failed for $dir (see npm's output above)"
fi
[ -d "$tmp/node_modules" ] || die "npm ci left no node_modules for $dir"
# Same filesystem as $entry, so this rename is atomic: a reader sees either
# no entry or a complete one.
mv -T "$tmp" "$entry" || die "cannot move $tmp to $entry"
tmp=
link
verify || die "installed $entry but node cannot resolve $rel's dependencies through $dir/node_modules"
say "$rel: installed in $(( $(date +%s) - start ))s, node_modules -> $entry/node_modules"
