"""The golden record of the rentrée walkthrough (issue 11: behaviour must not
change while the code moves). Runs ``scripts/rentree.sh`` into a temporary
directory, then writes one JSON document: every command's output, and every
stored event in log order (topic, originator, version and state), with what
differs from one run to the next masked (storage timestamps, the wall-clock
times a store records, random ids, the work directory's path).

    python scripts/golden.py write golden/rentree.json.gz   # capture
    python scripts/golden.py check golden/rentree.json.gz   # compare a fresh run; exit 1 on a difference

With ``--api golden/api.json.gz``, the HTTP API's answers on the store the
walkthrough leaves are captured or compared too (issue 12;
tests/e2e/api_capture.py says which requests and how they are compared).

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
# The pepper of the walkthrough's store (_seeded): the same at every capture.
PEPPER = b"entsync golden record: the walkthrough's pepper"
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


def _seeded(store: Path) -> Path:
    """The walkthrough's store, its key ring created first with the record's
    pepper: digests and login streams are keyed hashes (events/personal.keyed)
    with a store's secret, random for every other store."""
    sys.path.insert(0, str(ROOT))
    from projections.db import Database  # noqa: E402 (the project, once on the path)
    from projections.keyring import create_table  # noqa: E402

    store.parent.mkdir(parents=True, exist_ok=True)
    db = Database(f"sqlite:///{store}")
    try:
        create_table(db, PEPPER)
    finally:
        db.close()
    return store


def _run_walkthrough(work: Path, store: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ENTSYNC_")}
    env.update(RENTREE_DIR=str(work), RENTREE_STUDENTS=STUDENTS, RENTREE_STORE=f"sqlite:///{store}")
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


def capture(api: list | None = None) -> dict:
    """The record of a fresh walkthrough; with ``api``, the requests to ask
    of the HTTP API on its store (``[]``: every request of api_capture)."""
    with tempfile.TemporaryDirectory(prefix="golden-") as tmp:
        work = Path(tmp) / "rentree"
        store = _seeded(Path(tmp) / "store" / "entsync.db")
        _run_walkthrough(work, store)
        mask = _masker(work)
        outputs = {p.name: mask(p.read_text(encoding="utf-8")) for p in sorted((work / "log").glob("*.txt"))}
        events = _events(store, mask)
        record = {"students": STUDENTS, "outputs": outputs, "events": events}
        if api is not None:
            from tests.e2e import api_capture  # noqa: E402 (the project, once on the path)

            requests = [tuple(r) for r in api] or api_capture.requests_for(store)
            answers = api_capture.answers(store, requests)
            record["api"] = {"students": STUDENTS, "requests": requests, "answers": api_capture.mask(answers, work)}
    return record


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
    parser.add_argument("--api", type=Path, help="the HTTP API's answers on the walkthrough's store, too")
    args = parser.parse_args(argv)
    old_api = _read(args.api) if args.api and args.action == "check" else None
    record = capture(None if args.api is None else old_api["requests"] if old_api else [])
    api = record.pop("api", None)
    if args.action == "write":
        _write(args.path, record, sort_keys=True)
        print(f"golden: {len(record['outputs'])} command outputs, {len(record['events'])} events → {args.path}")
        if api is not None:
            _write(args.api, api, sort_keys=False)  # an answer's key order is part of it
            print(f"golden: {len(api['requests'])} API requests, {_count(api)} answers → {args.api}")
        return 0
    found = _differences(_read(args.path), record)
    if api is not None:
        from tests.e2e import api_capture  # noqa: E402

        found += api_capture.differences(old_api["answers"], api["answers"])
    if found:
        print("golden: the behaviour changed:\n  " + "\n  ".join(found))
        return 1
    answered = f", {_count(api)} API answers" if api is not None else ""
    print(
        f"golden: same behaviour ({len(record['outputs'])} command outputs, {len(record['events'])} events{answered})"
    )
    return 0


def _count(api: dict) -> int:
    return sum(len(a) for a in api["answers"].values())


def _read(path: Path) -> dict:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return json.load(fh)


def _write(path: Path, record: dict, sort_keys: bool) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        json.dump(record, fh, ensure_ascii=False, sort_keys=sort_keys, indent=0)


if __name__ == "__main__":
    sys.exit(main())
