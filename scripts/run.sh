#!/usr/bin/env bash
# Sets up PostgreSQL, Redis and NATS (JetStream) when missing, builds IRISX and runs the whole
# platform with `irisx up`. Configuration: see the environment variables in README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
ensure_services
log "building irisx (release)"
cargo build --release --locked -p irisx
exec "$CARGO_TARGET_DIR/release/irisx" up "$@"
