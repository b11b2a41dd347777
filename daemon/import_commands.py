"""The ``entsync imports`` commands and ``entsync ingest`` of an STS-web or
timetable file (domain-rules §7): what daemon/commands.py dispatches to.
Output in English; the report (bilan) in the establishments' French."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from daemon import imports
from projections import import_queries as q
from projections.timetable import report_text

EXIT_OK, EXIT_ERROR = 0, 1
KINDS = imports.KINDS
TITLES = {"awaiting_validation": "Bilan préliminaire d'import des données d'emploi du temps (à valider)",
          "rejected": "Bilan de l'import rejeté (rien n'a été appliqué)"}
TITLE = "Bilan de l'import des données d'emploi du temps"


def _when(iso: str | None, tz: str) -> str:
    if not iso:
        return ""
    return datetime.fromisoformat(iso).astimezone(ZoneInfo(tz)).strftime("%d/%m/%Y à %H:%M")


def _result(result: imports.ImportResult, args, out) -> int:
    lines = [f"import {result.import_id}: {result.status}" + (f" ({result.reason})" if result.reason else "")
             + (f" — {result.uai} {result.file}" if result.uai else f" — {result.file}")]
    if result.message:
        lines.append(result.message)
    if result.counts:
        lines.append(", ".join(f"{k} {v}" for k, v in sorted(result.counts.items()) if v) or "no change")
    out(result.as_dict(), args.json, "\n".join(lines))
    return result.exit_code


def ingest(args, ctx, out, table) -> int:
    """``entsync ingest PATH`` for an STS-web or timetable export."""
    return _result(imports.receive(args.path, ctx, args.now), args, out)


def run(args, ctx, out, table, progress) -> int:
    if args.action == "list":
        ctx.imports.catch_up(ctx.log)
        rows = q.history(ctx.db, args.uai)
        for r in rows:
            r["date"] = _when(r["received_at"], ctx.policy.timezone)
            r["auto"] = "Oui" if r["automatic"] else "Non"
        out(rows, args.json, table(rows, ("date", "label", "auto", "uai", "file", "import_id")))
        return EXIT_OK
    if not args.id:
        raise ValueError(f"imports {args.action} needs an import id (entsync imports lists them)")
    if args.action == "validate":
        return _result(imports.validate(args.id, args.operator, ctx, args.now), args, out)
    if args.action == "retry":
        return _result(imports.retry(args.id, args.lift, args.operator, ctx, args.now), args, out)
    return _show(args, ctx, out, table)


def _show(args, ctx, out, table) -> int:
    ctx.imports.catch_up(ctx.log)
    found = q.find(ctx.db, args.id)
    row = q.detail(ctx.db, found) if found else None
    if row is None:
        raise LookupError(f"no timetable import {args.id!r}")
    tz = ctx.policy.timezone
    lines = [f"import {row['import_id']}",
             f"establishment: {row['uai'] or '(unknown)'}   source: {row['source']}   file: {row['file']}",
             f"school year: {row['school_year'] or '?'}   received: {_when(row['received_at'], tz)}"
             f"   finished: {_when(row['finished_at'], tz)}",
             f"status: {row['status']}" + (f" ({row['reason']})" if row["reason"] else "")
             + f" — {row['label']}   automatic: {'yes' if row['automatic'] else 'no'}"
             + (f"   operator: {row['operator']}" if row["operator"] else "")
             + (f"   lifted: {', '.join(row['lifted'])}" if row["lifted"] else "")]
    if row["message"]:
        lines.append(row["message"])
    if row["report"]:
        lines += ["", report_text(TITLES.get(row["status"], TITLE), dict(row["report"]))]
    if row["record_rejections"]:
        lines += ["", f"records set aside by the reader: {len(row['record_rejections'])}"]
        lines += [f"  {r['file']}:{r['line']} record {r['record_id']} field {r['field']}: {r['reason']}: {r['message']}"
                  for r in row["record_rejections"][:50]]
    unmatched = [m for m in row["matches"] if not m["key"]]
    matched = [m for m in row["matches"] if m["key"]]
    if row["matches"]:
        lines += ["", f"matches: {len(matched)} matched, {len(unmatched)} not matched"]
        if unmatched:
            lines += ["", "not matched (listed, never guessed):", table(unmatched, ("kind", "ident", "code", "reason", "line"))]
        if matched:
            lines += ["", "matched:", table(matched, ("kind", "ident", "code", "key", "by"))]
    out(row, args.json, "\n".join(lines))
    return EXIT_OK

