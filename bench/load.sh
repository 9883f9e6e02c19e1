#!/usr/bin/env bash
# Load benchmark: the single-school-sized SQLite demo and the 100-school local authority on
# PostgreSQL, measured side by side on loopback with village-load.
#
#   bench/load.sh                 # full run (generates ~11M rows on PostgreSQL; slow)
#   SCHOOLS=10 bench/load.sh      # a smaller local authority for a quick try
#
# For each dataset it starts `village serve`, signs in sample personas, sends the
# pupil/parent/tutor mix open-loop at RATE req/s for DURATION s (after WARMUP s), measures
# the static ceiling (closed loop on /static/style.css and /healthz), reads the server's
# peak RSS (VmHWM), and prints a markdown table. Everything it starts is stopped on exit.
#
# Settings (environment):
#   RATE=300 DURATION=60 WARMUP=15      the mix
#   STATIC_SECS=20 CONCURRENCY=32       the closed-loop ceiling runs
#   CONNECTIONS=64                      keep-alive connections for the mix
#   MAX_PER_KIND=300                    personas signed in per kind
#   SCHOOLS=100                         local-authority size on PostgreSQL
#   ENGINES="sqlite postgres"           which datasets to run
#   WORK=/path                          scratch folder (default: a new mktemp -d)
#   KEEP=1                              keep WORK (datasets, logs) afterwards
#   REUSE=1                             reuse datasets already in WORK instead of generating
#   PG_BIN=/usr/lib/postgresql/15/bin   PostgreSQL binaries; PG_USER=postgres runs them
#   NO_BUILD=1                          use binaries already built in the target folder
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
RATE=${RATE:-300}
DURATION=${DURATION:-60}
WARMUP=${WARMUP:-15}
STATIC_SECS=${STATIC_SECS:-20}
CONCURRENCY=${CONCURRENCY:-32}
CONNECTIONS=${CONNECTIONS:-64}
MAX_PER_KIND=${MAX_PER_KIND:-300}
SCHOOLS=${SCHOOLS:-100}
ENGINES=${ENGINES:-"sqlite postgres"}
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PG_USER=${PG_USER:-postgres}
KEEP=${KEEP:-0}
REUSE=${REUSE:-0}
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
BIN=$TARGET_DIR/release

if [[ -z "${WORK:-}" ]]; then
    WORK=$(mktemp -d /tmp/village-bench.XXXXXX)
fi
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
RESULTS=$WORK/results
mkdir -p "$RESULTS"

log() { printf '[%(%H:%M:%S)T] %s\n' -1 "$*" >&2; }

