"""``entsync ingest`` of a SIECLE export and the ``entsync siecle`` commands
(imports history, links not resolved to an account): what daemon/commands.py
dispatches to. Output names SIECLE keys, never names or birth dates."""
from __future__ import annotations

from adapters.errors import describe_all
from daemon.siecle import SiecleResult, ingest_siecle
from projections import siecle as view

EXIT_OK = 0
KINDS = ("siecle-eleves", "siecle-responsables")


def ingest(args, ctx, out, table) -> int:
    """``entsync ingest PATH`` for a BEE_ELEVES or BEE_RESPONSABLES export."""
    result: SiecleResult = ingest_siecle(args.path, ctx, args.now)
    data = {"import_id": result.import_id, "status": result.status, "reason": result.reason,
            "message": result.message, "uai": result.uai, "kind": result.kind, "counts": result.counts,
            "rejections": [r.__dict__ for r in result.rejections]}
    lines = [f"SIECLE import {result.import_id}: {result.status}" + (f" ({result.reason})" if result.reason else "")
             + (f" — {result.uai} {result.kind}" if result.uai else "")]
    if result.message:
        lines.append(result.message)
    if result.counts:
        lines.append(", ".join(f"{k} {v}" for k, v in result.counts.items() if v) or "no change")
    lines += describe_all(result.rejections)
    out(data, args.json, "\n".join(lines))
    return result.exit_code


def run(args, ctx, out, table, progress) -> int:
    """``entsync siecle imports|unresolved [--uai UAI]``."""
    ctx.siecle.catch_up(ctx.log)
    if args.action == "imports":
        rows = view.imports(ctx.db, args.uai)
        out(rows, args.json, table(rows, ("received_at", "status", "reason", "uai", "kind", "file", "exported_on",
                                          "rejected_records", "import_id")))
    else:
        rows = view.unresolved(ctx.db, args.uai)
        out(rows, args.json, table(rows, ("uai", "kind", "key", "reason", "rule", "at")))
    return EXIT_OK
