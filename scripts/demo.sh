#!/usr/bin/env bash
# The main job on the embedded default (SQLite), on a sample académie
# generated locally: rentrée delivery, the 48 h creation tick, the November
# delivery with leavers and arrivals, then what an operator looks at.
set -euo pipefail
cd "$(dirname "$0")/.."
ENTSYNC=".venv/bin/entsync"
OUT="${DEMO_DIR:-sample}"
STORE="sqlite:///$OUT/entsync.db"
rm -rf "$OUT"
step() { printf '\n$ entsync %s\n' "$*"; "$ENTSYNC" --store "$STORE" "$@"; }

"$ENTSYNC" generate "$OUT" --students "${DEMO_STUDENTS:-2000}" --seed 1
# A simulation store: the demo runs at dates of its own (domain-rules §12, time guard).
step store init --simulation
step ingest "$OUT/aaf/20260818-complet" --now 2026-08-18T06:00:00+00:00 || true
step accounts --state pending --limit 5
step tick --now 2026-08-20T07:00:00+00:00 --dry-run | head -8
step tick --now 2026-08-20T07:00:00+00:00 | head -3
step ingest "$OUT/aaf/20261105-complet" --now 2026-11-05T06:00:00+00:00 || true
step accounts --state departing --limit 5
step anomalies --as-of 2026-11-05T07:00:00+00:00
step structures
step deliveries
leaver=$("$ENTSYNC" --store "$STORE" accounts --state departing --profile ELEVE --json --limit 1 \
         | .venv/bin/python -c 'import json,sys; print(json.load(sys.stdin)[0]["jointure"])')
step history "$leaver"
step verify
