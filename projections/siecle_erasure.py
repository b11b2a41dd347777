"""A SIECLE record read after its key was destroyed (issue 17), and the
erasure's rewrite of the live rows to what that replay gives.

A replay cannot read back the record exactly as the live fold saw it with
the values erased: a change (``changes{SIECLE}``: ``{"before", "after"}``)
is sealed whole and reads ``{}``, so whether a field was emptied or set is
gone. The rows of an erased record are therefore written in one form that
does not depend on it: every personal field the record has
(events/personal_fields.SIECLE) reads ``[effacé]``, the address ``{}``.
The fold (projections/siecle_folding.py) writes that form for every fact
whose values read erased; the live rows are rewritten to it when
``PersonErased`` names their stream (``person_erased``); both give the same
rows, which ``entsync verify`` compares."""

from __future__ import annotations

import json
from typing import Any

from events.personal import ERASED
from events.personal_fields import SIECLE
from projections.siecle_batch import Rows

ADDRESS = "address"


def erased(attrs: dict[str, Any]) -> dict[str, Any]:
    """The record's values with every personal field in its erased form."""
    return {k: ({} if k == ADDRESS else ERASED) if k in SIECLE else v for k, v in attrs.items()}


def read_erased(ev: Any) -> bool:
    """Whether this fact's personal values read erased (its key destroyed)."""
    attrs = getattr(ev, "attrs", None) or {}
    changes = getattr(ev, "changes", None) or {}
    return any(attrs.get(k) == ERASED for k in SIECLE) or any(changes.get(k) == {} for k in SIECLE)


def seen(ev: Any, attrs: dict[str, Any]) -> dict[str, Any]:
    """``attrs`` as the fold keeps them after ``ev``."""
    return erased(attrs) if read_erased(ev) else attrs


def person_erased(r: Rows, ev: Any) -> None:
    # Imported here: siecle_folding imports this module for ``seen``.
    from projections.siecle_folding import _dumps, _student_columns

    for subject in sorted(set(ev.subjects)):
        student = r.get("siecle_students", (subject,))
        if student is not None:
            _student_columns(student, erased(json.loads(student["attrs"])))
            r.put("siecle_students", student)
        guardian = r.get("siecle_guardians", (subject,))
        if guardian is not None:
            attrs = erased(json.loads(guardian["attrs"]))
            guardian.update(
                family_name=attrs.get("family_name", ""), given_name=attrs.get("given_name", ""), attrs=_dumps(attrs)
            )
            r.put("siecle_guardians", guardian)
