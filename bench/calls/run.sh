#!/usr/bin/env bash
# Call pipeline benchmark: `irisx up` (release) on a fresh database and JetStream namespace,
# driven by crates/irisx/examples/bench_calls.rs: dial latency (202 → INVITE at a fake
# carrier) at 20 calls/s, then POST /v1/calls throughput with concurrent clients.
#
# Usage: bench/calls/run.sh [latency calls, 200] [throughput seconds, 20] [clients, 32]
#        API_ONLY=1 bench/calls/run.sh 0 20 32   # the accept path alone: `irisx api`, no workers
#                                               # (requests pile up in CALLS, nobody dials)
#        WRK=1 [API_ONLY=1] bench/calls/run.sh 0 20 16   # accept throughput measured with wrk
#                                               # (one thread; lighter than the Rust client)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/var/tmp/irisx-target}
cargo build --release -p irisx --bin irisx --example bench_calls 2>&1 | tail -n 1
BIN="$CARGO_TARGET_DIR/release"
NAME="irisx_bench_calls_$$"
DIR=$(mktemp -d)
export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$NAME"
export IRISX_HTTP_ADDR=127.0.0.1:3900 IRISX_SIP_ADDR=127.0.0.1:5960 IRISX_ESL_ADDR=127.0.0.1:8921
export IRISX_RTP_PORTS=40000-41000 IRISX_DATA_DIR="$DIR" IRISX_BUS_NAMESPACE="$NAME" IRISX_REDIS_PREFIX="$NAME"
export IRISX_TENANT_MAX_CALLS=1000000 IRISX_TENANT_CPS=1000000 IRISX_RATE_LIMIT_PER_MIN=100000000
export RUST_LOG=warn
if [ "${API_ONLY:-0}" = 1 ]; then
  export IRISX_JWT_SECRET=bench-secret-bench-secret-bench-secret-0123
  "$BIN/irisx" migrate >"$DIR/migrate.log" 2>&1
  "$BIN/irisx" api >"$DIR/up.log" 2>&1 &
else
  "$BIN/irisx" up >"$DIR/up.log" 2>&1 &
fi
UP=$!
cleanup() {
  kill "$UP" 2>/dev/null || true
  wait "$UP" 2>/dev/null || true
  psql "postgres://postgres@127.0.0.1:5432/postgres" -qc "DROP DATABASE IF EXISTS \"$NAME\" WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$DIR"
  python3 scripts/purge_test_streams.py 127.0.0.1:4222 "${NAME^^}_" >/dev/null || true
}
trap cleanup EXIT
for _ in $(seq 1 100); do curl -sf "http://$IRISX_HTTP_ADDR/readyz" >/dev/null && break; sleep 0.2; done
echo "== $(date -u +%F) machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
if [ "${WRK:-0}" = 1 ]; then
  source scripts/setup.sh
  apt_install wrk
  BASE="http://$IRISX_HTTP_ADDR"
  REG=$(curl -sf -X POST "$BASE/v1/auth/register" -H 'content-type: application/json' \
    -d '{"email":"bench@example.com","password":"benchmark password 1","name":"Bench","company":"Bench"}')
  ACCESS=$(printf '%s' "$REG" | python3 -c 'import sys,json; print(json.load(sys.stdin)["tokens"]["access_token"])')
  KEY=$(curl -sf -X POST "$BASE/v1/api-keys" -H "authorization: Bearer $ACCESS" \
    -H 'content-type: application/json' -d '{"name":"bench"}' | python3 -c 'import sys,json; print(json.load(sys.stdin)["key"])')
  echo "== POST /v1/calls with wrk (1 thread, ${3:-32} connections, ${2:-20} s)"
  wrk -t1 -c"${3:-32}" -d"${2:-20}s" --latency -s bench/calls/post_call.lua \
    -H "Authorization: Bearer $KEY" "$BASE/v1/calls"
else
  "$BIN/examples/bench_calls" "http://$IRISX_HTTP_ADDR" "${1:-200}" "${2:-20}" "${3:-32}"
fi
N=$(psql "$DATABASE_URL" -Atc "SELECT count(*) FROM calls")
echo "calls rows: $N"
