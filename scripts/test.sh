#!/usr/bin/env bash
# Sets up everything the tests talk to (PostgreSQL, Redis, NATS with JetStream), then runs every
# test of the workspace. Extra arguments go to `cargo test` (e.g. `scripts/test.sh -p irisx-api`).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
ensure_services
ensure_test_peers

# Databases left behind by interrupted test runs.
stale=$(psql "postgres://postgres@127.0.0.1:5432/postgres" -Atqc \
  "SELECT datname FROM pg_database WHERE datname LIKE 'irisx_t\_%'" </dev/null || true)
for db in $stale; do
  psql "postgres://postgres@127.0.0.1:5432/postgres" -qc "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" </dev/null >/dev/null 2>&1 || true
done

# JetStream streams left behind by earlier runs (each test namespaces its own).
python3 scripts/purge_test_streams.py >/dev/null || true

log "running the tests (target dir $CARGO_TARGET_DIR)"
status=0
cargo test --workspace --locked "$@" || status=$?
python3 scripts/purge_test_streams.py >/dev/null || true
exit $status
