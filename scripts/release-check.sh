#!/usr/bin/env bash
# scripts/release-check.sh: build the release the way the release workflow
# does (.goreleaser.yaml: every platform, archives, checksums.txt) from the
# committed HEAD, twice, in two checkouts at different paths and times, and
# check that both builds give the same checksums.txt: the release is
# reproducible, which is what lets a tag pin the checksums of its own build.
# Prints the archives' and binaries' sizes.
#
# Environment:
#   GORELEASER   a goreleaser v2 binary; default: go run of the pinned version
#                (building GoReleaser itself takes minutes the first time)
#   FRESH_CACHE  set to 1 to give the second build an empty Go build cache
#                (slower; proves the bytes do not come from the cache)
#   VERSION      the version stamped in (default 0.0.0-check)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd -P)
goreleaser_version=v2.15.1
version=${VERSION:-0.0.0-check}

gr() {
	if [[ -n "${GORELEASER:-}" ]]; then
		"$GORELEASER" "$@"
	else
		go run "github.com/goreleaser/goreleaser/v2@${goreleaser_version}" "$@"
	fi
}

# One commit for both builds (HEAD may move meanwhile in a shared tree).
rev=$(git rev-parse HEAD)
echo "building $rev twice"
work=$(mktemp -d "${TMPDIR:-/tmp}/stagecrew-release-check.XXXXXX")
cleanup() {
	rm -rf "$work"
}
trap cleanup EXIT

build() { # dir
	# A clone with a GitHub remote, as in the release workflow: without a
	# remote GoReleaser's snapshot falls back to the current time for the
	# commit date, and the archives' mtimes (so their checksums) change.
	git clone -q --no-checkout "$root" "$1"
	git -C "$1" checkout -q --detach "$rev"
	git -C "$1" remote set-url origin https://github.com/stagecrew/stagecrew.git
	(cd "$1" && STAGECREW_RELEASE_VERSION="$version" gr release --snapshot --clean >"$1.log" 2>&1) || {
		cat "$1.log" >&2
		exit 1
	}
}

start=$SECONDS
build "$work/a"
echo "first build: $((SECONDS - start)) s"
sleep 1 # other file times in the second checkout
start=$SECONDS
if [[ "${FRESH_CACHE:-}" == 1 ]]; then
	GOCACHE="$work/gocache" build "$work/b"
else
	build "$work/b"
fi
echo "second build: $((SECONDS - start)) s"

echo "checksums.txt:"
cat "$work/a/dist/checksums.txt"
if ! cmp -s "$work/a/dist/checksums.txt" "$work/b/dist/checksums.txt"; then
	echo "NOT REPRODUCIBLE: the two builds differ" >&2
	diff "$work/a/dist/checksums.txt" "$work/b/dist/checksums.txt" >&2 || true
	exit 1
fi
echo "reproducible: both builds give the same checksums.txt"
echo "sizes (bytes):"
for f in "$work"/a/dist/*.tar.gz; do
	printf '  %-45s %9d\n' "$(basename "$f")" "$(wc -c <"$f")"
done
find "$work/a/dist" -type f \( -name stagecrew -o -name stagecrew.exe \) | sort | while read -r b; do
	printf '  %-45s %9d\n' "${b#"$work"/a/dist/}" "$(wc -c <"$b")"
done
