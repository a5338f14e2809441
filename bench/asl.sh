#!/usr/bin/env bash
# bench/asl.sh: how long 'stagecrew asl validate' takes on realistic Step
# Functions definitions, side by side with the npm asl-validator (4.0.0, the
# reference validator) under node.
#
# One run: builds stagecrew, writes N definitions (internal/aslcorpus via
# bench/aslgen: JSONPath, JSONata and distributed-Map machines, 10% invalid),
# installs test/npm, then
#   (a) stagecrew asl validate DIR, the whole process, RUNS times;
#   (b) node test/npm/asl-validate.js --bench 1 DIR: asl-validator over every
#       definition once after a warm-up pass (JSON.parse + validator, files read
#       beforehand), and node test/npm/asl-validate.js DIR/*.json, the whole
#       process (read, parse, validate, print), once;
#   (c) prints a Markdown table (medians) with per-definition times and the
#       ratios, then the Go benchmarks of pkg/asl.
# Wall time, CPU time and peak RSS come from /usr/bin/time when it exists.
# CPU time is the fairer figure on a busy machine: wall time counts the time
# other processes hold the CPU.
#
# usage: bench/asl.sh            (from anywhere; env N=1000 RUNS=5)
# Exits non-zero if a step fails or stagecrew does not find N definitions
# with N/10 invalid.
set -euo pipefail

cd "$(dirname "$0")/.."
N=${N:-1000}
RUNS=${RUNS:-5}
INVALID=$((N / 10))

say() { printf 'bench: %s\n' "$*" >&2; }
die() { say "ERROR: $*"; exit 1; }

for tool in go node awk sort; do
  command -v "$tool" >/dev/null 2>&1 || die "'$tool' is not on PATH"
done
have_time=0
[ -x /usr/bin/time ] && have_time=1
[ "$have_time" = 1 ] || say "/usr/bin/time not found (apt-get install time): wall and CPU from bash's time, peak RSS not measured"

work=$(mktemp -d "${TMPDIR:-/tmp}/stagecrew-aslbench.XXXXXX")
trap 'rm -rf "$work"' EXIT

load_before=$(uptime)
say "load: $load_before ($(nproc) CPUs)"
say "building stagecrew"
go build -o "$work/stagecrew" ./cmd/stagecrew
say "writing $N definitions"
go run ./bench/aslgen -dir "$work/defs" -n "$N" >&2
say "installing test/npm"
bash scripts/npm-install.sh test/npm

# measure NAME OKCODE CMD...: runs CMD RUNS times, stdout to $work/NAME.out
# (the last run's), "wall_ms cpu_ms rss_kb" lines to $work/NAME.runs.
measure() {
  local name=$1 ok=$2 i code
  shift 2
  : >"$work/$name.runs"
  for ((i = 1; i <= RUNS; i++)); do
    code=0
    if [ "$have_time" = 1 ]; then
      /usr/bin/time -f '%e %U %S %M' -o "$work/$name.time" "$@" >"$work/$name.out" 2>"$work/$name.err" || code=$?
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

median() {
  awk -v c="$2" '{ print $c }' "$1" | sort -n | awk '
    { v[NR] = $1 }
    END { if (v[1] == "-") print "-"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
jsonfield() { node -e 'process.stdout.write(String(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))[process.argv[2]]))' "$1" "$2"; }

say "(a) stagecrew asl validate DIR, $RUNS runs"
measure stagecrew 1 "$work/stagecrew" asl validate "$work/defs"
summary=$(tail -n 1 "$work/stagecrew.out")
want="$N definitions: $((N - INVALID)) valid, $INVALID invalid"
case $summary in *"$want"*) ;; *) die "stagecrew: last line \"$summary\", want it to hold \"$want\"" ;; esac

say "(b) node asl-validate.js --bench 1 DIR (asl-validator, warm)"
RUNS=1 measure nodebench 0 node test/npm/asl-validate.js --bench 1 "$work/defs"
say "    $(cat "$work/nodebench.out")"
say "(b) node asl-validate.js DIR/*.json, whole process, once"
RUNS=1 measure nodewhole 0 node test/npm/asl-validate.js "$work"/defs/*.json
node_invalid=$(grep -c '"valid":false' "$work/nodewhole.out" || true)
load_after=$(uptime)

sc_wall=$(median "$work/stagecrew.runs" 1)
sc_cpu=$(median "$work/stagecrew.runs" 2)
sc_rss=$(median "$work/stagecrew.runs" 3)
nb_us=$(jsonfield "$work/nodebench.out" perDefinitionUs)
nb_ms=$(jsonfield "$work/nodebench.out" ms)
nb_cpu=$(median "$work/nodebench.runs" 2)
nw_wall=$(median "$work/nodewhole.runs" 1)
nw_cpu=$(median "$work/nodewhole.runs" 2)
nw_rss=$(median "$work/nodewhole.runs" 3)

mib() { if [ "$1" = - ]; then echo "n/a"; else awk -v k="$1" 'BEGIN { printf "%.0f", k / 1024 }'; fi; }
us() { awk -v ms="$1" -v n="$N" 'BEGIN { printf "%.1f", ms * 1000 / n }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "n/a"; else printf "%.0f×", a / b }'; }

cat <<TABLE

## stagecrew asl validate vs asl-validator 4.0.0 (node $(node --version)), $N definitions

Machine: $(nproc) CPUs, $(uname -m). Load before: ${load_before#*load average: }; after: ${load_after#*load average: }.
Process rows: median of $RUNS runs (each column on its own)$([ "$have_time" = 1 ] && echo ", from /usr/bin/time" || echo ", from bash time; RSS not measured").
Definitions: $(du -sk "$work/defs" | cut -f1) KiB on disk; $INVALID invalid by construction.

| tool | what is measured | wall ms | per-definition µs (wall) | CPU ms (user+sys) | per-definition µs (CPU) | peak RSS MiB |
|---|---|---:|---:|---:|---:|---:|
| stagecrew | whole process: \`stagecrew asl validate DIR\` (find, read, parse, validate, report) | $sc_wall | $(us "$sc_wall") | $sc_cpu | $(us "$sc_cpu") | $(mib "$sc_rss") |
| asl-validator | validation only: JSON.parse + validator(), warm, one pass (asl-validate.js --bench) | $(printf '%.0f' "$nb_ms") | $(printf '%.1f' "$nb_us") | – | – | – |
| asl-validator | whole process: \`node asl-validate.js DIR/*.json\` | $nw_wall | $(us "$nw_wall") | $nw_cpu | $(us "$nw_cpu") | $(mib "$nw_rss") |

Ratios:
- asl-validator validation only (wall) / stagecrew whole process (wall): $(ratio "$nb_ms" "$sc_wall")
- asl-validator whole process / stagecrew whole process, wall: $(ratio "$nw_wall" "$sc_wall"); CPU: $(ratio "$nw_cpu" "$sc_cpu")

Verdicts: stagecrew: $summary. asl-validator: $node_invalid of $N invalid (the definitions it rejects beyond the $INVALID broken ones are listed by its errors in $work/nodewhole.out, removed at exit).

TABLE

say "go test -bench ./pkg/asl"
echo '```'
go test -run '^$' -bench . -benchmem ./pkg/asl -count 1
echo '```'
