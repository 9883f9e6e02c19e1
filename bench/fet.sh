#!/usr/bin/env bash
# FET side-by-side benchmark: FET's own command-line generator (`fet-cl`) and Village's
# solver on the example files of Debian's `fet-data`, one run at a time on one machine.
#
#   bench/fet.sh                       # all files, 180 s limit
#   TIME_LIMIT=30 SEEDS=1 bench/fet.sh # a quick pass
#
# For every file: FET with a fixed seed, Village with `--threads 1` and with
# `--threads 2`, each with the time limit. A file gets SEEDS seeds (default 3) when either
# tool solves it in under QUICK seconds (default 60) with the first seed, else one.
# "Solved" means a complete timetable: every activity placed and no hard (100%)
# constraint broken. FET says so itself ("Simulation successful"). A Village timetable
# counts only when FET confirms it: `village timetable export-fet --hard-only` locks every
# activity at its time and room in a copy of the file, switches off the constraints below
# 100% (FET may break those too, but rejects a placement that breaks one with that
# probability, which a locked timetable cannot escape), and `fet-cl` must then place them
# all within VERIFY_LIMIT seconds. Seconds are wall-clock, around the tool's process alone
# (bench/timed_run.py), reading the file included, to the first complete timetable. Both
# stop there (Village with `--stop-when-complete`); Village's time is read from its
# progress line for the first complete timetable (printed at once) plus the time it took
# to read the file.
#
# Settings (environment): TIME_LIMIT=180 SEEDS=3 QUICK=60 VERIFY_LIMIT=30 RESUME=1 (keep
# $OUT/results.tsv, run only the files not in it again, the last one it has included)
# OUT=/tmp/fet-bench FILES="label ..." (a subset of the list below) SURVEY=1 (count the
# example files that import fully) EXAMPLES=/usr/share/doc/fet-data/examples NO_BUILD=1,
# VILLAGE_BIN=/path/to/village and COMMIT=abc1234 (a binary built elsewhere, e.g. from a
# clean `git archive` of that commit, implies NO_BUILD).
# Needs the Debian packages `fet` and `fet-data` (installed when missing) and python3.
# Results: $OUT/results.tsv (one line per run), $OUT/report.md (tables and summary).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
TIME_LIMIT=${TIME_LIMIT:-180}
SEEDS=${SEEDS:-3}
QUICK=${QUICK:-60}
VERIFY_LIMIT=${VERIFY_LIMIT:-30}
OUT=${OUT:-/tmp/fet-bench}
EXAMPLES=${EXAMPLES:-/usr/share/doc/fet-data/examples}
SURVEY=${SURVEY:-1}
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
VILLAGE=${VILLAGE_BIN:-$TARGET_DIR/release/village}
COMMAND="$(for v in TIME_LIMIT SEEDS QUICK VERIFY_LIMIT OUT FILES SURVEY VILLAGE_BIN COMMIT RESUME; do
    if [[ -n "${!v:-}" ]]; then printf '%s=%q ' "$v" "${!v}"; fi; done)bench/fet.sh"

log() { printf '[%(%H:%M:%S)T] %s\n' -1 "$*" >&2; }

