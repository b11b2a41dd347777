"""How a value becomes a label: the label cardinality is bounded by
construction. ``source`` and ``outcome`` come from closed sets
(metric_defs.py), ``reason`` and ``profile`` must look like the codes the code
base emits, and ``uai`` is kept only for establishments the directory read
model knows (else ``unknown``; ``none`` for a delivery of no single
establishment, such as an académie-wide AAF delivery). No person id, login or
name ever becomes a label."""

from __future__ import annotations

import re
from typing import Any

from daemon.observability.metric_defs import HARMLESS_REASONS, OTHER, OUTCOMES, SOURCE_ALIASES, SOURCES
from projections.gauge_queries import structure_uais

CODE = re.compile(r"[a-z][a-z0-9_]{0,63}")
PROFILE = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,39}")
UAI = re.compile(r"[0-9]{7}[A-Z]")


def source_label(source: str) -> str:
    source = SOURCE_ALIASES.get(source, source)
    return source if source in SOURCES else OTHER


def outcome_label(outcome: str) -> str:
    if outcome.startswith("already-"):
        return "duplicate"
    return outcome if outcome in OUTCOMES else OTHER


def reason_label(reason: str | None) -> str:
    if not reason:
        return "none"
    return reason if CODE.fullmatch(reason) else OTHER


def profile_label(profile: str | None) -> str:
    return profile if profile and PROFILE.fullmatch(profile) else OTHER


def needs_action(reason: str) -> bool:
    """Whether a rejection with this reason needs an operator."""
    return reason not in HARMLESS_REASONS


def outcome_of(result: Any) -> str:
    """The outcome label of an import's answer (events/usecases/result.py)."""
    status = str(result.status)
    if status == "applied" and getattr(result, "rejections", None):
        return "applied_with_rejections"
    return outcome_label(status)


def known_uais(db: Any) -> frozenset[str]:
    """The establishments the directory read model knows: the UAIs that keep their label."""
    return frozenset(u for u in structure_uais(db) if u and UAI.fullmatch(u))