SERVER_PID=""
PG_DATA=""
cleanup() {
    local rc=$?
    if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    if [[ -n "$PG_DATA" && -f "$PG_DATA/postmaster.pid" ]]; then
        runuser -u "$PG_USER" -- "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w stop >/dev/null 2>&1 || true
    fi
    if [[ "$KEEP" != 1 ]]; then
        rm -rf "$WORK"
    else
        log "kept $WORK"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# ---------------------------------------------------------------------------------------
# Build.
if [[ "${NO_BUILD:-0}" != 1 ]]; then
    log "building release binaries"
    (cd "$ROOT" && cargo build --release -p village -p village-loadgen)
fi
VILLAGE=$BIN/village
LOAD=$BIN/village-load
[[ -x "$VILLAGE" && -x "$LOAD" ]] || { echo "missing $VILLAGE or $LOAD" >&2; exit 1; }

# ---------------------------------------------------------------------------------------
# Datasets.
generate() { # engine url personas-file extra-args...
    local engine=$1 url=$2 personas=$3
    shift 3
    local t0 t1
    t0=$(date +%s.%N)
    VILLAGE_LOG=warn "$VILLAGE" generate --database "$url" --personas "$personas" "$@" >"$RESULTS/$engine-generate.json"
    t1=$(date +%s.%N)
    python3 -c "print(round($t1 - $t0, 1))" >"$RESULTS/$engine-generate-wall.txt"
    log "$engine generated in $(cat "$RESULTS/$engine-generate-wall.txt") s: $(cat "$RESULTS/$engine-generate.json")"
}

start_postgres() {
    PG_DATA=$WORK/pg/data
    local sock=$WORK/pg/sock
    mkdir -p "$WORK/pg" "$sock"
    chown -R "$PG_USER" "$WORK/pg"
    # The scratch folder must be reachable by the PostgreSQL user.
    chmod o+x "$WORK"
    if [[ ! -f "$PG_DATA/PG_VERSION" ]]; then
        runuser -u "$PG_USER" -- "$PG_BIN/initdb" -D "$PG_DATA" -A trust -U village -E UTF8 --locale=C.UTF-8 >"$WORK/pg/initdb.log"
    fi
    PG_PORT=$(free_port)
    # Modest settings for a 2-core, shared machine: bigger shared buffers than the 128MB
    # default, everything else stock.
    runuser -u "$PG_USER" -- "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$WORK/pg/server.log" -w \
        -o "-p $PG_PORT -k $sock -c listen_addresses=127.0.0.1 -c shared_buffers=1GB -c effective_cache_size=4GB -c max_connections=100" \
        start >/dev/null
    PG_URL="postgres://village@127.0.0.1:$PG_PORT/village"
    if ! runuser -u "$PG_USER" -- "$PG_BIN/psql" -h "$sock" -p "$PG_PORT" -U village -d postgres -tAc "select 1 from pg_database where datname='village'" | grep -q 1; then
        runuser -u "$PG_USER" -- "$PG_BIN/createdb" -h "$sock" -p "$PG_PORT" -U village village
    fi
    PSQL=(runuser -u "$PG_USER" -- "$PG_BIN/psql" -h "$sock" -p "$PG_PORT" -U village -d village -v ON_ERROR_STOP=1)
}

stop_postgres() {
    runuser -u "$PG_USER" -- "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w stop >/dev/null
    PG_DATA=""
}

# ---------------------------------------------------------------------------------------
# Measure one running dataset.
measure() { # engine url personas-file
    local engine=$1 url=$2 personas=$3
    local port base
    port=$(free_port)
    base="http://127.0.0.1:$port"
    VILLAGE_LOG=warn "$VILLAGE" serve --database "$url" --listen "127.0.0.1:$port" --insecure-cookies \
        >"$RESULTS/$engine-serve.log" 2>&1 &
    SERVER_PID=$!
    for _ in $(seq 1 300); do
        curl -fsS "$base/healthz" >/dev/null 2>&1 && break
        kill -0 "$SERVER_PID" 2>/dev/null || { echo "village serve exited; see $RESULTS/$engine-serve.log" >&2; exit 1; }
        sleep 0.2
    done
    log "$engine: serving on $base (pid $SERVER_PID); mix at $RATE req/s for ${DURATION}s after ${WARMUP}s warm-up"
    "$LOAD" --base "$base" --personas "$personas" --mix pupil=1,parent=1,tutor=1 \
        --rate "$RATE" --duration "$DURATION" --warmup "$WARMUP" --connections "$CONNECTIONS" \
        --max-per-kind "$MAX_PER_KIND" | tee "$RESULTS/$engine-mix.json" >&2
    for path in /static/style.css /healthz; do
        local name=${path##*/}
        log "$engine: ceiling on $path, $CONCURRENCY connections, closed loop, ${STATIC_SECS}s"
        "$LOAD" --base "$base" --static "$path" --concurrency "$CONCURRENCY" \
            --duration "$STATIC_SECS" --warmup 3 | tee "$RESULTS/$engine-static-$name.json" >&2
    done
    grep -E '^(VmHWM|VmRSS)' "/proc/$SERVER_PID/status" | tee "$RESULTS/$engine-memory.txt" >&2
    kill "$SERVER_PID"
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
}

for engine in $ENGINES; do
    case $engine in
    sqlite)
        mkdir -p "$WORK/sqlite"
        db=$WORK/sqlite/village.db
        url="sqlite://$db"
        if [[ "$REUSE" != 1 || ! -f "$db" ]]; then
            rm -f "$db" "$db-wal" "$db-shm"
            log "sqlite: generating the demo collaborative"
            generate sqlite "$url" "$WORK/sqlite/personas.json"
        fi
        measure sqlite "$url" "$WORK/sqlite/personas.json"
        ;;
    postgres)
        start_postgres
        personas=$WORK/pg/personas.json
        if [[ "$REUSE" != 1 || ! -f "$personas" ]]; then
            log "postgres: generating $SCHOOLS schools"
            generate postgres "$PG_URL" "$personas" --schools "$SCHOOLS"
            t0=$(date +%s.%N)
            "${PSQL[@]}" -qc "VACUUM ANALYZE" >/dev/null
            t1=$(date +%s.%N)
            python3 -c "print(round($t1 - $t0, 1))" >"$RESULTS/postgres-analyze-wall.txt"
        fi
        "${PSQL[@]}" -tAc "select pg_size_pretty(pg_database_size('village'))" >"$RESULTS/postgres-size.txt"
        measure postgres "$PG_URL" "$personas"
        stop_postgres
        ;;
    *)
        echo "unknown engine $engine" >&2
        exit 1
        ;;
    esac