# label | path under $EXAMPLES | variant ("unlock": the file's own saved timetable, its
# non-permanent activity time and room locks, is switched off, leaving the problem).
FILE_LIST='
Klikks-SLP|FET-5-official/Malta/Klikk-SLP/Klikks-SLP.fet|
Bethlen-2007|FET-5-official/Hungary/Bethlen/2007-2008-difficult/Bethlen_2007_2008.fet|
GYR|FET-5-official/Germany/secondary-school-2/GYR.fet|
SPAIN_20-21|FET-5-official/Spain/4-secondary-and-vocational-school/SPAIN_20-21.fet|
Pireus-8th|FET-5-official/Greece/Pireus-difficult/8th-highschool.fet|
YewChung-2008|FET-5-official/Hong-Kong/secondary-school-1/Yew-Chung-Intl-School/2008-09-difficult.fet|
Econ-Timisoara|FET-5-official/Romania/Faculty-Econ-Timisoara-difficult/2007-2008-sem-2/Econ-Timisoara.fet|
IBDP-2016-unlocked|FET-5-official/United-Arab-Emirates/IBDP-School-2016.fet|unlock
Hopwood|FET-5-official/United-Kingdom/Hopwood/Hopwood.fet|
Denmark-small|FET-5-official/Denmark/small-school.fet|
Italy-simpler|FET-5-official/Italy/2007/simple/simpler-Italian.fet|
Italy-Ancona|FET-5-official/Italy/2007/difficult/highschool-Ancona.fet|
Brazil|FET-5-official/Brazil/1/Brazil.fet|
Belize-SHC|FET-5-official/Belize/Sacred-Heart-College/shc-2007/sacred_heart_college.fet|
Greece-Gymnasio|FET-5-official/Greece/Gymnasio/Gymnasio.fet|
Bulgaria-Lom|FET-5-official/Bulgaria/Lom_high_school_2007-2008.fet|
Romania-TgMures|FET-5-official/Romania/Pedagogic-High-School-Tg-Mures/2007-2008_sem1-d.fet|
Germany-secondary|FET-5-official/Germany/secondary-school-1/older/secondary_school.fet|
Namibia-WTHS|FET-5-official/Namibia/by-Bobby/set-2/WTHS.fet|
India-EngCollege|FET-5-official/India/New-Delhi/Eng_College.fet|
Argentina-ISJ|FET-5-official/Argentina/Horario_ISJ.fet|
Spain-school|FET-5-official/Spain/1-school/school.fet|
Vietnam-HungYen|FET-5-official/Vietnam/2-secondary-school/VietNamHungYen.fet|
Iran-Sharif|FET-5-official/Iran/Sharif-University/Sharif.fet|
SouthAfrica-SIBUKOSETFU|FET-5-official/South-Africa/2021/SIBUKOSETFU/SIBUKOSETFU.fet|
Morocco-Goulmima|FET-5-official/Morocco/Goulmima/Lycee-Goulmima.fet|
India-StMarys|FET-5-official/India/St-Marys-College/St-Marys-College-Puthanagadi.fet|
Brazil-Achiles|FET-5-official/Brazil/3/ACHILES-MANHA.fet|
Indonesia-netura|FET-5-official/Indonesia/SMK-Negeri-1-Arahan-Kab-Indramayu/netura_2016-2017.fet|
Namibia-PBS|FET-5-official/Namibia/by-Bobby/set-1/PBS.fet|
Namibia-Shipena|FET-5-official/Namibia/by-Bobby/set-2/Shipena.fet|
SouthAfrica-Collegiate|FET-5-official/South-Africa/difficult/Collegiate_Junior_School2.fet|
Morocco-2018|FET-5-mornings-afternoons/Morocco-old-format/5/Sample-Morocco-2018.fet|
Algeria-1|FET-5-mornings-afternoons/Algeria-old-format/2/1.fet|
Algeria-BAkrim-unlocked|FET-5-mornings-afternoons/Algeria-old-format/4-by-Benahmed-Abdelkrim/BAkrim_data_and_timetable.fet|unlock
Indonesia-TelPolytech|FET-5-official/Indonesia/TelPolytech-Bandung/2010-2011/TelPolytech_odd.fet|
Greece-Corfu-exams|FET-5-official/Greece/Corfu/THE-2008-2009-exams-sep.fet|
India-StJoseph|FET-5-official/India/2021/St-Joseph-EMHSS-Puthanangadi/stjosephemhss.fet|
India-StJoseph1|FET-5-official/India/2021/St-Joseph-EMHSS-Puthanangadi/stjosephemhss1.fet|
Saudi-Arabic3|FET-5-official/Saudi-Arabia/Arabic_Saudi_3.fet|
Germany-virtual-rooms-3|FET-5-official/Germany/secondary-school-1/test-virtual-rooms-3/German-test-virtual-rooms-3.fet|
'

if ! command -v fet-cl >/dev/null || [[ ! -d "$EXAMPLES" ]]; then
    log "installing fet and fet-data"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fet fet-data >/dev/null
fi
if [[ "${NO_BUILD:-0}" != 1 && -z "${VILLAGE_BIN:-}" ]]; then
    log "building the release binary"
    (cd "$ROOT" && cargo build --release -p village)
fi

mkdir -p "$OUT/inputs" "$OUT/runs"
RESULTS=$OUT/results.tsv
DIRTY=""
if [[ -z "${COMMIT:-}" ]]; then
    COMMIT=$(git -C "$ROOT" rev-parse --short HEAD)
    DIRTY=$(git -C "$ROOT" status --porcelain -- crates/village-timetable crates/village | head -1)
