"""How ``entsync`` shows what an import answered (events/usecases/result.py):
its ``as_dict`` with ``--json``, else a few lines for the operator, and its
exit code. The lines differ by source as they always have: an AAF delivery
shows every count and where to see its rejected records, a SIECLE import
its establishment, kind and the fields it set aside, a timetable import its
file."""

from __future__ import annotations

from collections.abc import Callable

from adapters.errors import describe_all
from daemon.cli.render import Output
from events.usecases.result import Intake, Result

SET_ASIDE_SHOWN = 20


def show(result: Result, ui: Output) -> int:
    """Print ``result`` and answer its exit code."""
    ui.show(result.as_dict(), "\n".join(LINES[result.intake](result)))
    return result.exit_code


def _headline(name: str, result: Result) -> str:
    return f"{name}: {result.status}" + (f" ({result.reason})" if result.reason else "")


def _aaf(result: Result) -> list[str]:
    lines = [_headline(f"delivery {result.delivery_id}", result)]
    if result.message:
        lines.append(result.message)
    if result.counts:
        lines.append(", ".join(f"{k} {v}" for k, v in sorted(result.counts.items())))
    return lines + describe_all(result.rejections, more=f": entsync deliveries show {result.delivery_id}")


def _siecle(result: Result) -> list[str]:
    lines = [
        _headline(f"SIECLE import {result.import_id}", result)
        + (f" — {result.uai} {result.kind}" if result.uai else "")
    ]
    if result.message:
        lines.append(result.message)
    if result.counts:  # in the use case's order: a hold's counts read as a sentence
        lines.append(", ".join(f"{k} {v}" for k, v in result.counts.items() if v) or "no change")
    lines += describe_all(result.rejections)
    lines += ["set aside: " + a.describe() for a in result.set_aside[:SET_ASIDE_SHOWN]]
    if len(result.set_aside) > SET_ASIDE_SHOWN:
        lines.append(f"… {len(result.set_aside) - SET_ASIDE_SHOWN} more fields set aside: entsync anomalies")
    return lines


def _timetable(result: Result) -> list[str]:
    lines = [
        _headline(f"import {result.import_id}", result)
        + (f" — {result.uai} {result.file}" if result.uai else f" — {result.file}")
    ]
    if result.message:
        lines.append(result.message)
    if result.counts:
        lines.append(", ".join(f"{k} {v}" for k, v in sorted(result.counts.items()) if v) or "no change")
    return lines


LINES: dict[Intake, Callable[[Result], list[str]]] = {"aaf": _aaf, "siecle": _siecle, "timetable": _timetable}
