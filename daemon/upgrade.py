"""Upgrading a store built by an earlier release (domain-rules §12: a rule
change corrects existing stores; CHANGELOG.md says what each upgrade changes).

The read model of a store is derived from its log by rules that a release may
change (events/upgrade.py RULES). An upgrade rebuilds it under a prefix with
this release's rules, compares, records what changed as facts
(``Account.Reclassified`` per person, ``Upgrade.Recorded`` for the whole),
then rebuilds the live read model from the log, so that `entsync verify` is
equal afterwards and `entsync history` explains every correction.

What the log does not hold cannot be corrected from it: records an earlier
release rejected for a rule that changed (a VE1301 student "without INE", a
structure whose code fails the check letter, a modifyRequest for an unknown
record). The upgrade lists the applied deliveries that hold such records;
ingesting one of them again reads it once more (a *re-read*,
events/usecases/aaf_ingest.py): only the records the directory does not hold
are applied, and nothing departs (its departures were decided when it was
first applied).

An upgrade never moves the store's clock: its facts carry the last recorded
effective time.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field

from daemon.bootstrap import Context, release
from daemon.observability.logs import event
from events.account import Account
from events.store import STORE_ID
from events.upgrade import RULES, Upgrade, upgrade_id
from projections.directory import DirectoryProjection
from projections.schema import drop
from projections.served import unserved_staff

log = logging.getLogger("entsync.upgrade")

# Rejection reasons that an earlier release applied and this one judges
# otherwise: the deliveries holding such records are read again.
CHANGED_REASONS = {
    "missing_ine": "a VE1301 student has no INE by format (the INE rule applies to VE1803 and later)",
    "invalid_uai": "a structure whose code fails the check letter is kept as a structure without students",
    "unknown_record": "a delta's modifyRequest for an unknown record is an arrival",
}
# The rule behind each corrected column.
RULE_OF_FIELD = {"profile": "teacher_profile", "function": "national_function"}
PREFIX = "upgrade_"


@dataclass
class UpgradeReport:
    needed: bool
    previous_rules: int
    rules: int = RULES
    dry_run: bool = False
    corrections: list[dict] = field(default_factory=list)  # account_id, jointure, field, before, after
    reread: list[dict] = field(default_factory=list)  # delivery_id, source, reasons
    kept: list[dict] = field(default_factory=list)  # accounts created by an earlier rule, kept and listed

    def as_dict(self) -> dict:
        return asdict(self)

    def summary(self) -> str:
        if not self.needed:
            return f"the store is up to date (rules {self.rules})"
        verb = "would be" if self.dry_run else "was"
        return (
            f"store {verb} upgraded from rules {self.previous_rules} to {self.rules}: "
            f"{len(self.corrections)} correction(s), {len(self.reread)} delivery(ies) to ingest again, "
            f"{len(self.kept)} account(s) kept and listed"
        )


# The rules generation of the releases that declared stores before they
# recorded it (events/store.py Store.Declared carries the release).
RULES_OF_RELEASE = {"0.1.0": 1}


def store_rules(ctx: Context) -> int:
    """The rules generation that wrote the store's facts and its read model:
    the older of the declaring release's and the read model's."""
    store = ctx.log.find(STORE_ID)
    declared = RULES_OF_RELEASE.get(store.release, RULES) if store is not None else RULES
    return min(declared, ctx.projection.rules() or RULES)


def needed(ctx: Context) -> bool:
    """Whether the store was built by rules older than this release's and not upgraded yet."""
    if not ctx.log.max_position() or ctx.log.find(upgrade_id(RULES)) is not None:
        return False
    ctx.projection.catch_up(ctx.log)
    return store_rules(ctx) < RULES


