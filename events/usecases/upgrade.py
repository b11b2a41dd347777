"""Upgrading a store built by an earlier release (domain-rules §12: a rule
change corrects existing stores; CHANGELOG.md says what each upgrade changes).

The read model of a store is derived from its log by rules that a release may
change (events/upgrade.py RULES). An upgrade rebuilds it aside with this
release's rules, compares, records what changed as facts
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
effective time. The release that records it is the caller's (the composition
root knows the installed version).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from events.account import Account
from events.clock import Clock
from events.policy import Policy
from events.store import STORE_ID
from events.upgrade import RULES, Upgrade, upgrade_id
from events.usecases.ports import ReadModel
from events.usecases.upgrade_overwrites import missed_overwrites, record_missed
from events.usecases.upgrade_sealing import RebuildWork, SealingLog, SealingReport, SealingWork, rebuild, seal_stored
from events.usecases.upgrade_siecle import missed_siecle, record_siecle

# Rejection reasons that an earlier release applied and this one judges
# otherwise: the deliveries holding such records are read again.
CHANGED_REASONS = {
    "missing_ine": "a VE1301 student has no INE by format (the INE rule applies to VE1803 and later)",
    "invalid_uai": "a structure whose code fails the check letter is kept as a structure without students",
    "unknown_record": "a delta's modifyRequest for an unknown record is an arrival",
}
# The rule behind each corrected column.
RULE_OF_FIELD = {"profile": "teacher_profile", "function": "national_function"}
# The rules generation of the releases that declared stores before they
# recorded it (events/store.py Store.Declared carries the release).
RULES_OF_RELEASE = {"0.1.0": 1}
BATCH = 1000


@dataclass
class UpgradeReport:
    needed: bool
    previous_rules: int
    rules: int = RULES
    dry_run: bool = False
    corrections: list[dict[str, str]] = field(default_factory=list)  # account_id, jointure, field, before, after
    reread: list[dict[str, Any]] = field(default_factory=list)  # delivery_id, source, reasons
    kept: list[dict[str, Any]] = field(default_factory=list)  # accounts created by an earlier rule, kept and listed
    overwrites: list[dict[str, Any]] = field(default_factory=list)  # found in the log (upgrade_overwrites.Missed)
    siecle_overwrites: list[dict[str, Any]] = field(default_factory=list)  # upgrade_siecle.SiecleMissed
    siecle_swaps: list[dict[str, Any]] = field(default_factory=list)  # upgrade_siecle.SiecleSwap
    sealing: SealingReport | None = None  # the personal fields sealed in place (upgrade_sealing.py)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def summary(self) -> str:
        sealed = f"; {self.sealing.summary()}" if self.sealing is not None else ""
        if not self.needed:
            return f"the store is up to date (rules {self.rules}){sealed}"
        verb = "would be" if self.dry_run else "was"
        return (
            f"store {verb} upgraded from rules {self.previous_rules} to {self.rules}: "
            f"{len(self.corrections)} correction(s), {len(self.reread)} delivery(ies) to ingest again, "
            f"{len(self.kept)} account(s) kept and listed, "
            f"{len(self.overwrites)} suspected overwrite(s) found in the log, "
            f"{len(self.siecle_overwrites)} SIECLE suspected overwrite(s) found, "
            f"{len(self.siecle_swaps)} SIECLE guardian swap(s) found{sealed}"
        )

    def notice(self) -> str:
        """The line a command that upgraded first says."""
        if not self.needed and self.sealing is not None:
            return self.sealing.summary()
        return self.summary() + "; see `entsync store upgrade --dry-run` on a copy, `entsync history`, CHANGELOG.md"


@dataclass(frozen=True)
class Classification:
    """What the rules derive of an account: its profile and national function."""

    account_id: str
    jointure: str
    profile: str
    function: str


@dataclass(frozen=True)
class ChangedRejection:
    """Records of an applied delivery rejected for ``reason``."""

    delivery_id: str
    source: str
    received_at: str
    reason: str
    count: int


@dataclass(frozen=True)
class ActiveAccount:
    account_id: str
    jointure: str
    state: str


class UpgradeQueries(Protocol):
    """The read-model queries of the upgrade (projections/upgrade_queries.py)."""

    def classifications(self) -> list[Classification]:
        """Every account as the live read model classifies it."""

    def reclassified(self, log: Any) -> list[Classification]:
        """Every account as this release's rules classify it: the read model
        rebuilt from ``log`` aside (and dropped afterwards), by jointure."""

    def rejections(self, reasons: Sequence[str]) -> list[ChangedRejection]:
        """Applied deliveries' records rejected for one of ``reasons``, by delivery then reason."""

    def active_accounts(self) -> list[ActiveAccount]:
        """Every active account, by jointure."""

    def unserved_staff(self, policy: Policy) -> dict[str, list[str]]:
        """Account id → structures, of the pending or active teachers attached
        only to structures the ENT does not serve (projections/served.py)."""


