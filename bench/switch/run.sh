#!/usr/bin/env bash
# Embedded switch benchmark, driven by sipp, controlled over ESL like production:
#   A. sustained calls per second with playback (default 100 cps for 60 s, 2 s calls)
#   B. concurrent calls with media both ways (default 1000 calls; the switch plays audio,
#      sipp echoes RTP back), with the switch's own RTP counters and send-tick lateness.
# Usage: bench/switch/run.sh [cps] [cps seconds] [concurrent calls] [hold seconds]
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/setup.sh
apt_install sip-tester espeak-ng
CPS=${1:-100}
CPS_SECS=${2:-60}
CONC=${3:-1000}
HOLD=${4:-30}
SIP=127.0.0.1:25060
ESL=28021
cargo build --release --locked -p irisx 2>&1 | tail -n 1
cargo build --release --locked -p irisx-switch --example bench_controller 2>&1 | tail -n 1
WORK=$(mktemp -d)
mkdir -p "$WORK/data/sounds"
espeak-ng -w "$WORK/data/sounds/prompt.wav" "Thank you for calling. Please hold while we connect your call. Your call is important to us." 2>/dev/null
ulimit -n 65536 2>/dev/null || true
IRISX_DATA_DIR=$WORK/data IRISX_SIP_ADDR=$SIP IRISX_ESL_ADDR=127.0.0.1:$ESL IRISX_RTP_PORTS=16384-32766 RUST_LOG=warn \
  "$CARGO_TARGET_DIR/release/irisx" switch &
SWITCH=$!
trap 'kill $SWITCH $CTRL 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"' EXIT
sleep 1
"$CARGO_TARGET_DIR/release/examples/bench_controller" $ESL "prompt.wav" &
CTRL=$!
sleep 0.5

esl_api() { # one ESL api command, printing the response body
  python3 - "$ESL" "$1" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
f = s.makefile("rb")
def read():
    h = {}
    while True:
        line = f.readline().decode().rstrip("\n")
        if not line: break
        k, v = line.split(": ", 1); h[k] = v
    n = int(h.get("Content-Length", 0))
    return h, f.read(n).decode() if n else ""
read(); s.sendall(b"auth ClueCon\n\n"); read()
s.sendall(("api %s\n\n" % sys.argv[2]).encode()); print(read()[1])
PY
}

cpu_ticks() { awk '{print $14+$15}' /proc/$SWITCH/stat; }
rss_kb() { awk '/VmRSS/{print $2}' /proc/$SWITCH/status; }
hz=$(getconf CLK_TCK)

echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "== A. $CPS calls/s with playback for ${CPS_SECS}s (2 s calls)"
t0=$(cpu_ticks); s0=$(date +%s.%N)
sipp -sn uac "$SIP" -i 127.0.0.1 -p 25071 -r "$CPS" -m $((CPS * CPS_SECS)) -d 2000 -l $((CPS * 10)) \
  -timeout $((CPS_SECS + 60)) -trace_stat -stf "$WORK/cps.csv" -nostdin >/dev/null 2>&1 || true
t1=$(cpu_ticks); s1=$(date +%s.%N)
ok=$(python3 - "$WORK/cps.csv" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1]), delimiter=';'))
h, last = rows[0], rows[-1]
print(last[h.index("SuccessfulCall(C)")], last[h.index("FailedCall(C)")])
PY
)
echo "successful/failed calls: $ok"
python3 -c "print('switch CPU: %.1f%% of one core over the run; RSS now %s kB' % (100*($t1-$t0)/$hz/($s1-$s0), '$(rss_kb)'))"

echo "== B. $CONC concurrent calls with media, held ${HOLD}s"
rate=$((CONC / 10)); [ "$rate" -lt 1 ] && rate=1
rss0=$(rss_kb)
sipp -sn uac "$SIP" -i 127.0.0.1 -p 25072 -mp 26000 -rtp_echo -r "$rate" -m "$CONC" -l "$CONC" -d $((HOLD * 1000)) \
  -timeout $((HOLD + 60)) -trace_stat -stf "$WORK/conc.csv" -nostdin >/dev/null 2>&1 &
SIPPB=$!
sleep 12
esl_api "media_stats reset" >/dev/null
before=$(esl_api media_stats); t0=$(cpu_ticks); s0=$(date +%s.%N)
sleep $((HOLD - 16))
after=$(esl_api media_stats); t1=$(cpu_ticks); s1=$(date +%s.%N)
rss1=$(rss_kb)
python3 - "$before" "$after" "$CONC" "$rss0" "$rss1" "$t0" "$t1" "$s0" "$s1" "$hz" <<'PY'
import json, sys
b, a = json.loads(sys.argv[1]), json.loads(sys.argv[2])
conc, rss0, rss1 = int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
t0, t1, s0, s1, hz = int(sys.argv[6]), int(sys.argv[7]), float(sys.argv[8]), float(sys.argv[9]), int(sys.argv[10])
secs = s1 - s0
sent = a["packets_sent"] - b["packets_sent"]; recv = a["packets_received"] - b["packets_received"]
print("calls up: %d channels, %d RTP sessions" % (a["channels"], a["sessions"]))
print("over %.1fs: sent %d packets (%.0f/s, expected %d/s), received %d echoed (%.2f%% of sent)" % (secs, sent, sent/secs, a["sessions"]*50, recv, 100.0*recv/max(sent,1)))
print("send-tick lateness ms: p50 %.1f, p99 %.1f, max %.1f over %d ticks" % (a["send_lateness_ms"]["p50"], a["send_lateness_ms"]["p99"], a["send_lateness_ms"]["max"], a["send_ticks"]))
print("switch CPU: %.1f%% of one core (%.3f%% per call); RSS %d kB -> %d kB (%.1f kB per call)" % (100*(t1-t0)/hz/secs, 100*(t1-t0)/hz/secs/max(conc,1), rss0, rss1, (rss1-rss0)/max(conc,1)))
PY
wait $SIPPB || true
python3 - "$WORK/conc.csv" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1]), delimiter=';'))
h, last = rows[0], rows[-1]
print("concurrency run: successful %s, failed %s" % (last[h.index("SuccessfulCall(C)")], last[h.index("FailedCall(C)")]))
PY
