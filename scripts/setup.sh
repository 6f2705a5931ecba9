#!/usr/bin/env bash
# Installs (from Debian's packages) and starts what IRISX needs, when missing:
# PostgreSQL, Redis and NATS with JetStream. Safe to run again: it only does what is missing.
# Sourced by run.sh and test.sh; can also be run on its own.
set -euo pipefail

log() { printf '\033[1;34m[setup]\033[0m %s\n' "$*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

APT_UPDATED=0
apt_install() {
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  if ! command -v apt-get >/dev/null; then
    log "missing packages ${missing[*]} and no apt-get: install them by hand"; return 1
  fi
  if [ "$APT_UPDATED" = 0 ]; then log "apt-get update"; as_root apt-get update -qq; APT_UPDATED=1; fi
  log "installing ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_port() {
  local port=$1 name=$2
  for _ in $(seq 1 100); do port_open "$port" && return 0; sleep 0.1; done
  log "$name did not start listening on 127.0.0.1:$port"; return 1
}

ensure_postgres() {
  apt_install postgresql postgresql-client
  if ! port_open 5432; then
    local version
    version=$(ls /etc/postgresql | sort -V | tail -n 1)
    log "starting PostgreSQL $version"
    as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start
    wait_port 5432 PostgreSQL
  fi
  # The default DATABASE_URL connects as postgres without a password over 127.0.0.1.
  if ! psql "postgres://postgres@127.0.0.1:5432/postgres" -Atqc 'SELECT 1' </dev/null >/dev/null 2>&1; then
    local hba
    hba=$(as_root su postgres -c "psql -Atqc 'SHOW hba_file'")
    log "allowing local TCP connections as postgres in $hba (development setup)"
    as_root sed -i '1i host all postgres 127.0.0.1/32 trust\nhost all postgres ::1/128 trust' "$hba"
    as_root su postgres -c "psql -Atqc 'SELECT pg_reload_conf()'" >/dev/null
    sleep 0.5
  fi
}

ensure_redis() {
  apt_install redis-server
  if ! port_open 6379; then
    log "starting Redis"
    as_root mkdir -p /var/lib/redis /var/log/redis
    as_root redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
      --dir /var/lib/redis --logfile /var/log/redis/irisx.log
    wait_port 6379 Redis
  fi
}

ensure_nats() {
  apt_install nats-server
  if ! port_open 4222; then
    log "starting NATS with JetStream"
    as_root mkdir -p /var/lib/nats-server
    as_root start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- \
      -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log
    wait_port 4222 NATS
  fi
}

# Real SIP peers and the speech engine the switch tests talk to, and the Event Socket clients
# written elsewhere (npm modesl, PyPI greenswitch) that must drive the switch unchanged.
ensure_test_peers() {
  apt_install sip-tester baresip-core espeak-ng openssl
  export IRISX_ESL_CLIENTS_DIR="${IRISX_ESL_CLIENTS_DIR:-/var/tmp/irisx-esl-clients}"
  mkdir -p "$IRISX_ESL_CLIENTS_DIR"
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then apt_install nodejs npm; fi
  if [ ! -f "$IRISX_ESL_CLIENTS_DIR/node_modules/modesl/package.json" ]; then
    log "installing modesl@1.2.1"
    (cd "$IRISX_ESL_CLIENTS_DIR" && npm install --no-audit --no-fund --silent modesl@1.2.1 >/dev/null)
  fi
  if ! command -v python3 >/dev/null; then apt_install python3 python3-pip; fi
  if ! python3 -m pip --version >/dev/null 2>&1; then apt_install python3-pip; fi
  if [ ! -d "$IRISX_ESL_CLIENTS_DIR/py/greenswitch" ]; then
    log "installing greenswitch==0.0.19"
    python3 -m pip install -q --target "$IRISX_ESL_CLIENTS_DIR/py" greenswitch==0.0.19 2>/dev/null \
      || python3 -m pip install -q --break-system-packages --target "$IRISX_ESL_CLIENTS_DIR/py" greenswitch==0.0.19
  fi
}

ensure_services() {
  ensure_postgres
  ensure_redis
  ensure_nats
  # The embedded switch speaks with espeak-ng.
  apt_install espeak-ng
  log "PostgreSQL, Redis and NATS are up"
}

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/irisx-target}"

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  ensure_services
fi