class UpgradeLog(SealingLog, Protocol):
    def max_position(self) -> int:
        """How many facts the store holds."""

    def iter_events(self, after: int = 0) -> Iterator[tuple[int, Any]]:
        """(position, fact) of every fact after ``after``, in order."""


class RebuiltReadModel(ReadModel, Protocol):
    def rules(self) -> int:
        """The rules generation that built the read model; 0 when empty."""

    def reset(self) -> None:
        """Empty the read model, for a rebuild from the log."""


class UpgradeWork(SealingWork, RebuildWork, Protocol):
    """The unit of work of the upgrade (daemon/bootstrap.Context)."""

    @property
    def log(self) -> UpgradeLog: ...
    @property
    def projection(self) -> RebuiltReadModel: ...
    @property
    def clock(self) -> Clock: ...
    @property
    def policy(self) -> Policy: ...
    @property
    def dry_run(self) -> bool: ...
    @property
    def upgrade_queries(self) -> UpgradeQueries: ...


def rules_of(declared_by: str | None, read_model_rules: int) -> int:
    """The rules generation that wrote a store's facts and its read model:
    the older of the declaring release's (None: this one's) and the read
    model's (0: empty, this one's)."""
    declared = RULES_OF_RELEASE.get(declared_by, RULES) if declared_by is not None else RULES
    return min(declared, read_model_rules or RULES)


def store_rules(uow: UpgradeWork) -> int:
    store = uow.log.find(STORE_ID)
    return rules_of(store.release if store is not None else None, uow.projection.rules())


def needed(uow: UpgradeWork) -> bool:
    """Whether the store was built by rules older than this release's and not upgraded yet."""
    if not uow.log.max_position() or uow.log.find(upgrade_id(RULES)) is not None:
        return False
    uow.projection.catch_up(uow.log)
    return store_rules(uow) < RULES


def corrections(live: Iterable[Classification], rebuilt: Iterable[Classification]) -> list[dict[str, str]]:
    """The columns this release's rules set otherwise, per account, in the order of ``rebuilt``."""
    before = {c.account_id: c for c in live}
    out = []
    for new in rebuilt:
        old = before.get(new.account_id)
        if old is None:
            continue
        for name, was, now in (("profile", old.profile, new.profile), ("function", old.function, new.function)):
            if was != now:
                out.append(
                    {"account_id": new.account_id, "jointure": new.jointure, "field": name, "before": was, "after": now}
                )
    return out


def rereads(rejections: Iterable[ChangedRejection]) -> list[dict[str, Any]]:
    """The applied deliveries to read again, in the order they were received,
    with how many records of each changed reason they hold."""
    by_delivery: dict[str, dict[str, Any]] = {}
    received: dict[str, str] = {}
    for r in rejections:
        entry = by_delivery.setdefault(r.delivery_id, {"delivery_id": r.delivery_id, "source": r.source, "reasons": {}})
        entry["reasons"][r.reason] = r.count
        received[r.delivery_id] = r.received_at
    return sorted(by_delivery.values(), key=lambda e: (received[e["delivery_id"]], e["delivery_id"]))


