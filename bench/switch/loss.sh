#!/usr/bin/env bash
# RTP loss between two embedded switches, each counting what it sends and what it accepts:
# switch A originates N calls to switch B (100 per second); B answers them over ESL and plays
# a prompt; both then send 50 packets/s per call (prompt, then silence). After all calls are
# up, both counters are read at the start and end of a window and compared:
#   loss A→B = 1 - (B received) / (A sent), loss B→A likewise.
# Usage: bench/switch/loss.sh [calls, default 1000] [window seconds, default 15]
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/setup.sh
apt_install espeak-ng
N=${1:-1000}
WINDOW=${2:-15}
cargo build --release --locked -p irisx 2>&1 | tail -n 1
cargo build --release --locked -p irisx-switch --example bench_controller 2>&1 | tail -n 1
WORK=$(mktemp -d)
mkdir -p "$WORK/a/sounds" "$WORK/b/sounds"
espeak-ng -w "$WORK/b/sounds/prompt.wav" "Thank you for calling. Please hold while we connect your call." 2>/dev/null
IRISX_DATA_DIR=$WORK/a IRISX_SIP_ADDR=127.0.0.1:25061 IRISX_ESL_ADDR=127.0.0.1:28031 IRISX_RTP_PORTS=16384-24574 RUST_LOG=error \
  "$CARGO_TARGET_DIR/release/irisx" switch &
A=$!
IRISX_DATA_DIR=$WORK/b IRISX_SIP_ADDR=127.0.0.1:25062 IRISX_ESL_ADDR=127.0.0.1:28032 IRISX_RTP_PORTS=24576-32766 RUST_LOG=error \
  "$CARGO_TARGET_DIR/release/irisx" switch &
B=$!
trap 'kill $A $B $CTRL 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"' EXIT
sleep 1
"$CARGO_TARGET_DIR/release/examples/bench_controller" 28032 "prompt.wav" &
CTRL=$!
sleep 0.5
python3 - "$N" "$WINDOW" <<'PY'
import json, socket, sys, time
n, window = int(sys.argv[1]), int(sys.argv[2])
class Esl:
    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port)); self.f = self.s.makefile("rb")
        self.read(); self.cmd("auth ClueCon")
    def read(self):
        h = {}
        while True:
            line = self.f.readline().decode().rstrip("\n")
            if not line: break
            k, v = line.split(": ", 1); h[k] = v
        length = int(h.get("Content-Length", 0))
        return h, (self.f.read(length).decode() if length else "")
    def cmd(self, c):
        self.s.sendall((c + "\n\n").encode()); return self.read()
    def api(self, c):
        return self.cmd("api " + c)[1]
a, b = Esl(28031), Esl(28032)
t0 = time.time()
for i in range(n):
    a.cmd("bgapi originate {origination_caller_id_number=1%04d}sofia/external/7000@127.0.0.1:25062 &park()" % i)
    time.sleep(max(0, t0 + (i + 1) / 100 - time.time()))
deadline = time.time() + 60
while time.time() < deadline:
    sa, sb = json.loads(a.api("media_stats")), json.loads(b.api("media_stats"))
    if sa["channels"] >= n and sb["channels"] >= n: break
    time.sleep(0.5)
time.sleep(2)
a.api("media_stats reset"); b.api("media_stats reset")
s0a, s0b = json.loads(a.api("media_stats")), json.loads(b.api("media_stats"))
time.sleep(window)
s1a, s1b = json.loads(a.api("media_stats")), json.loads(b.api("media_stats"))
sent_a = s1a["packets_sent"] - s0a["packets_sent"]; recv_b = s1b["packets_received"] - s0b["packets_received"]
sent_b = s1b["packets_sent"] - s0b["packets_sent"]; recv_a = s1a["packets_received"] - s0a["packets_received"]
print("calls up: A %d channels, B %d channels" % (s1a["channels"], s1b["channels"]))
print("A->B: sent %d, received %d (%.3f%% loss); B->A: sent %d, received %d (%.3f%% loss) over %ds" % (
    sent_a, recv_b, 100.0 * (1 - recv_b / max(sent_a, 1)), sent_b, recv_a, 100.0 * (1 - recv_a / max(sent_b, 1)), window))
for name, st in (("A", s1a), ("B", s1b)):
    l = st["send_lateness_ms"]
    print("%s send-tick lateness ms: p50 %.1f, p99 %.1f, max %.1f" % (name, l["p50"], l["p99"], l["max"]))
a.api("hupall")
PY
