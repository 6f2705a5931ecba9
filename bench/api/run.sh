#!/usr/bin/env bash
# Auth API throughput and latency on this machine, with wrk:
#   GET /v1/auth/me with an API key, GET /v1/auth/me with an access token, POST /v1/auth/login.
# Usage: bench/api/run.sh [seconds per run, default 20] [connections, default 64]
# Starts its own `irisx up` (release build) on 127.0.0.1:3901 against a fresh database.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/setup.sh
ensure_services
apt_install wrk curl
DURATION=${1:-20}
CONNS=${2:-64}
PORT=3901
DB=irisx_bench_api
export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$DB"
psql "postgres://postgres@127.0.0.1:5432/postgres" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" </dev/null
cargo build --release --locked -p irisx 2>&1 | tail -n 1
DATA=$(mktemp -d)
# The per-principal and per-address limits are raised so the benchmark measures the service, not the limiter's
# refusals (the limiter still runs on every request).
IRISX_RATE_LIMIT_PER_MIN=100000000 IRISX_LOGIN_LIMIT_PER_MIN=100000000 IRISX_HTTP_ADDR=127.0.0.1:$PORT IRISX_DATA_DIR=$DATA \
  IRISX_REDIS_PREFIX=irisx-bench RUST_LOG=warn "$CARGO_TARGET_DIR/release/irisx" up &
PID=$!
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null; rm -rf "$DATA"' EXIT
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.1; done
redis-cli --scan --pattern 'irisx-bench:*' | xargs -r redis-cli del >/dev/null

export BENCH_EMAIL="bench-$RANDOM@example.com" BENCH_PASSWORD="benchmark password 1"
REG=$(curl -sf -X POST "http://127.0.0.1:$PORT/v1/auth/register" -H 'content-type: application/json' \
  -d "{\"email\":\"$BENCH_EMAIL\",\"password\":\"$BENCH_PASSWORD\",\"name\":\"Bench\",\"company\":\"Bench\"}")
ACCESS=$(printf '%s' "$REG" | python3 -c 'import sys,json; print(json.load(sys.stdin)["tokens"]["access_token"])')
KEY=$(curl -sf -X POST "http://127.0.0.1:$PORT/v1/api-keys" -H "authorization: Bearer $ACCESS" \
  -H 'content-type: application/json' -d '{"name":"bench"}' | python3 -c 'import sys,json; print(json.load(sys.stdin)["key"])')

echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "== GET /v1/auth/me with an API key ($CONNS connections, ${DURATION}s)"
wrk -t2 -c"$CONNS" -d"${DURATION}s" --latency -H "Authorization: Bearer $KEY" "http://127.0.0.1:$PORT/v1/auth/me"
echo "== GET /v1/auth/me with an access token ($CONNS connections, ${DURATION}s)"
wrk -t2 -c"$CONNS" -d"${DURATION}s" --latency -H "Authorization: Bearer $ACCESS" "http://127.0.0.1:$PORT/v1/auth/me"
echo "== POST /v1/auth/login (argon2id m=19MiB t=2; 16 connections, ${DURATION}s)"
wrk -t2 -c16 -d"${DURATION}s" --latency -s bench/api/login.lua "http://127.0.0.1:$PORT/v1/auth/login"