def upgrade(ctx: Context, dry_run: bool = False) -> UpgradeReport:
    if not needed(ctx):
        return UpgradeReport(needed=False, previous_rules=RULES, dry_run=dry_run)
    previous = store_rules(ctx)
    report = UpgradeReport(needed=True, previous_rules=previous, dry_run=dry_run)
    drop(ctx.db, PREFIX)
    try:
        DirectoryProjection(ctx.db, PREFIX).catch_up(ctx.log)
        report.corrections = _corrections(ctx)
    finally:
        drop(ctx.db, PREFIX)
    report.reread = _rereads(ctx)
    if dry_run:
        report.kept = _kept(ctx)
        return report
    at = ctx.log.last_effective_time() or ctx.clock.now()
    accounts = []
    for c in report.corrections:
        account = ctx.log.get(Account.create_id(jointure=c["jointure"]))
        account.reclassify(c["field"], c["before"], c["after"], RULE_OF_FIELD[c["field"]], release(), at)
        accounts.append((account,))
    ctx.log.save_in_batches(accounts, 1000)
    counts: dict[str, int] = {}
    for c in report.corrections:
        counts[c["field"]] = counts.get(c["field"], 0) + 1
    ctx.log.save(
        Upgrade(
            rules=RULES,
            previous_rules=previous,
            release=release(),
            corrections=counts,
            reread=report.reread,
            at=at,
            upgraded_at=ctx.clock.now(),
        )
    )
    # The live read model becomes what a fresh build by this release holds.
    ctx.projection.reset()
    ctx.projection.catch_up(ctx.log)
    report.kept = _kept(ctx)
    event(
        log,
        "store.upgraded",
        previous_rules=previous,
        rules=RULES,
        corrections=len(report.corrections),
        reread=len(report.reread),
        kept=len(report.kept),
    )
    return report


def ensure(ctx: Context, say) -> UpgradeReport | None:
    """Upgrade first when the store needs it (commands that write, the
    service at start); ``say`` hears one line."""
    if not needed(ctx) or ctx.dry_run:
        return None
    report = upgrade(ctx)
    say(report.summary() + "; see `entsync store upgrade --dry-run` on a copy, `entsync history`, CHANGELOG.md")
    return report


def _corrections(ctx: Context) -> list[dict]:
    live = {
        aid: (j, p, f) for aid, j, p, f in ctx.db.query("SELECT account_id, jointure, profile, function FROM accounts")
    }
    out = []
    for aid, jointure, profile, function in ctx.db.query(
        f"SELECT account_id, jointure, profile, function FROM {PREFIX}accounts ORDER BY jointure"
    ):
        before = live.get(aid)
        if before is None:
            continue
        for name, old, new in (("profile", before[1], profile), ("function", before[2], function)):
            if old != new:
                out.append({"account_id": aid, "jointure": jointure, "field": name, "before": old, "after": new})
    return out


def _rereads(ctx: Context) -> list[dict]:
    reasons = sorted(CHANGED_REASONS)
    marks = ",".join("?" * len(reasons))
    by_delivery: dict[str, dict] = {}
    for did, source, reason, n in ctx.db.query(
        f"SELECT d.delivery_id, d.source, r.reason, COUNT(*) FROM rejections r JOIN deliveries d "
        f"ON d.delivery_id = r.delivery_id WHERE d.status = 'applied' AND r.reason IN ({marks}) "
        f"GROUP BY d.delivery_id, d.source, r.reason ORDER BY d.delivery_id, r.reason",
        reasons,
    ):
        entry = by_delivery.setdefault(did, {"delivery_id": did, "source": source, "reasons": {}})
        entry["reasons"][reason] = int(n)
    order = dict(ctx.db.query("SELECT delivery_id, received_at FROM deliveries"))
    return sorted(by_delivery.values(), key=lambda e: (order.get(e["delivery_id"], ""), e["delivery_id"]))


def _kept(ctx: Context) -> list[dict]:
    """Teachers an earlier release created although no structure of theirs is
    served (domain-rules §12: kept and listed)."""
    ids = unserved_staff(ctx.db, ctx.policy)
    rows = ctx.db.query("SELECT account_id, jointure, state FROM accounts WHERE state = 'active' ORDER BY jointure")
    return [{"jointure": j, "state": s, "structures": ids[a]} for a, j, s in rows if a in ids]