def kept(unserved: dict[str, list[str]], active: Iterable[ActiveAccount]) -> list[dict[str, Any]]:
    """Teachers an earlier release created although no structure of theirs is
    served (domain-rules §12: kept and listed)."""
    return [
        {"jointure": a.jointure, "state": a.state, "structures": unserved[a.account_id]}
        for a in active
        if a.account_id in unserved
    ]


def _kept(uow: UpgradeWork) -> list[dict[str, Any]]:
    q = uow.upgrade_queries
    return kept(q.unserved_staff(uow.policy), q.active_accounts())


def upgrade(uow: UpgradeWork, release: str, dry_run: bool = False) -> UpgradeReport:
    """Upgrade the store to this release's rules, its clear personal fields sealed (or say what it would correct)."""
    sealing = None if dry_run else seal_stored(uow, release)
    if not needed(uow):
        if sealing is not None:
            rebuild(uow, sealing)
        return UpgradeReport(needed=False, previous_rules=RULES, dry_run=dry_run, sealing=sealing)
    q = uow.upgrade_queries
    previous = store_rules(uow)
    report = UpgradeReport(needed=True, previous_rules=previous, dry_run=dry_run, sealing=sealing)
    report.corrections = corrections(q.classifications(), q.reclassified(uow.log))
    # The reasons changed by rules 2: a store of rules 2 rejected such records rightly.
    report.reread = rereads(q.rejections(sorted(CHANGED_REASONS))) if previous < 2 else []
    missed = missed_overwrites(uow.log.iter_events(), uow.policy.overwrite_name_similarity)
    report.overwrites = [m.as_report() for m in missed]
    siecle = missed_siecle(uow.log.iter_events(), uow.policy.overwrite_name_similarity)
    report.siecle_overwrites = [m.as_report() for m in siecle.overwrites]
    report.siecle_swaps = [s.as_report() for s in siecle.swaps]
    if dry_run:
        report.kept = _kept(uow)
        return report
    at = uow.log.last_effective_time() or uow.clock.now()
    accounts: dict[Any, Account] = {}
    for c in report.corrections:
        account = accounts.setdefault(aid := Account.create_id(jointure=c["jointure"]), uow.log.get(aid))
        account.reclassify(c["field"], c["before"], c["after"], RULE_OF_FIELD[c["field"]], release, at)
    for m in missed:
        accounts.setdefault(m.account_id, uow.log.get(m.account_id))
    record_missed(accounts, missed, at)
    uow.log.save_in_batches(((a,) for a in [*accounts.values(), *record_siecle(uow.log, siecle, at)]), BATCH)
    counts: dict[str, int] = {}
    for c in report.corrections:
        counts[c["field"]] = counts.get(c["field"], 0) + 1
    if missed:
        counts["overwrite_suspected"] = len(missed)
    if siecle.overwrites:
        counts["siecle_overwrite_suspected"] = len(siecle.overwrites)
    if siecle.swaps:
        counts["siecle_guardians_swapped"] = len(siecle.swaps)
    uow.log.save(
        Upgrade(
            rules=RULES,
            previous_rules=previous,
            release=release,
            corrections=counts,
            reread=report.reread,
            at=at,
            upgraded_at=uow.clock.now(),
        )
    )
    rebuild(uow, sealing)  # the live read models become what a fresh build by this release holds
    report.kept = _kept(uow)
    return report


def ensure(uow: UpgradeWork, release: str) -> UpgradeReport | None:
    """Upgrade first when the store needs it (commands that write, the
    service at start); None when it does not, or in a dry run."""
    report = None if uow.dry_run else upgrade(uow, release)
    return report if report is not None and (report.needed or report.sealing is not None) else None
