"""``entsync ingest PATH --dry-run``: what the file would change, shown as
counts and then a few lines per kind of change, every fact in ``--json``
(daemon/preview.py builds it on the store's in-memory twin; the store is
only read)."""

from __future__ import annotations

import sys
from argparse import Namespace
from dataclasses import replace
from typing import Any

from adapters.sniff import kind_of
from daemon.cli import results
from daemon.cli.exits import EXIT_OK, EXIT_REJECTED
from daemon.cli.render import Output
from daemon.config import Settings
from daemon.preview import LISTED, Preview, preview
from events.usecases.formats import NotImportable

SHOWN = 20  # lines per section; --json has them all
# What a line shows of a fact, in this order: keys, never names or birth dates.
_COLUMNS = ("event", "jointure", "login", "eleve_id", "personne_id", "id", "uai", "reason", "file", "line", "fields")


def preview_command(args: Namespace, settings: Settings, ui: Output) -> int:
    progress = ui.progress if args.progress or sys.stderr.isatty() else None
    found = preview(
        settings.store,
        args.path,
        kind_of(args.path),
        settings.policy,
        args.now,
        force_time=bool(args.force),
        progress=progress,
    )
    if isinstance(found.result, NotImportable):
        # The same answer as the real ingest: nothing it would import.
        ui.show(found.result.as_dict(), found.result.line())
        return EXIT_REJECTED
    ui.show(found.as_dict(), "\n".join(lines(found, ui)))
    return EXIT_OK  # the preview ran, whatever the file would meet


def lines(found: Preview, ui: Output) -> list[str]:
    result = found.result
    assert not isinstance(result, NotImportable)
    out = [f"preview, nothing recorded: {_verdict(result.status, result.reason, result.message)}"]
    # A hold's message is told in the verdict, without its commands.
    told = replace(result, message="") if result.status == "held" else result
    out += ["  " + line for line in results.LINES[result.intake](told)]
    out.append(
        ", ".join(f"{s} {len(found.sections[s])}" for s in LISTED)
        + f", rejected records {len(result.rejections)}, fields set aside {len(result.set_aside)}"
        + f" ({found.facts} facts would be recorded)"
    )
    for section in LISTED:
        rows = found.sections[section]
        if rows:
            out.append(f"\n{section}:")
            out.append(ui.table([_row(r) for r in rows[:SHOWN]], _columns(rows[:SHOWN]), indent=2))
            if len(rows) > SHOWN:
                out.append(f"  … {len(rows) - SHOWN} more: --json lists them all")
    if found.brake:
        out.append("\nbrakes (per structure and population; expected leavers are not counted):")
        out.append(
            ui.table(
                found.brake["brake"],
                ("uai", "population", "departing", "expected", "counted", "accounts", "share", "minimum", "held"),
                indent=2,
            )
        )
        departing = found.brake["departures"]
        out.append(f"\nwho would depart ({len(departing)}):")
        out.append(
            ui.table(
                departing[:SHOWN], ("jointure", "login", "profile", "state", "uais", "reason", "expected"), indent=2
            )
        )
        if len(departing) > SHOWN:
            out.append(f"  … {len(departing) - SHOWN} more: --json lists them all")
    if found.other:
        out.append("\nother facts: " + ", ".join(f"{k} {v}" for k, v in sorted(found.other.items())))
    return out


def _verdict(status: str, reason: str, message: str) -> str:
    if status == "held":
        brake = "mass-departure brake" if reason == "mass_departure" else f"{reason or 'a'} hold"
        # Without the commands that would decide on the held file: it is not in the store.
        told = message.split("; see who would depart")[0].split(". `entsync")[0].removeprefix("held: ")
        return f"would be held by the {brake}: {told}"
    if status.startswith("already-"):
        return f"already seen: {status[len('already-') :]}, nothing to do"
    return {
        "applied": "would be applied",
        "rejected": "would be rejected" + (f" ({reason})" if reason else ""),
        "waiting": "would wait" + (f" ({reason})" if reason else ""),
        "awaiting_validation": "would await validation" + (f" ({reason})" if reason else ""),
    }.get(status, f"would be {status}")


def _row(entry: dict[str, Any]) -> dict[str, Any]:
    return {k: ", ".join(v) if isinstance(v, list) else v for k, v in entry.items()}


def _columns(rows: list[dict[str, Any]]) -> tuple[str, ...]:
    return tuple(c for c in _COLUMNS if any(c in r for r in rows))
