#!/usr/bin/env bash
# bench/validate.sh: how long 'stagecrew validate' takes on a realistic
# catalog, side by side with Backstage's own validator under node.
#
# One run: builds stagecrew, writes 10,000 entities (internal/corpus.Large,
# 5% invalid) as 100 files plus one combined file, installs test/npm, then
#   (a) stagecrew validate DIR, the whole process, RUNS times;
#   (b) node test/npm/catalog-bench.js combined.yaml (Backstage's policies and
#       kind validators only, warm, ITERATIONS passes), and
#       node bench/node-validate.js DIR, the whole process reading, parsing and
#       validating the same 100 files once, RUNS times;
#   (c) prints a Markdown table (medians), then runs the Go benchmarks of
#       pkg/catalog and internal/cli and prints their output.
# Wall time, CPU time and peak RSS come from /usr/bin/time; without it, wall
# and CPU come from bash's time and RSS is not measured (the table says so).
# Medians are taken for each column on its own.
#
# usage: bench/validate.sh            (from anywhere; env RUNS=5 ITERATIONS=20)
# Exits non-zero if any step fails or a validator does not see the expected
# 10,000 entities with 500 invalid.
set -euo pipefail

cd "$(dirname "$0")/.."
RUNS=${RUNS:-5}
ITERATIONS=${ITERATIONS:-20}
ENTITIES=10000
FILES=100
INVALID=$((ENTITIES / 20))

say() { printf 'bench: %s\n' "$*" >&2; }
die() { say "ERROR: $*"; exit 1; }

for tool in go node awk sort; do
  command -v "$tool" >/dev/null 2>&1 || die "'$tool' is not on PATH"
done
if [ -x /usr/bin/time ]; then
  have_time=1
else
  have_time=0
  say "/usr/bin/time not found (apt-get install time): wall and CPU from bash's time, peak RSS not measured"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/stagecrew-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

load_before=$(uptime)
say "load: $load_before ($(nproc) CPUs)"

say "building stagecrew"
go build -o "$work/stagecrew" ./cmd/stagecrew
say "writing $ENTITIES entities as $FILES files"
go run ./bench/gen -dir "$work/catalog" -combined "$work/combined.yaml" -n "$ENTITIES" -files "$FILES"
say "installing test/npm"
bash scripts/npm-install.sh test/npm

# measure NAME OKCODE CMD...: runs CMD RUNS times with stdout to
# $work/NAME.out (the last run's), appending "wall_ms cpu_ms rss_kb" lines to
# $work/NAME.runs. A run that exits other than OKCODE fails the script.
measure() {
  local name=$1 ok=$2 i code
  shift 2
  : >"$work/$name.runs"
  for ((i = 1; i <= RUNS; i++)); do
    code=0
    if [ "$have_time" = 1 ]; then
      /usr/bin/time -f '%e %U %S %M' -o "$work/$name.time" "$@" >"$work/$name.out" 2>"$work/$name.err" || code=$?
      # /usr/bin/time adds "Command exited with non-zero status N" first.
      tail -n 1 "$work/$name.time" | awk '{ printf "%d %d %d\n", $1 * 1000, ($2 + $3) * 1000, $4 }' >>"$work/$name.runs"
    else
      local TIMEFORMAT='%3R %3U %3S'
      { time "$@" >"$work/$name.out" 2>"$work/$name.err"; } 2>"$work/$name.time" || code=$?
      tail -n 1 "$work/$name.time" | awk '{ printf "%d %d -\n", $1 * 1000, ($2 + $3) * 1000 }' >>"$work/$name.runs"
    fi
    if [ "$code" != "$ok" ]; then
      cat "$work/$name.err" >&2
      die "$name: $* exited $code, want $ok"
    fi
  done
}

# median FILE COLUMN: the median of a column of numbers ("-" if not measured).
median() {
  awk -v c="$2" '{ print $c }' "$1" | sort -n | awk '
    { v[NR] = $1 }
    END { if (v[1] == "-") print "-"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# jsonfield FILE KEY: a field of the one-line JSON object in FILE.
jsonfield() { node -e 'process.stdout.write(String(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))[process.argv[2]]))' "$1" "$2"; }

say "(a) stagecrew validate DIR, $RUNS runs"
measure stagecrew 1 "$work/stagecrew" validate "$work/catalog"
summary=$(tail -n 1 "$work/stagecrew.out")
want="$ENTITIES entities in $FILES files: $((ENTITIES - INVALID)) valid, $INVALID invalid"
case $summary in *"$want"*) ;; *) die "stagecrew: last line \"$summary\", want it to hold \"$want\"" ;; esac

