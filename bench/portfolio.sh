#!/usr/bin/env bash
# Plan and portfolio benchmark, on the SQLite demo:
#
#  1. the plan page of a pupil with three years of history (60 targets, 20 agreed
#     versions, 200 portfolio items), open loop at RATE req/s, beside the same pupil's
#     home page in the same run;
#  2. the server's peak memory (VmHWM) before and after uploading a 20 MB and a 90 MB
#     video through the portfolio form, to show uploads are streamed;
#  3. exporting a learning passport for every learner of the demo secondary (1,200
#     pupils), when the binary has `village passport export-school`.
#
#   bench/portfolio.sh
#
# Settings (environment): RATE=50 DURATION=60 WARMUP=10, WORK=/path, KEEP=1, NO_BUILD=1.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
RATE=${RATE:-50}
DURATION=${DURATION:-60}
WARMUP=${WARMUP:-10}
KEEP=${KEEP:-0}
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
BIN=$TARGET_DIR/release
if [[ -z "${WORK:-}" ]]; then
    WORK=$(mktemp -d /tmp/village-portfolio.XXXXXX)
fi
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)

log() { printf '[%(%H:%M:%S)T] %s\n' -1 "$*" >&2; }

SERVER_PID=""
cleanup() {
    local rc=$?
    if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    if [[ "$KEEP" != 1 ]]; then rm -rf "$WORK"; else log "kept $WORK"; fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [[ "${NO_BUILD:-0}" != 1 ]]; then
    log "building release binaries"
    (cd "$ROOT" && cargo build --release -p village -p village-loadgen)
fi

DB="sqlite://$WORK/village.db"
log "generating the demo with a long plan for the pupil"
"$BIN/village" generate --database "$DB" --personas "$WORK/personas.json" --long-plan >"$WORK/generate.json"
# The demo pupil, whose plan has the long history, as the one persona.
python3 - "$WORK/village.db" "$WORK/pupil.json" <<'PY'
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
(learner,) = db.execute("SELECT person_id FROM accounts WHERE username = 'pupil'").fetchone()
json.dump([{"role": "pupil", "username": "pupil", "learner": learner}], open(sys.argv[2], "w"))
PY

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
BASE="http://127.0.0.1:$PORT"
"$BIN/village" serve --database "$DB" --listen "127.0.0.1:$PORT" --insecure-cookies --files "$WORK/files" >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 100); do
    curl -fsS "$BASE/healthz" >/dev/null 2>&1 && break
    sleep 0.2
done
hwm() { awk '/VmHWM/ {printf "%.1f", $2/1024}' "/proc/$SERVER_PID/status"; }

run_page() {
    "$BIN/village-load" --base "$BASE" --personas "$WORK/pupil.json" --mix pupil=1 \
        --page "$1" --rate "$RATE" --duration "$DURATION" --warmup "$WARMUP" --connections 16
}
log "plan page, $RATE req/s for $DURATION s"
PLAN=$(run_page '/learners/{learner}/plan')
log "home page, $RATE req/s for $DURATION s"
HOME_JSON=$(run_page '/')
log "portfolio page, $RATE req/s for $DURATION s"
PORTFOLIO=$(run_page '/learners/{learner}/portfolio')

log "uploads"
BEFORE=$(hwm)
python3 - "$BASE" "$WORK" "$SERVER_PID" <<'PY' >"$WORK/uploads.json"
import http.cookiejar, json, os, re, subprocess, sys, time, urllib.parse, urllib.request
base, work, pid = sys.argv[1], sys.argv[2], sys.argv[3]

def hwm_mib():
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmHWM"):
            return round(int(line.split()[1]) / 1024, 1)
jar = http.cookiejar.CookieJar()
op = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
page = op.open(base + "/signin").read().decode()
token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
op.open(base + "/signin", urllib.parse.urlencode({"username": "pupil", "password": "village-demo", "csrf": token}).encode())
home = op.open(base + "/").read().decode()
learner = re.search(r'/learners/(\d+)', home).group(1)
csrf = re.search(r'name="csrf" value="([^"]+)"', op.open(base + "/account").read().decode()).group(1)
cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
out = {}
for mb in (20, 90):
    path = os.path.join(work, f"video-{mb}.mp4")
    with open(path, "wb") as f:
        # An MP4 'ftyp' box, then filler: enough for the type check; players are not asked.
        f.write(b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom")
        chunk = os.urandom(1 << 20)
        for _ in range(mb):
            f.write(chunk)
    started = time.time()
    r = subprocess.run(["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "-b", cookie,
                        "-F", f"csrf={csrf}", "-F", f"title=Video {mb} MB", "-F", "made_where=school",
                        "-F", f"file=@{path};type=video/mp4", f"{base}/learners/{learner}/portfolio"],
                       capture_output=True, text=True)
    out[f"{mb}"] = {"status": r.stdout, "seconds": round(time.time() - started, 2),
                    "bytes": os.path.getsize(path), "hwm_mib_after": hwm_mib()}
print(json.dumps(out))
PY
AFTER20_100=$(hwm)
UPLOADS=$(cat "$WORK/uploads.json")

EXPORT="(not measured: this binary has no passport export-school command)"
if "$BIN/village" passport --help >/dev/null 2>&1; then
    log "passport export for the demo secondary"
    EXPORT=$("$BIN/village" passport export-school --database "$DB" --files "$WORK/files" \
        --as leader --out "$WORK/passports" 2>"$WORK/export.log" | tail -n 1)
fi

python3 - "$PLAN" "$HOME_JSON" "$PORTFOLIO" "$BEFORE" "$AFTER20_100" "$UPLOADS" "$EXPORT" "$RATE" "$DURATION" <<'PY'
import json, sys
plan, home, portfolio = (json.loads(a) for a in sys.argv[1:4])
before, after, uploads, export, rate, duration = sys.argv[4:10]
uploads = json.loads(uploads)
def row(name, j):
    return f"| {name} | {j['achieved_rps']} | {j['sent']} / {j['errors']} | {j['p50_ms']} | {j['p95_ms']} | **{j['p99_ms']}** | {j['max_ms']} |"
print(f"Open loop at {rate} req/s for {duration} s, one pupil session (60 targets, 20 versions, 200 items):\n")
print("| page | achieved req/s | requests / errors | p50 ms | p95 ms | p99 ms | max ms |")
print("|---|---:|---:|---:|---:|---:|---:|")
print(row("plan", plan)); print(row("portfolio", portfolio)); print(row("home (same pupil)", home))
print(f"\nplan p99 ÷ home p99: {plan['p99_ms'] / max(home['p99_ms'], 0.001):.2f}\n")
print("| upload | bytes | answer | seconds | server peak RSS after (MiB) |")
print("|---|---:|---:|---:|---:|")
print(f"| (before) | | | | {before} |")
for mb in ("20", "90"):
    u = uploads[mb]
    print(f"| {mb} MB video | {u['bytes']:,} | {u['status']} | {u['seconds']} | {u['hwm_mib_after']} |")
print()
print(f"Passport export: {export}")
PY
