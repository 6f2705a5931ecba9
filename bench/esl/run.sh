#!/usr/bin/env bash
# ESL decode throughput on one core, over the shared reference streams, side by side in one
# run: this crate (in memory and through its client over loopback), the crates.io
# freeswitch-esl-tokio client (same bytes, same loopback), and the npm modesl parser.
#
# Usage: bench/esl/run.sh [calls, default 20000]   (5 events per call)
# Needs: cargo, python3, node + npm (modesl@1.2.1 is installed into bench/esl/node_modules).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
SHARED="${SHARED_BENCH:-$ROOT/../shared/bench}"
N=${1:-20000}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/var/tmp/irisx-target-esl}
WORK="$CARGO_TARGET_DIR/esl-bench"
mkdir -p "$WORK"

# The generator writes events-plain.bin / events-json.bin into the current directory.
(cd "$WORK" && python3 "$SHARED/esl_events_gen.py" plain "$N" && python3 "$SHARED/esl_events_gen.py" json "$N")
if [ ! -f "$HERE/node_modules/modesl/package.json" ]; then
  (cd "$HERE" && npm install --no-audit --no-fund --no-save --silent modesl@1.2.1 >/dev/null)
fi
(cd "$ROOT" && cargo build --release -p esl --example decode_bench 2>&1 | tail -n 1)
BIN="$CARGO_TARGET_DIR/release/examples/decode_bench"

echo "== $(date -u +%F) machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); each decoder pinned to one core (taskset -c 0)"
for kind in plain json; do
  f="$WORK/events-$kind.bin"
  echo "-- events-$kind.bin ($(du -h "$f" | cut -f1))"
  taskset -c 0 "$BIN" "$f"
  NODE_PATH="$HERE/node_modules" taskset -c 0 node "$SHARED/bench_modesl.js" "$f"
done