say "(b) node catalog-bench.js combined.yaml, $ITERATIONS passes, validation only"
RUNS=1 measure catalogbench 0 node test/npm/catalog-bench.js "$work/combined.yaml" "$ITERATIONS"
say "    $(cat "$work/catalogbench.out")"
[ "$(jsonfield "$work/catalogbench.out" entities)" = "$ENTITIES" ] || die "catalog-bench: not $ENTITIES entities"
[ "$(jsonfield "$work/catalogbench.out" invalid)" = "$INVALID" ] || die "catalog-bench: not $INVALID invalid"

say "(b) node bench/node-validate.js DIR, $RUNS runs, whole process"
measure nodewhole 0 node bench/node-validate.js "$work/catalog"
say "    $(cat "$work/nodewhole.out")"
[ "$(jsonfield "$work/nodewhole.out" entities)" = "$ENTITIES" ] || die "node-validate: not $ENTITIES entities"
[ "$(jsonfield "$work/nodewhole.out" invalid)" = "$INVALID" ] || die "node-validate: not $INVALID invalid"
load_after=$(uptime)

sc_wall=$(median "$work/stagecrew.runs" 1)
sc_cpu=$(median "$work/stagecrew.runs" 2)
sc_rss=$(median "$work/stagecrew.runs" 3)
nw_wall=$(median "$work/nodewhole.runs" 1)
nw_cpu=$(median "$work/nodewhole.runs" 2)
nw_rss=$(median "$work/nodewhole.runs" 3)
cb_rss=$(median "$work/catalogbench.runs" 3)
cb_wall=$(median "$work/catalogbench.runs" 1)
cb_pass_ms=$(awk -v ms="$(jsonfield "$work/catalogbench.out" ms)" -v n="$ITERATIONS" 'BEGIN { printf "%.0f", ms / n }')
cb_us=$(jsonfield "$work/catalogbench.out" perEntityUs)
cb_parse=$(jsonfield "$work/catalogbench.out" parseMs)

mib() { if [ "$1" = - ]; then echo "n/a"; else awk -v k="$1" 'BEGIN { printf "%.0f", k / 1024 }'; fi; }
us() { awk -v ms="$1" -v n="$ENTITIES" 'BEGIN { printf "%.1f", ms * 1000 / n }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f×", a / b }'; }

cat <<TABLE

## stagecrew validate vs Backstage (node $(node --version)), $ENTITIES entities, $FILES files

Machine: $(nproc) CPUs, $(uname -m). Load before: ${load_before#*load average: }; after: ${load_after#*load average: }.
Process rows: median of $RUNS runs (each column on its own)$([ "$have_time" = 1 ] && echo ", from /usr/bin/time" || echo ", from bash time; /usr/bin/time missing, RSS not measured").

| tool | what is measured | wall ms | per-entity µs | CPU ms (user+sys) | peak RSS MiB |
|---|---|---:|---:|---:|---:|
| stagecrew | whole process: \`stagecrew validate DIR\` (read, decode, validate, annotations, cross-entity refs, report) | $sc_wall | $(us "$sc_wall") | $sc_cpu | $(mib "$sc_rss") |
| Backstage (node) | validation only: policies + kind validators, warm, one pass (mean of $ITERATIONS; catalog-bench.js) | $cb_pass_ms | $cb_us | – | $(mib "$cb_rss") (whole catalog-bench process) |
| Backstage (node) | parse only: \`yaml\` parseAllDocuments of combined.yaml, once, in catalog-bench.js | $(printf '%.0f' "$cb_parse") | $(us "$cb_parse") | – | – |
| Backstage (node) | whole process: \`node bench/node-validate.js DIR\` (read, parse, validate once; no annotations or refs) | $nw_wall | $(us "$nw_wall") | $nw_cpu | $(mib "$nw_rss") |

Ratios (wall):
- node validation only / stagecrew whole process: $(ratio "$cb_pass_ms" "$sc_wall")
- node whole process / stagecrew whole process: $(ratio "$nw_wall" "$sc_wall")
$([ "$have_time" = 1 ] && echo "- node whole process / stagecrew whole process, CPU time (less sensitive to other load; stagecrew uses every core, node one): $(ratio "$nw_cpu" "$sc_cpu")")

The catalog-bench.js process took $cb_wall ms in all (parse, warm-up pass, $ITERATIONS timed passes).
stagecrew: $summary
node: $(cat "$work/nodewhole.out")

TABLE

say "go test -bench"
echo '```'
go test -run '^$' -bench . -benchmem ./pkg/catalog ./internal/cli -count 1
echo '```'