fi
if [[ "${RESUME:-0}" == 1 && -f "$RESULTS" ]]; then
    # The last file may have been cut short: run it again.
    last_file=$(tail -n +2 "$RESULTS" | tail -1 | cut -f1)
    awk -F'\t' -v f="$last_file" '$1 != f' "$RESULTS" >"$RESULTS.tmp" && mv "$RESULTS.tmp" "$RESULTS"
    echo "resumed=$(date -u '+%Y-%m-%d %H:%M UTC') ($COMMAND)" >>"$OUT/meta.txt"
else
    {
        echo "commit=$COMMIT${DIRTY:+ (with uncommitted changes in crates/village-timetable or crates/village)}"
        echo "command=$COMMAND"
        echo "started=$(date -u '+%Y-%m-%d %H:%M UTC')"
        echo "fet=$(fet-cl --version 2>&1 | head -1)"
        echo "cpus=$(nproc) ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'))"
        echo "time_limit=$TIME_LIMIT seeds=$SEEDS quick=$QUICK verify_limit=$VERIFY_LIMIT"
    } >"$OUT/meta.txt"
    printf 'file\ttool\tseed\tstatus\tseconds\tnote\tload\n' >"$RESULTS"
fi

FET_QUIET=(--htmllevel=0 --writetimetableconflicts=false --writetimetablesstatistics=false
    --writetimetablesxml=false --writetimetablesdayshorizontal=false
    --writetimetablesdaysvertical=false --writetimetablestimehorizontal=false
    --writetimetablestimevertical=false --writetimetablessubgroups=false
    --writetimetablesgroups=false --writetimetablesyears=false --writetimetablesteachers=false
    --writetimetablesteachersfreeperiods=false --writetimetablesrooms=false
    --writetimetablessubjects=false --writetimetablesactivitytags=false
    --writetimetablesactivities=false --warnifusingnotperfectconstraints=false
    --warnifusingstudentsminhoursdailywithallowemptydays=false
    --warnifusinggroupactivitiesininitialorder=false --warnsubgroupswiththesameactivities=false)

# Each run is timed by bench/timed_run.py, around the tool's process alone. Timing it
# in the shell, `$(date)` before and after and `timeout` around it, counted three more
# processes' start-up in every run of either tool: running /bin/true measured 3-4.5 ms
# that way, 1.0-1.2 ms with timed_run.py (1.1-1.5 ms for bash running it directly).
TIMED_RUN=(python3 "$ROOT/bench/timed_run.py")
load() { cut -d' ' -f1 /proc/loadavg; }
record() { printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$RESULTS"; }

# fet_cl INPUT DIR LIMIT SEED [GRACE]: run FET; prints "status seconds note". FET stuck on
# a locked activity may not look at its time limit, so it gets SIGTERM (it then writes what
# it has and stops) GRACE seconds after the limit.
fet_cl() {
    local input=$1 dir=$2 limit=$3 seed=$4 grace=${5:-120} wall last
    rm -rf "$dir" && mkdir -p "$dir"
    "${TIMED_RUN[@]}" "$dir/wall.txt" $((limit + grace)) -- \
        fet-cl --inputfile="$input" --outputdir="$dir" --timelimitseconds="$limit" \
        --randomseeds10="$seed" --randomseeds11="$seed" --randomseeds12="$seed" \
        --randomseeds20="$seed" --randomseeds21="$seed" --randomseeds22="$seed" \
        "${FET_QUIET[@]}" >"$dir/stdout.txt" 2>&1 || true
    wall=$(cat "$dir/wall.txt" 2>/dev/null || echo 0)
    last=$(grep -v '^\s*$' "$dir/logs/result.txt" 2>/dev/null | tail -1 | tr '\t' ' ' | cut -c1-120)
    local slots
    slots=$(grep -c 'has no allowed slot' "$dir/stdout.txt" || true)
    if ((slots > 0)); then last="$last; FET: $slots activities have no allowed slot"; fi
    if [[ -f "$dir/logs/difficult_activities.txt" ]]; then
        # "FET managed to schedule correctly the first N most difficult activities" and the
        # activity it could not place next.
        last="$last; FET placed $(grep -o 'the first [0-9]* most difficult' "$dir/logs/difficult_activities.txt" |
            head -1 | awk '{print $3}') activities in its order, then not activity $(grep -m1 -o '^Id: [0-9]*' \
            "$dir/logs/difficult_activities.txt" | awk '{print $2}')"
    fi
    if grep -q '^Simulation successful' "$dir/logs/result.txt" 2>/dev/null; then
        echo "solved $wall -"
    else
        echo "unsolved $wall ${last:-no result (see $dir/stdout.txt)}"
    fi
}