done

# ---------------------------------------------------------------------------------------
# The table.
python3 - "$RESULTS" $ENGINES <<'EOF'
import json, os, sys
results, engines = sys.argv[1], sys.argv[2:]

def load(name):
    p = os.path.join(results, name)
    if not os.path.exists(p):
        return None
    with open(p) as f:
        text = f.read().strip()
    try:
        return json.loads(text.splitlines()[-1])
    except Exception:
        return text

def mem(engine):
    out = {}
    for line in (load(f"{engine}-memory.txt") or "").splitlines():
        k, v = line.split(":", 1)
        out[k] = int(v.split()[0]) / 1024
    return out

def f(x, digits=1):
    return "–" if x is None else f"{x:.{digits}f}"

cols = {}
for e in engines:
    mix = load(f"{e}-mix.json") or {}
    css = load(f"{e}-static-style.css.json") or {}
    hz = load(f"{e}-static-healthz.json") or {}
    gen = load(f"{e}-generate.json")
    wall = load(f"{e}-generate-wall.txt")
    m = mem(e)
    pk = mix.get("per_kind", {})
    ceiling = css.get("achieved_rps")
    cols[e] = [
        ("dataset", f"{gen.get('schools')} schools, {gen.get('learners'):,} learners, {gen.get('rows'):,} rows" if isinstance(gen, dict) else "reused"),
        ("generation time", f"{wall} s" if wall is not None else "reused"),
        ("offered rate (req/s)", f(mix.get("target_rps"), 0)),
        ("achieved rate (req/s)", f(mix.get("achieved_rps"))),
        ("requests measured", str(mix.get("sent"))),
        ("errors", str(mix.get("errors"))),
        ("p50 (ms)", f(mix.get("p50_ms"))),
        ("p95 (ms)", f(mix.get("p95_ms"))),
        ("p99 (ms)", f(mix.get("p99_ms"))),
        ("max (ms)", f(mix.get("max_ms"))),
        ("p99 pupil home (ms)", f(pk.get("pupil", {}).get("p99_ms"))),
        ("p99 parent child page (ms)", f(pk.get("parent", {}).get("p99_ms"))),
        ("p99 tutor list (ms)", f(pk.get("tutor", {}).get("p99_ms"))),
        ("ceiling: /static/style.css (req/s)", f(ceiling, 0)),
        ("ceiling: /healthz (req/s)", f(hz.get("achieved_rps"), 0)),
        ("mix throughput / ceiling", f"{100 * mix['achieved_rps'] / ceiling:.1f} %" if ceiling and mix.get("achieved_rps") else "–"),
        ("server peak RSS, VmHWM (MiB)", f(m.get("VmHWM"))),
    ]

names = {"sqlite": "SQLite demo", "postgres": "PostgreSQL local authority"}
print()
print("| | " + " | ".join(names.get(e, e) for e in engines) + " |")
print("|---|" + "---:|" * len(engines))
rows = len(next(iter(cols.values()))) if cols else 0
for i in range(rows):
    label = cols[engines[0]][i][0]
    print(f"| {label} | " + " | ".join(cols[e][i][1] for e in engines) + " |")
EOF
