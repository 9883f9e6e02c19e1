#!/usr/bin/env bash
# Instructions the solver executes for a fixed number of iterations, two binaries side by
# side: a measure of a change to the search's speed that no other load on the machine can
# move, where seconds on a shared two-core machine move by a tenth from one run to the
# next. Each run is one thread, one seed and `--iterations N`, so both binaries take the
# same way when the change makes no other choice (the script says whether the two
# timetables are the same, byte for byte but the runtime attribute).
#
#   bench/instructions.sh OLD_BINARY NEW_BINARY [LABEL...]
#
# Labels are those of bench/fet.sh (default: the files below). Settings (environment):
# ITERATIONS=60000 SEED=1 EXAMPLES=/usr/share/doc/fet-data/examples OUT=/tmp/instructions.
# Needs valgrind (callgrind), and the Debian package `fet-data` for the files.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OLD=$1
NEW=$2
shift 2
LABELS=("$@")
if ((${#LABELS[@]} == 0)); then
    LABELS=(Bulgaria-Lom Spain-school Namibia-Shipena Italy-simpler Romania-TgMures Belize-SHC Vietnam-HungYen)
fi
ITERATIONS=${ITERATIONS:-60000}
SEED=${SEED:-1}
EXAMPLES=${EXAMPLES:-/usr/share/doc/fet-data/examples}
OUT=${OUT:-/tmp/instructions}
mkdir -p "$OUT"

# The path of a label, from bench/fet.sh's list.
path_of() {
    sed -n "/^FILE_LIST='/,/^'/p" "$ROOT/bench/fet.sh" | awk -F'|' -v l="$1" '$1 == l { print $2 }'
}

# instructions BINARY INPUT NAME: the instruction count of one solve; its timetable goes
# to $OUT/NAME.xml.
instructions() {
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$1" timetable solve "$2" \
        --format fet --threads 1 --seed "$SEED" --iterations "$ITERATIONS" --time-limit 3600 \
        --out "$OUT/$3.xml" 2>&1 >/dev/null | awk '/ refs:/ { gsub(",", "", $NF); print $NF }'
}

printf '| file | old | new | new ÷ old | same timetable |\n|---|---:|---:|---:|---|\n'
for label in "${LABELS[@]}"; do
    path=$(path_of "$label")
    if [[ -z "$path" || ! -f "$EXAMPLES/$path" ]]; then
        echo "$label: not found under $EXAMPLES" >&2
        continue
    fi
    old=$(instructions "$OLD" "$EXAMPLES/$path" "$label-old")
    new=$(instructions "$NEW" "$EXAMPLES/$path" "$label-new")
    # The third line carries the solver's runtime, which differs from run to run.
    if cmp -s <(sed 3d "$OUT/$label-old.xml") <(sed 3d "$OUT/$label-new.xml"); then same=yes; else same=no; fi
    python3 -c 'import sys; o, n = int(sys.argv[2]), int(sys.argv[3]); print(f"| {sys.argv[1]} | {o/1e6:,.0f} M | {n/1e6:,.0f} M | {n/o:.3f} | {sys.argv[4]} |")' \
        "$label" "$old" "$new" "$same"
done
