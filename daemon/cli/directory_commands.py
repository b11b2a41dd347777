"""What the directory read model holds, as an operator asks for it:
``entsync accounts``, ``account``, ``structures``,
``classes`` (each ``--as-of`` a past time; ``history``, ``state`` and
``diff`` are in daemon/cli/history_commands.py), and
``entsync group-source``, where an establishment's groups get their members."""

from __future__ import annotations

from argparse import Namespace
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from daemon import bootstrap
from daemon.bootstrap import Context
from daemon.cli.exits import EXIT_OK, CommandFailed
from daemon.cli.render import Output
from events.usecases.group_source import choose_group_source
from projections import account_queries, structure_queries
from projections.db import Database
from projections.directory import DirectoryProjection


@contextmanager
def read_db(ctx: bootstrap.Context, as_of: datetime | None) -> Iterator[Database]:
    """The live read model, or one rebuilt in memory up to ``--as-of``."""
    if as_of is None:
        ctx.projection.catch_up(ctx.log)
        yield ctx.db
        return
    mem = Database("sqlite:///:memory:")
    DirectoryProjection(mem).catch_up(ctx.log, until=as_of)
    try:
        yield mem
    finally:
        mem.close()


def accounts(args: Namespace, ctx: Context, ui: Output) -> int:
    with read_db(ctx, args.as_of) as db:
        rows = account_queries.accounts(
            db,
            uai=args.uai,
            state=args.state,
            profile=args.profile,
            now=args.as_of or ctx.judged_now(),
            grace=ctx.policy.overdue_grace,
            limit=args.limit,
            notice_days=ctx.policy.removal_notice_days,
            tz=ctx.policy.timezone,
            policy=ctx.policy,
        )
    columns: tuple[str, ...] = (
        "jointure", "profile", "state", "login", "creation_due", "removal_due", "removal_basis", "anomalies",
    )  # fmt: skip
    shown = rows
    if any("attachments" in r for r in rows):  # an admin's attachments (issue 13), only when there are
        shown = [{**r, "attached": ", ".join(a["uai"] for a in r.get("attachments", []))} for r in shown]
        columns += ("attached",)
    if any("merged_from" in r for r in rows):  # the accounts a survivor absorbed (issue 14), only when there are
        shown = [{**r, "merged_from": ", ".join(r.get("merged_from", []))} for r in shown]
        columns += ("merged_from",)
    ui.show(rows, ui.table(shown, columns))
    return EXIT_OK


def account(args: Namespace, ctx: Context, ui: Output) -> int:
    needs_key(args.key)
    with read_db(ctx, args.as_of) as db:
        row = account_queries.account_detail(
            db,
            args.key,
            now=args.as_of or ctx.judged_now(),
            grace=ctx.policy.overdue_grace,
            notice_days=ctx.policy.removal_notice_days,
            tz=ctx.policy.timezone,
            policy=ctx.policy,
        )
    if row is None:
        raise LookupError(f"no account with id or login {args.key!r}")
    ui.show(row, ui.record(row, skip=("attributes",)))
    return EXIT_OK


def structures(args: Namespace, ctx: Context, ui: Output) -> int:
    with read_db(ctx, args.as_of) as db:
        rows = structure_queries.structures(db)
    ui.show(rows, ui.table(rows, ("uai", "jointure", "type", "name", "accounts", "group_source", "present")))
    return EXIT_OK


def group_source(args: Namespace, ctx: Context, ui: Output) -> int:
    """Show or record where an establishment's groups get their members (domain-rules §2)."""
    ctx.projection.catch_up(ctx.log)
    if not structure_queries.structure_known(ctx.db, args.uai):
        raise CommandFailed(
            f"{args.uai}: no such establishment in the directory", data={"error": "unknown_uai", "uai": args.uai}
        )
    if args.source:
        choose_group_source(args.uai, args.source, args.operator, ctx, args.now)
        ctx.projection.catch_up(ctx.log)
    source = structure_queries.group_source(ctx.db, args.uai)
    ui.show({"uai": args.uai, "group_source": source}, f"{args.uai}: groups populated from {source}")
    return EXIT_OK


def classes(args: Namespace, ctx: Context, ui: Output) -> int:
    with read_db(ctx, args.as_of) as db:
        rows = structure_queries.classes(db, args.uai, members=args.members)
    if not rows:
        raise LookupError(f"no establishment with UAI {args.uai!r}")
    free = any(r["kind"] == "free" for r in rows)  # free groups (issue 13) have a name
    text = ui.table(rows, ("kind", "code", "declared", "students", "teachers", *(("name",) if free else ())))
    if args.members:
        text += "".join(
            f"\n\n{r['kind']} {r['code']}\n" + ui.table(r["members"], _member_columns(r["members"])) for r in rows
        )
    ui.show(rows, text)
    return EXIT_OK


def _member_columns(members: list[dict[str, object]]) -> tuple[str, ...]:
    """A source column where members were assigned by hand (issue 13)."""
    columns = ("jointure", "profile", "login", "state")
    return (*columns, "source") if any("source" in m for m in members) else columns


def needs_key(key: str) -> None:
    # An empty key would match the accounts that have no login yet.
    if not key.strip():
        raise ValueError("give an account's id (jointure) or login")


def shown_values(ui: Output, values: object) -> str:
    """An attribute's values before or after a change; none as ``(none)``
    (a ``-`` would read as part of the arrow)."""
    return "(none)" if values in (None, [], "") else ui.value(values)
