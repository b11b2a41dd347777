"""Stores compared with each other (a crash resumed against a run never
interrupted, a restored store against one never restored…): their stored
events are compared as facts, sealed fields opened — two stores seal the
same facts under different keys and nonces (events/sealing.py) — and
without the times that are the storage's, not the facts'."""

from __future__ import annotations

import json
from typing import Any

from daemon import bootstrap
from events.policy import Policy
from projections.schema import dump

# Wall-clock times of storage: when an event was saved, when the store was declared.
WALL_TIMES = ("timestamp", "declared_at")


def opened_state(log: Any, note: Any) -> dict[str, Any]:
    """``note``'s stored state as JSON, its sealed fields opened with ``log``'s keys."""
    state = json.loads(note.state)
    sealer = getattr(log.mapper, "sealer", None)
    if sealer is not None:
        sealer.open(state)
    return state


def stored_facts(log: Any) -> list[tuple[str, str, int, dict[str, Any]]]:
    """Every stored event: topic, stream, version and opened state without wall times."""
    facts = []
    for note in log.notifications(0, 1_000_000):
        state = opened_state(log, note)
        for name in WALL_TIMES:
            state.pop(name, None)
        facts.append((note.topic, str(note.originator_id), note.originator_version, state))
    return facts


def snapshot(ctx: Any) -> tuple[list, dict]:
    """The stored facts and every read-model row, the read model caught up first."""
    facts = stored_facts(ctx.log)
    ctx.projection.catch_up(ctx.log)
    return facts, dump(ctx.db)


def store_snapshot(url: str) -> tuple[list, dict]:
    """``snapshot`` of the store at ``url``, opened for it and closed."""
    ctx = bootstrap.build(url, Policy())
    try:
        return snapshot(ctx)
    finally:
        ctx.close()


def rebuild_differences(ctx: Any, prefix: str = "rebuilt_") -> dict[str, Any]:
    """The three read models (directory, timetable imports, SIECLE) rebuilt
    from the log under ``prefix``, compared with the live ones as ``entsync
    verify`` does: the tables whose rows differ, with the live rows ({} when
    every table is equal)."""
    from projections import imports_schema
    from projections.directory import DirectoryProjection
    from projections.imports import ImportsProjection
    from projections.siecle import SiecleProjection

    models = (
        (DirectoryProjection, dump),
        (ImportsProjection, imports_schema.dump),
        (SiecleProjection, lambda db, p: SiecleProjection(db, p).dump()),
    )
    differences: dict[str, Any] = {}
    for build, dumper in models:
        build(ctx.db, prefix).catch_up(ctx.log)
        live, fresh = dumper(ctx.db, ""), dumper(ctx.db, prefix)
        differences.update({t: r for t, r in live.items() if r != fresh[t]})
    return differences