# village_run LABEL INPUT SEED THREADS: solve, verify with FET, record.
village_run() {
    local label=$1 input=$2 seed=$3 threads=$4 dir wall summary first status note secs
    local placed="" total="" hard="" solver="" vsecs="" phase="" late=""
    dir=$OUT/runs/$label/village-t$threads-s$seed
    rm -rf "$dir" && mkdir -p "$dir"
    "${TIMED_RUN[@]}" "$dir/wall.txt" $((TIME_LIMIT * 2 + 300)) -- \
        "$VILLAGE" timetable solve "$input" --format fet --time-limit "$TIME_LIMIT" --seed "$seed" \
        --threads "$threads" --stop-when-complete --out "$dir/solution.xml" \
        >"$dir/summary.json" 2>"$dir/stderr.txt" || true
    wall=$(cat "$dir/wall.txt" 2>/dev/null || echo 0)
    summary=$(tail -1 "$dir/summary.json")
    # placed total hard solver-seconds, or nothing when solving failed.
    read -r placed total hard solver < <(python3 -c '
import json, sys
try:
    s = json.loads(sys.argv[1])
    print(s["placed"], s["total"], s["hard_violations"], s["seconds"])
except Exception:
    print("")' "$summary") || true
    if [[ -z "${placed:-}" ]]; then
        note=$(grep -v '^ *[0-9.]*s ' "$dir/stderr.txt" | tail -1 | tr '\t' ' ' | cut -c1-160)
        record "$label" "village-t$threads" "$seed" error "$wall" "${note:-no summary}" "$(load)"
        return
    fi
    # The first progress line with no hard violation: "  12.2500s anneal best: 0 hard, ..." (to 0.1 ms).
    read -r first phase < <(grep -m1 -E '^ *[0-9.]+s [^ ]+ best: 0 hard' "$dir/stderr.txt" |
        awk '{sub(/s$/, "", $1); print $1, $2}') || true
    if [[ "$placed" != "$total" || "$hard" != 0 ]]; then
        record "$label" "village-t$threads" "$seed" unsolved "$wall" \
            "best: $placed/$total placed, $hard hard" "$(load)"
        return
    fi
    # Time to the first complete timetable: reading the file (wall - solver) + solver time.
    first=${first:-$solver}
    # The search may end with a few classes unplaced that the final completion step places.
    if [[ "$phase" == done || -z "$phase" ]]; then late="complete only at the final step; "; fi
    secs=$(python3 -c "import sys; print(f'{float(sys.argv[1]) - float(sys.argv[2]) + float(sys.argv[3]):.4f}')" "$wall" "$solver" "$first")
    if ! "$VILLAGE" timetable export-fet "$input" "$dir/solution.xml" --out "$dir/locked.fet" --hard-only \
        >"$dir/export.json" 2>"$dir/export.err"; then
        record "$label" "village-t$threads" "$seed" unverified "$secs" \
            "export-fet failed: $(tail -1 "$dir/export.err" | cut -c1-120)" "$(load)"
        return
    fi
    read -r status vsecs note < <(fet_cl "$dir/locked.fet" "$dir/fet-check" "$VERIFY_LIMIT" 1 10)
    if [[ "$status" == solved ]]; then
        record "$label" "village-t$threads" "$seed" solved "$secs" "${late}FET confirmed in ${vsecs}s" "$(load)"
    else
        record "$label" "village-t$threads" "$seed" unverified "$secs" \
            "${late}complete in Village's model; FET refused it: $note" "$(load)"
    fi
}

# Which files to run.
selected=()
while IFS='|' read -r label path variant; do
    [[ -z "$label" ]] && continue
    if [[ -n "${FILES:-}" && " $FILES " != *" $label "* ]]; then continue; fi
    if cut -f1 "$RESULTS" | grep -qxF -- "$label"; then continue; fi
    selected+=("$label|$path|$variant")
done <<<"$FILE_LIST"

for entry in "${selected[@]}"; do
    IFS='|' read -r label path variant <<<"$entry"
    src=$EXAMPLES/$path
    input=$OUT/inputs/$label.fet
    if [[ ! -f "$src" ]]; then
        log "$label: $src is missing, skipped"
        record "$label" - - missing 0 "$path not found" "$(load)"
        continue
    fi
    if [[ "$variant" == unlock ]]; then
        # Switch off the saved timetable: activity time and room constraints that are
        # locks (100%, not permanently locked). Everything else stays.
        python3 - "$src" "$input" <<'PY'
import re, sys
text = open(sys.argv[1], encoding="utf-8-sig").read()
def unlock(m):
    block = m.group(0)
    if "<Weight_Percentage>100</Weight_Percentage>" in block and \
            "<Permanently_Locked>false</Permanently_Locked>" in block:
        return block.replace("<Active>true</Active>", "<Active>false</Active>")
    return block
pattern = r"<(ConstraintActivityPreferredStartingTime|ConstraintActivityPreferredRoom)>.*?</\1>"
text = re.sub(pattern, unlock, text, flags=re.S)
open(sys.argv[2], "w", encoding="utf-8").write(text)
PY
    else
        cp "$src" "$input"
    fi
    seeds=1
    seed=1
    while ((seed <= seeds)); do
        log "$label: FET, seed $seed"
        read -r status secs note < <(fet_cl "$input" "$OUT/runs/$label/fet-s$seed" "$TIME_LIMIT" "$seed")
        record "$label" fet "$seed" "$status" "$secs" "$note" "$(load)"
        fet_quick=$(python3 -c "print(int('$status' == 'solved' and float('$secs') < $QUICK))")
        for threads in 1 2; do
            log "$label: Village, $threads thread(s), seed $seed"
            village_run "$label" "$input" "$seed" "$threads"
        done
        if ((seed == 1)); then
            village_quick=$(awk -F'\t' -v f="$label" -v q="$QUICK" \
                '$1 == f && $2 ~ /^village/ && $4 == "solved" && $5 < q { n++ } END { print n + 0 }' "$RESULTS")
            if ((fet_quick == 1 || village_quick > 0)); then seeds=$SEEDS; fi
        fi
        seed=$((seed + 1))
    done
done

if [[ "$SURVEY" == 1 ]]; then
    # Import every example file (a zero time limit stops the solver at once) and keep the
    # importer's notes: a file imports fully when no note says "not modelled".
    log "import survey over $EXAMPLES"
    survey=$OUT/survey.tsv
    printf 'file\tresult\tnot_modelled\n' >"$survey"
    while IFS= read -r -d '' f; do
        rel=${f#"$EXAMPLES"/}
        if "$VILLAGE" timetable solve "$f" --format fet --time-limit 0 --threads 1 \
            >/dev/null 2>"$OUT/survey.err"; then
            nm=$(grep '^note: .*not modelled' "$OUT/survey.err" | sed 's/^note: //; s/: not modelled.*//' | sort -u | paste -sd, - || true)
            printf '%s\t%s\t%s\n' "$rel" "$([[ -z "$nm" ]] && echo full || echo partial)" "$nm" >>"$survey"
        else
            # The error line, not the backtrace RUST_BACKTRACE may add after it.
            why=$(grep -m1 '^Error' "$OUT/survey.err" || tail -1 "$OUT/survey.err")
            printf '%s\trefused\t%s\n' "$rel" "$(printf '%s' "$why" | tr '\t' ' ' | cut -c1-160)" >>"$survey"
        fi
    done < <(find "$EXAMPLES" -name '*.fet' -print0 | sort -z)
fi

echo "finished=$(date -u '+%Y-%m-%d %H:%M UTC')" >>"$OUT/meta.txt"
python3 - "$OUT" <<'PY'
import csv, json, os, statistics, sys
out = sys.argv[1]
meta = dict(l.rstrip("\n").split("=", 1) for l in open(f"{out}/meta.txt") if "=" in l)
rows = list(csv.DictReader(open(f"{out}/results.tsv"), delimiter="\t"))
tools = ["fet", "village-t1", "village-t2"]
names = {"fet": "FET", "village-t1": "Village, 1 thread", "village-t2": "Village, 2 threads"}
files = list(dict.fromkeys(r["file"] for r in rows))
limit = meta.get("time_limit", "").split()[0].split("=")[-1]

def runs(f, t):
    return [r for r in rows if r["file"] == f and r["tool"] == t]

def solved_secs(f, t):
    return [float(r["seconds"]) for r in runs(f, t) if r["status"] == "solved"]

lines = []
lines.append(f"Commit measured: `{meta.get('commit')}`; command: `{meta.get('command')}`; "
             f"{meta.get('fet')}; {meta.get('cpus')} CPUs; started {meta.get('started')}, "
             f"finished {meta.get('finished', '(not finished)')}; time limit {limit} s.\n")
lines.append("| file | activities | import | " + " | ".join(f"{names[t]}: solved runs, median s" for t in tools) + " | notes |")
lines.append("|---|---:|---|" + "---|" * len(tools) + "---|")
for f in files:
    acts, imported = "", ""
    for t in ("village-t1", "village-t2"):
        for r in runs(f, t):
            try:
                err = open(f"{out}/runs/{f}/{t}-s{r['seed']}/stderr.txt").read().splitlines()
            except OSError:
                continue
            kinds = {l[6:].split(":")[0].split(" (")[0] for l in err if l.startswith("note: ") and "not modelled" in l}
            imported = "full" if not kinds else f"{len(kinds)} types not modelled"
    for t in ("village-t1", "village-t2"):
        for r in runs(f, t):
            d = f"{out}/runs/{f}/{t}-s{r['seed']}/summary.json"
            try:
                acts = str(json.loads(open(d).read().strip().splitlines()[-1])["total"])
            except Exception:
                pass
    cells, notes = [], []
    for t in tools:
        rs = runs(f, t)
        ok = solved_secs(f, t)
        if not rs:
            cells.append("–")
            continue
        med = f"{statistics.median(ok):.4f}" if ok else "–"
        cells.append(f"{len(ok)}/{len(rs)}, {med}")
        for r in rs:
            if r["status"] != "solved" and r["note"] not in ("", "-"):
                notes.append(f"{names[t]} s{r['seed']}: {r['status']} ({r['note']})")
            elif "final step" in r["note"]:
                notes.append(f"{names[t]} s{r['seed']}: complete only at the final step")
    notes = list(dict.fromkeys(notes))
    lines.append(f"| {f} | {acts} | {imported} | " + " | ".join(cells) + " | " + "; ".join(notes[:3]).replace("|", "/") + " |")

lines.append("")
def all_solved(f, t):
    rs = runs(f, t)
    return bool(rs) and all(r["status"] == "solved" for r in rs)
def any_solved(f, t):
    return any(r["status"] == "solved" for r in runs(f, t))
for t in tools:
    lines.append(f"- {names[t]}: solves {sum(all_solved(f, t) for f in files)} of {len(files)} files "
                 f"in every run within {limit} s ({sum(any_solved(f, t) for f in files)} in at least one run).")
for t in ("village-t1", "village-t2"):
    ratios = []
    for f in files:
        a, b = solved_secs(f, t), solved_secs(f, "fet")
        if a and b:
            ratios.append(statistics.median(a) / max(statistics.median(b), 0.001))
    if ratios:
        lines.append(f"- Median ratio of Village's time ({names[t]}) to FET's, over the {len(ratios)} files both solve: "
                     f"**{statistics.median(ratios):.2f}** (range {min(ratios):.2f} to {max(ratios):.2f}).")
    else:
        lines.append(f"- {names[t]}: no file solved by both tools.")
loads = [float(r["load"]) for r in rows if r["load"] not in ("", "-")]
if loads:
    lines.append(f"- Load average (1 min) read after each run: median {statistics.median(loads):.2f}, "
                 f"max {max(loads):.2f}, on {meta.get('cpus', '?').split()[0]} CPUs.")
unver = [r for r in rows if r["status"] == "unverified"]
lines.append(f"- Village timetables complete in Village's model that FET did not confirm: {len(unver)} runs"
             + (" (" + ", ".join(sorted({r['file'] for r in unver})) + ")" if unver else "") + ".")

if os.path.exists(f"{out}/survey.tsv"):
    sv = list(csv.DictReader(open(f"{out}/survey.tsv"), delimiter="\t"))
    full = sum(r["result"] == "full" for r in sv)
    part = sum(r["result"] == "partial" for r in sv)
    ref = sum(r["result"] == "refused" for r in sv)
    counts = {}
    for r in sv:
        if r["result"] == "partial":
            for c in r["not_modelled"].split(","):
                counts[c] = counts.get(c, 0) + 1
    lines.append("")
    lines.append(f"Import survey over the {len(sv)} example files: {full} import fully (no constraint "
                 f"\"not modelled\"), {part} import with some constraints not modelled, {ref} are refused.")
    top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:15]
    lines.append("Constraints most often not modelled (files): " + ", ".join(f"{c} ({n})" for c, n in top) + ".")

open(f"{out}/report.md", "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
PY
log "report: $OUT/report.md"
