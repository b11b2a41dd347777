"""``entsync person export KEY [--out FILE] [--lang fr|en]`` (issue 17, the
RGPD right of access): everything the store holds on one person as one
JSON document with its readable summary (daemon/history/person.py). On
standard output, or in ``--out FILE``, created readable by its owner only
(mode 0600, whatever the umask) since it holds the person's data; the
command then says where, and never a value of the person's."""

from __future__ import annotations

import argparse
import json
import os
from argparse import Namespace
from typing import Any

from daemon.cli.directory_commands import needs_key
from daemon.cli.exits import EXIT_OK
from daemon.cli.render import Output, json_value
from daemon.history.build import caught_up
from daemon.history.person import person_export
from events.anomaly_kinds import LANGS


def add_arguments(sp: argparse.ArgumentParser) -> None:
    from daemon.cli.parser import time_argument

    sp.add_argument("action", choices=["export"])
    sp.add_argument("key", metavar="KEY", help="jointure, login, account id, or siecle:UAI:eleve|responsable:ID")
    sp.add_argument("--out", metavar="FILE", help="write the document to FILE (mode 0600) instead of stdout")
    sp.add_argument("--lang", choices=LANGS, default="fr", help="language of the summary (default fr)")
    sp.add_argument("--now", type=time_argument, help="judge the due dates at this time (default: the clock)")


def run(args: Namespace, ctx: Any, ui: Output) -> int:
    needs_key(args.key)
    caught_up(ctx)
    doc = person_export(ctx, args.key, args.now or ctx.judged_now(), args.lang)
    if doc is None:
        raise LookupError("no person with this key (jointure, login, account id or siecle:UAI:eleve|responsable:ID)")
    if args.out is None:
        ui.out.write(_text(doc))
        return EXIT_OK
    fd = os.open(args.out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # an existing file keeps its mode otherwise
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(_text(doc))
    done = {"out": args.out, "facts": len(doc["history"]), "subject": doc["subject"]}
    ui.show(done, f"written to {args.out} (mode 0600): {done['facts']} facts")
    return EXIT_OK


def _text(doc: dict[str, Any]) -> str:
    return json.dumps(doc, ensure_ascii=False, indent=2, default=json_value) + "\n"
