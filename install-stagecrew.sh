#!/usr/bin/env bash
# install-stagecrew.sh: the first step of every stagecrew action.yml. It puts
# the release binary of the action's own ref on the runner, verified, or says
# that the step after it must build stagecrew from source.
#
# The ref pins the bytes: a release tag carries checksums.txt (the SHA-256 of
# every archive of that release, committed before the tag). This script
#   1. picks the archive for the runner's OS and architecture from that file
#      (its name gives the version: stagecrew_<version>_<os>_<arch>.tar.gz);
#   2. takes it from the runner's tool cache, or downloads it from the
#      release, and checks its SHA-256 against the pinned one before anything
#      else reads it: a mismatch fails the step and nothing runs;
#   3. keeps the verified archive in $RUNNER_TOOL_CACHE/stagecrew/<version>/<arch>
#      (checked again on every use: a self-hosted runner's cache outlives
#      jobs) and extracts the binary into a folder of this job.
# A ref with no checksums.txt (a branch, a fork, a pull request), or a
# platform the release has no archive for, prints why and sets path to
# nothing: the action then builds from source with setup-go.
#
# Everything comes in through the environment (never through the script's
# text, so no input can inject shell):
#   STAGECREW_CHECKSUMS          checksums.txt at the action's ref (required)
#   STAGECREW_RELEASE_URL        where releases are downloaded from; default
#                                https://github.com/<repository>/releases/download
#                                (a mirror works the same: the bytes are pinned)
#   STAGECREW_ACTION_REPOSITORY  github.action_repository (default stagecrew/stagecrew)
#   RUNNER_OS, RUNNER_ARCH, RUNNER_TOOL_CACHE, RUNNER_TEMP, GITHUB_OUTPUT
# It writes the outputs path (the binary, or empty) and source (cache,
# release or build).
set -euo pipefail

fail() {
	echo "::error title=stagecrew::$*"
	exit 1
}

output() {
	if [[ -n "${GITHUB_OUTPUT:-}" ]]; then
		printf '%s=%s\n' "$1" "$2" >>"$GITHUB_OUTPUT"
	else
		printf '%s=%s\n' "$1" "$2"
	fi
}

fallback() {
	echo "::notice title=stagecrew::$* Building stagecrew from source with setup-go instead (a minute or more)."
	output path ""
	output source build
	exit 0
}

# unixpath turns a Windows path (Git Bash on Windows runners) into one tar
# and the other tools read; elsewhere it prints the path unchanged.
unixpath() {
	if command -v cygpath >/dev/null 2>&1; then
		cygpath -u "$1"
	else
		printf '%s\n' "$1"
	fi
}

sha256() {
	if command -v sha256sum >/dev/null 2>&1; then
		sha256sum "$1" | cut -d' ' -f1
	else
		shasum -a 256 "$1" | cut -d' ' -f1 # macOS
	fi
}

checksums="${STAGECREW_CHECKSUMS:?STAGECREW_CHECKSUMS is not set}"
if [[ ! -f "$checksums" ]]; then
	fallback "This ref of the action has no release (no checksums.txt at it: a branch, a fork or a pull request)."
fi

case "${RUNNER_OS:-}" in
Linux) os=linux ;;
macOS) os=darwin ;;
Windows) os=windows ;;
*) fallback "No release binary for runner OS '${RUNNER_OS:-}'." ;;
esac
case "${RUNNER_ARCH:-}" in
X64) arch=amd64 cachearch=x64 ;;
ARM64) arch=arm64 cachearch=arm64 ;;
*) fallback "No release binary for runner architecture '${RUNNER_ARCH:-}'." ;;
esac
exe=stagecrew
if [[ "$os" == windows ]]; then
	exe=stagecrew.exe
fi

# One line "<sha256>  stagecrew_<version>_<os>_<arch>.tar.gz" for this platform.
line_re="^([0-9a-f]{64})  (stagecrew_([0-9A-Za-z][0-9A-Za-z.+-]*)_${os}_${arch}\\.tar\\.gz)\$"
want="" asset="" version="" n=0
while IFS= read -r line || [[ -n "$line" ]]; do
	line="${line%$'\r'}"
	if [[ "$line" =~ $line_re ]]; then
		want="${BASH_REMATCH[1]}" asset="${BASH_REMATCH[2]}" version="${BASH_REMATCH[3]}"
		n=$((n + 1))
	fi
done <"$checksums"
if ((n == 0)); then
	fallback "The release pinned at this ref has no archive for ${os}/${arch}."
fi
if ((n > 1)); then
	fail "checksums.txt names ${n} archives for ${os}/${arch}; expected one. Refusing to guess."
fi

repo="${STAGECREW_ACTION_REPOSITORY:-}"
if [[ -z "$repo" ]]; then
	repo=stagecrew/stagecrew
fi
base="${STAGECREW_RELEASE_URL:-https://github.com/${repo}/releases/download}"
url="${base%/}/v${version}/${asset}"

tool_cache="$(unixpath "${RUNNER_TOOL_CACHE:-${RUNNER_TEMP:-/tmp}/tool-cache}")"
cache_dir="${tool_cache}/stagecrew/${version}/${cachearch}"
cached="${cache_dir}/${asset}"
temp="$(unixpath "${RUNNER_TEMP:-/tmp}")"
work="$(mktemp -d "${temp}/stagecrew.XXXXXX")"

source=""
if [[ -f "$cached" && -f "${cache_dir}.complete" ]]; then
	# Copied first, then hashed: the bytes checked are the bytes extracted,
	# whatever happens to the shared cache meanwhile.
	archive="${work}/${asset}"
	cp "$cached" "$archive"
	got="$(sha256 "$archive")"
	if [[ "$got" == "$want" ]]; then
		source=cache
	else
		echo "::warning title=stagecrew::The tool cache holds a different ${asset} (sha256 ${got}, pinned ${want}); downloading it again."
		rm -f "$cached" "${cache_dir}.complete"
	fi
fi

if [[ -z "$source" ]]; then
	download="${work}/${asset}"
	echo "stagecrew: downloading ${url}"
	if ! curl --fail --silent --show-error --location --retry 3 --retry-delay 1 \
		--connect-timeout 10 --max-time 120 --output "$download" "$url"; then
		fail "could not download ${url}; the release pinned at this ref (v${version}) must be reachable (set STAGECREW_RELEASE_URL to a mirror)"
	fi
	got="$(sha256 "$download")"
	if [[ "$got" != "$want" ]]; then
		rm -f "$download"
		fail "checksum mismatch for ${asset} from ${url}: got sha256 ${got}, the action's ref pins ${want}. The file was deleted and nothing was run."
	fi
	source=release
	archive="$download"
	# Keep the verified archive for later steps and jobs on this runner;
	# a cache that cannot be written only costs the next step a download.
	if mkdir -p "$cache_dir" 2>/dev/null && cp "$download" "${cached}.tmp" 2>/dev/null &&
		mv -f "${cached}.tmp" "$cached" 2>/dev/null; then
		: >"${cache_dir}.complete"
	else
		echo "::warning title=stagecrew::could not write the tool cache at ${cache_dir}"
	fi
fi

# Only the binary is taken out of the verified archive.
tar -xzf "$archive" -C "$work" "$exe"
chmod +x "${work}/${exe}"
echo "stagecrew: ${asset} sha256 ${want} verified (${source}); running ${work}/${exe}"
output path "${work}/${exe}"
output source "$source"
