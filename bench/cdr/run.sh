#!/usr/bin/env bash
# CDR worker benchmark: a burst of hangups in JetStream, written to PostgreSQL by one worker
# (release build) — see crates/workers/examples/bench_cdr.rs.
#
# Usage: bench/cdr/run.sh [legs, 100000] [batch size, 1000]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/var/tmp/irisx-target}
export RUST_LOG=${RUST_LOG:-warn}
cargo build --release -p irisx-workers --example bench_cdr 2>&1 | tail -n 1
echo "== $(date -u +%F) machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
"$CARGO_TARGET_DIR/release/examples/bench_cdr" "${1:-100000}" "${2:-1000}"
