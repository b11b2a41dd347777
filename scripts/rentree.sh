#!/usr/bin/env bash
# A whole rentrée from generated files, from the command line only (issue 3):
# the AAF complete delivery, the 48 h creation tick, SIECLE students and
# guardians, STS-web, the first timetable import validated by an operator, a
# second one applied automatically, the same file again (duplicate), an
# oversized change rejected then retried with lifted thresholds, the
# structure-protection threshold that can never be lifted, and what the
# operator looks at. Every command runs with an explicit --now, and the script
# stops when a command's exit code is not the expected one.
#
#   bash scripts/rentree.sh            # work directory ./rentree (wiped if made by this script)
#   RENTREE_DIR=/tmp/r RENTREE_STUDENTS=600 bash scripts/rentree.sh
#
# Each command's full output is kept in $RENTREE_DIR/log/. The store is a
# fresh SQLite file in the work directory (RENTREE_STORE to use another one:
# it must be empty, since time never goes backwards).
set -euo pipefail
cd "$(dirname "$0")/.."
ENTSYNC="${ENTSYNC:-$PWD/.venv/bin/entsync}"
PY="$(dirname "$ENTSYNC")/python"
WORK="${RENTREE_DIR:-rentree}"
STUDENTS="${RENTREE_STUDENTS:-300}"
SEED="${RENTREE_SEED:-3}"

if [[ -e "$WORK" && ! -e "$WORK/.rentree" && -n "$(ls -A "$WORK" 2>/dev/null)" ]]; then
    echo "rentree: $WORK exists and was not made by this script; choose another RENTREE_DIR" >&2
    exit 1
fi
rm -rf "$WORK"
mkdir -p "$WORK/log"
touch "$WORK/.rentree"
GEN="$WORK/gen"
STORE="${RENTREE_STORE:-sqlite:///$WORK/entsync.db}"
n=0

heading() { printf '\n=== %s\n' "$*"; }

# run EXPECTED_EXIT LINES ARGS...: run one entsync command, show it and the
# first LINES lines of its output (0: all), stop unless it exits EXPECTED_EXIT.
run() {
    local want=$1 lines=$2 code=0 log total
    shift 2
    n=$((n + 1))
    log=$(printf '%s/log/%02d-%s.txt' "$WORK" "$n" "$1")
    printf '$ entsync %s\n' "$*"
    "$ENTSYNC" --store "$STORE" "$@" >"$log" 2>&1 || code=$?
    total=$(wc -l <"$log")
    if ((lines > 0 && total > lines)); then
        head -n "$lines" "$log"
        echo "  … $((total - lines)) more lines in $log"
    else
        cat "$log"
    fi
    echo "(exit $code)"
    if [[ "$code" != "$want" ]]; then
        echo "rentree: expected exit $want from 'entsync $*', got $code" >&2
        exit 1
    fi
}

# The newest import of the establishment, as `entsync imports --uai` lists it.
latest_import() {
    "$ENTSYNC" --store "$STORE" imports --uai "$UAI" --json \
        | "$PY" -c 'import json, sys; print(json.load(sys.stdin)[0]["import_id"])'
}

# The thresholds an import was rejected for, as `--lift NAME` arguments.
lift_args() {
    "$ENTSYNC" --store "$STORE" imports show "$1" --json \
        | "$PY" -c 'import json, sys; print(" ".join("--lift " + n for n in sorted(json.load(sys.stdin)["details"]["thresholds"])))'
}

variant() {
    "$PY" -c 'import json, sys; print(next(v["path"] for v in json.load(open(sys.argv[1]))["sources"]["variants"] if v["name"] == sys.argv[2]))' \
        "$GEN/manifest.json" "$1"
}

heading "0. A synthetic académie with every source (seed $SEED, $STUDENTS students), AAF files as académies send them"
# VE2407 files (no teacher category), staff as in real files (presence N for
# half of the teachers), a replacement zone failing the check letter and a
# 1st-degree school whose teachers the ENT does not serve (formats §1).
run 0 0 generate "$GEN" --students "$STUDENTS" --seed "$SEED" --sources all --no-second \
    --format-version VE2407 --real-shapes
