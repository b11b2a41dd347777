"""The golden record of the rentrée walkthrough (issue 11: behaviour must not
change while the code moves). Runs ``scripts/rentree.sh`` into a temporary
directory, then writes one JSON document: every command's output, and every
stored event in log order (topic, originator, version and state), with what
differs from one run to the next masked (storage timestamps, the wall-clock
times a store records, random ids, the work directory's path).

    python scripts/golden.py write golden/rentree.json.gz   # capture
    python scripts/golden.py check golden/rentree.json.gz   # compare a fresh run; exit 1 on a difference

The walkthrough runs with its own ``--now`` on a simulation store, and the
generator is seeded, so what is left after masking is the behaviour.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STUDENTS = "120"  # small: the record is about every path taken, not volume

# What is not the behaviour: the wall clock of the machine that ran it.
_WALL_FIELDS = {"timestamp", "declared_at", "wall", "forced_at"}
# ISO 8601 (JSON, stored events) and the CLI's text, 2026-09-01 08:00:00 CEST.
_STAMP = r"[T ]\d\d:\d\d(:\d\d(\.\d+)?)?([+-]\d\d:\d\d|Z| [A-Z]{3,5}\b| [+-]\d\d\b)?"
_DURATION = re.compile(r"\b\d+\.\d+ s\b")


def _masker(work: Path):
    """Masks the work directory, durations, and every time of the days the
    capture ran (the walkthrough's own times are in August and September
    2026; the machine's clock is what is left: store declarations, a
    generated file's modification time)."""
    from datetime import date, timedelta

    days = {date.today() + timedelta(days=d) for d in (-1, 0, 1)}
    wall = re.compile("(" + "|".join(d.isoformat() for d in days) + ")" + _STAMP)

    def mask(text: str) -> str:
        text = text.replace(str(work), "$WORK")
        return _DURATION.sub("N s", wall.sub("<wall clock>", text))

    return mask


def _run_walkthrough(work: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ENTSYNC_")}
    env.update(RENTREE_DIR=str(work), RENTREE_STUDENTS=STUDENTS)
    proc = subprocess.run(
        ["bash", str(ROOT / "scripts" / "rentree.sh")], cwd=ROOT, env=env, capture_output=True, text=True, timeout=1200
    )
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout[-3000:] + proc.stderr[-3000:])
        raise SystemExit(f"golden: the walkthrough failed (exit {proc.returncode})")


def _events(store: Path, mask) -> list[dict]:
    sys.path.insert(0, str(ROOT))
    from daemon import bootstrap  # noqa: E402 (the project, once on the path)

    ctx = bootstrap.build(f"sqlite:///{store}")
    try:
        out = []
        for n in ctx.log.notifications(0, 1_000_000):
            event = ctx.log.mapper.to_domain_event(n)
            state = {k: v for k, v in vars(event).items() if k not in _WALL_FIELDS}
            out.append(
                {
                    "topic": n.topic,
                    "originator": str(n.originator_id),
                    "version": n.originator_version,
                    "state": json.loads(mask(json.dumps(state, default=str, sort_keys=True))),
                }
            )
        return out
    finally:
        ctx.close()


def capture() -> dict:
    with tempfile.TemporaryDirectory(prefix="golden-") as tmp:
        work = Path(tmp) / "rentree"
        _run_walkthrough(work)
        mask = _masker(work)
        outputs = {p.name: mask(p.read_text(encoding="utf-8")) for p in sorted((work / "log").glob("*.txt"))}
        events = _events(work / "entsync.db", mask)
    return {"students": STUDENTS, "outputs": outputs, "events": events}


def _differences(old: dict, new: dict, limit: int = 20) -> list[str]:
    found = []
    for name in sorted(set(old["outputs"]) | set(new["outputs"])):
        a, b = old["outputs"].get(name), new["outputs"].get(name)
        if a != b:
            found.append(f"output {name}: " + ("missing" if b is None else "new" if a is None else "differs"))
    if len(old["events"]) != len(new["events"]):
        found.append(f"events: {len(old['events'])} recorded, {len(new['events'])} now")
    for i, (a, b) in enumerate(zip(old["events"], new["events"])):
        if a != b:
            keys = sorted(k for k in set(a["state"]) | set(b["state"]) if a["state"].get(k) != b["state"].get(k))
            found.append(f"event {i + 1} ({a['topic']} → {b['topic']}): differs in {', '.join(keys) or 'its header'}")
        if len(found) >= limit:
            break
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="the golden record of the rentrée walkthrough")
    parser.add_argument("action", choices=("write", "check"))
    parser.add_argument("path", type=Path)
    args = parser.parse_args(argv)
    record = capture()
    if args.action == "write":
        args.path.parent.mkdir(parents=True, exist_ok=True)
        with gzip.open(args.path, "wt", encoding="utf-8") as fh:
            json.dump(record, fh, ensure_ascii=False, sort_keys=True, indent=0)
        print(f"golden: {len(record['outputs'])} command outputs, {len(record['events'])} events → {args.path}")
        return 0
    with gzip.open(args.path, "rt", encoding="utf-8") as fh:
        old = json.load(fh)
    found = _differences(old, record)
    if found:
        print("golden: the behaviour changed:\n  " + "\n  ".join(found))
        return 1
    print(f"golden: same behaviour ({len(record['outputs'])} command outputs, {len(record['events'])} events)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
