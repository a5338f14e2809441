#!/usr/bin/env bash
# bench/drift.sh: how 'stagecrew drift' scales, against moto.
#
# Runs pkg/drift's BenchmarkScale (one scan per size, after a setup of
# minutes): ENTITIES entities (default 1000) in three environments, each in
# its own account and region (dev 111111111111 us-east-1, staging
# 222222222222 us-west-2, production 333333333333 eu-west-1); every entity has
# a state machine with a definition file and an ECS service in each; 5% name
# a service that does not exist, 2% have an extra state machine tagged for an
# entity the catalog lacks; every THROTTLE_EVERY-th AWS call (default 20)
# answers ThrottlingException through testenv's fault proxy. Each line reports
# wall time per scan (ns/op), AWS calls, throttling answers handled and
# retried, peak Go heap during the scan and the process's peak RSS.
#
# DEFINITIONS=0 leaves the definition files out (no DescribeStateMachine
# per state machine: the calls left are the listings and batches).
#
# usage: bench/drift.sh                 (env ENTITIES="100 1000" THROTTLE_EVERY=20 DEFINITIONS=1)
set -euo pipefail
cd "$(dirname "$0")/.."
ENTITIES=${ENTITIES:-1000}
THROTTLE_EVERY=${THROTTLE_EVERY:-20}
command -v moto_server >/dev/null || { echo "bench: moto_server is not on PATH" >&2; exit 1; }
for n in $ENTITIES; do
  echo "bench: $n entities x 3 environments, a throttle every $THROTTLE_EVERY calls" >&2
  DRIFT_ENTITIES=$n DRIFT_THROTTLE_EVERY=$THROTTLE_EVERY DRIFT_DEFINITIONS=${DEFINITIONS:-1} \
    go test ./pkg/drift -run '^$' -bench '^BenchmarkScale$' -benchtime 1x -timeout 60m -v 2>&1 |
    grep -E '^(Benchmark|ok|FAIL|---)|bench_test.go' || true
done
