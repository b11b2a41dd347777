"""`entsync tokens create|list|revoke`: the API's bearer tokens (issue 12).

The secret is printed once, at creation, on stdout and nowhere else: it is
neither logged nor kept (only its digest is)."""

from __future__ import annotations

import argparse

from daemon.bootstrap import Context
from daemon.cli.exits import EXIT_OK
from daemon.cli.parser import local_operator
from daemon.cli.render import Output
from events.access import SCOPED_ROLES, Role
from events.usecases import tokens


def add_arguments(sp: argparse.ArgumentParser) -> None:
    sp.add_argument("action", choices=["create", "list", "revoke"])
    sp.add_argument("name", nargs="?", help="create, revoke: the token's name (the author of what it records)")
    sp.add_argument("--role", choices=[r.value for r in Role], help="create: reader, etab-admin or operator")
    sp.add_argument("--uai", action="append", default=[], help="create: an establishment the token covers (repeatable)")
    sp.add_argument("--all", action="store_true", help="list: revoked tokens too")
    sp.add_argument("--operator", help="who creates or revokes (audited); default: the system user")


def run(args: argparse.Namespace, ctx: Context, ui: Output) -> int:
    operator = args.operator or local_operator()
    if args.action == "list":
        rows = [
            {
                "name": t.name,
                "role": t.role.value,
                "uais": sorted(t.uais) if t.role in SCOPED_ROLES else ["*"],
                "created_at": t.created_at.isoformat(),
                "revoked_at": t.revoked_at.isoformat() if t.revoked_at else None,
            }
            for t in ctx.tokens.listing(include_revoked=args.all)
        ]
        ui.show({"tokens": rows}, ui.table(rows, ["name", "role", "uais", "created_at", "revoked_at"]))
        return EXIT_OK
    if not args.name:
        raise ValueError(f"tokens {args.action} needs the token's name")
    if args.action == "revoke":
        tokens.revoke(tokens.RevokeToken(args.name, operator), ctx.tokens, ctx.access_audit, ctx.clock)
        ui.show({"revoked": args.name}, f"revoked: {args.name}")
        return EXIT_OK
    if not args.role:
        raise ValueError("tokens create needs --role (reader, etab-admin or operator)")
    created = tokens.create(
        tokens.CreateToken(args.name, Role(args.role), frozenset(args.uai), operator),
        ctx.tokens,
        ctx.access_audit,
        ctx.clock,
    )
    t = created.token
    ui.show(
        {"name": t.name, "role": t.role.value, "uais": sorted(t.uais), "token": created.secret},
        f"token {t.name} ({t.role.value}{': ' + ', '.join(sorted(t.uais)) if t.uais else ''}) created.\n"
        f"{created.secret}\n"
        "This is the only time it is shown: give it to its holder now (HTTP header "
        "'Authorization: Bearer <token>').",
    )
    return EXIT_OK