read -r UAI ELEVES RESPONSABLES STS EDT < <("$PY" - "$GEN/manifest.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
uai, day, s = m["establishments"][0]["uai"], m["dates"]["first"], m["sources"]
print(uai, s["siecle"][day][uai]["eleves"], s["siecle"][day][uai]["responsables"], s["sts"][day][uai],
      s["timetable"][day][uai])
PY
)
echo "establishment followed below: $UAI"

heading "0b. A simulation store: the walkthrough runs at dates of its own (a production store refuses a --now beyond the wall clock)"
run 0 0 store init --simulation
run 0 0 store info

heading "1. AAF complete delivery (18 August): every account appears, pending"
run 0 0 ingest "$GEN/aaf/20260818-complet" --now 2026-08-18T06:00:00+00:00

heading "2. 48 hours later: tick creates the accounts (not the teachers of structures the ENT does not serve)"
run 0 6 tick --now 2026-08-20T07:00:00+00:00

heading "3. SIECLE exports of $UAI: students, then guardians"
run 0 0 ingest "$GEN/$ELEVES" --now 2026-08-21T08:00:00+00:00
run 0 0 ingest "$GEN/$RESPONSABLES" --now 2026-08-21T08:05:00+00:00
heading "3b. An older SIECLE students export sent by mistake: rejected (older_export)"
run 2 0 ingest "$GEN/$(variant siecle-older-export)" --now 2026-08-21T09:00:00+00:00

heading "4. STS-web export of $UAI: the first of the year waits for an operator, who validates it"
run 2 0 ingest "$GEN/$STS" --now 2026-08-24T08:00:00+00:00
STS_ID=$(latest_import)
run 0 0 imports validate "$STS_ID" --operator alice --now 2026-08-24T08:30:00+00:00

heading "5. First timetable import of the year (28 August): awaiting validation"
run 2 0 ingest "$GEN/$EDT" --now 2026-08-28T08:00:00+00:00
FIRST=$(latest_import)
heading "5b. The operator checks the matches and the bilan"
run 0 40 imports show "$FIRST"
heading "5c. ... and validates it: applied"
run 0 0 imports validate "$FIRST" --operator alice --now 2026-08-28T09:00:00+00:00

SECOND="$GEN/$(variant moderate-change)"
heading "6. Second timetable export (7 September), a moderate change: applied automatically"
run 0 0 ingest "$SECOND" --now 2026-09-07T08:00:00+00:00

heading "7. The same file again (8 September): rejected as a duplicate, nothing applied"
run 2 0 ingest "$SECOND" --now 2026-09-08T08:00:00+00:00

heading "8. An oversized change (14 September): rejected over its thresholds, nothing applied"
run 2 0 ingest "$GEN/$(variant too-many-changes)" --now 2026-09-14T08:00:00+00:00
BIG=$(latest_import)
heading "8b. The operator reads the exceeded thresholds in the bilan, then retries with them lifted, for this import only"
run 0 33 imports show "$BIG"
# shellcheck disable=SC2046  # one word per --lift argument
run 0 0 imports retry "$BIG" $(lift_args "$BIG") --operator alice --now 2026-09-14T09:00:00+00:00

heading "9. A class holding sessions deleted (21 September): the structure threshold can never be lifted"
run 2 0 ingest "$GEN/$(variant structure-deleted)" --now 2026-09-21T08:00:00+00:00
GONE=$(latest_import)
run 1 0 imports retry "$GONE" --lift structures_deleted_with_sessions --operator alice --now 2026-09-21T09:00:00+00:00

heading "10. What the operator looks at"
run 0 0 imports --uai "$UAI"
run 0 0 siecle imports --uai "$UAI"
run 0 0 accounts --uai "$UAI" --limit 5
run 0 12 anomalies
run 0 0 verify

heading "Done: every step gave its expected exit code (outputs in $WORK/log/)"
