"""The directory read model: accounts, structures, classes and groups,
guardian links, logins and deliveries, built from the event log only.

Events are applied in log order, in batches; each batch and the tracking
position are written in one transaction. A delivery's record events are
applied only once its ``Applied`` event exists (domain-rules §11: atomic
visibility): the projection stops at the ``ApplyStarted`` of a delivery that
is still being written and goes on from there later.

The folding is in modules by aggregate, each function applying one fact to
the batch's rows (``directory_batch.Batch``): ``directory_accounts`` (accounts,
logins, the purge hold), ``directory_sources`` (structures, nomenclatures,
group sources) and ``directory_deliveries``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from events.account import Account
from events.anomaly import AnomalyReview
from events.delivery import Delivery
from events.erasure import DetailsErasure, Erasure
from events.faults import Faults
from events.login import Login
from events.manual_groups import ManualGroups
from events.merge import AccountMerge
from events.purge import PurgeHold
from events.structure import GroupSource, SourceRecord
from events.upgrade import RULES  # the rules generation this read model is built by
from projections import details_erasure, facts
from projections import directory_accounts as accounts
from projections import directory_attachments as attachments
from projections import directory_deliveries as deliveries
from projections import directory_erasure as erasure
from projections import directory_groups as groups
from projections import directory_manual as manual
from projections import directory_marks as marks
from projections import directory_merges as merges
from projections import directory_reviews as reviews
from projections import directory_sources as sources
from projections.db import Database
from projections.directory_batch import Batch
from projections.directory_swaps import guardian_swapped
from projections.schema import TABLES, TRACKING, create, iso

NAME = "directory"
RULES_NAME = "directory.rules"
APPLY_STARTED = Delivery.ApplyStarted.TOPIC
ACCOUNT = "entsync:Account."
APPEARED = Account.Appeared.TOPIC
ERASED = Erasure.PersonErased.TOPIC
DETAILS_ERASED = DetailsErasure.DetailsErased.TOPIC
# Record events derived with the fields their account has set aside (domain-rules §12).
RECORD_EVENTS = (Account.Changed.TOPIC, Account.Reappeared.TOPIC)


class DirectoryProjection:
    """Applies events to the read-model tables under ``prefix``."""

    def __init__(self, db: Database, prefix: str = "", *, faults: Faults | None = None, staging: Any = None):
        self.db = db
        self.prefix = prefix
        self.faults = faults or Faults()  # told after each batch commits ("readmodel.committed")
        self.staging = staging  # the live model's staging area, purged of an erased person (issue 17)
        create(db, prefix)
        # Keyed by the stored topic: the versioned name of each fact.
        self._handlers: dict[str, Callable[[Batch, Any], None]] = {
            Account.Appeared.TOPIC: accounts.appeared,
            Account.Changed.TOPIC: accounts.changed,
            Account.Reappeared.TOPIC: accounts.reappeared,
            Account.Departed.TOPIC: accounts.departed,
            Account.Withdrawn.TOPIC: accounts.withdrawn,
            Account.LeftSource.TOPIC: accounts.left_source,
            Account.AccountCreated.TOPIC: accounts.created,
            Account.LoginRenamed.TOPIC: accounts.login_renamed,
            Account.ManualCreated.TOPIC: manual.manual_created,
            Account.DuplicateMarked.TOPIC: marks.duplicate_marked,
            Account.DuplicateUnmarked.TOPIC: marks.duplicate_unmarked,
            Account.Attached.TOPIC: attachments.attached,
            Account.AttachmentEnded.TOPIC: attachments.attachment_ended,
            Account.Declined.TOPIC: accounts.declined,
            Account.Eligible.TOPIC: accounts.eligible,
            Account.Removed.TOPIC: accounts.removed,
            Account.RemovalRescheduled.TOPIC: accounts.removal_rescheduled,
            Account.RemovalDeferred.TOPIC: accounts.removal_deferred,
            Account.Deactivated.TOPIC: accounts.deactivated,
            Account.FieldsSetAside.TOPIC: accounts.fields_set_aside,
            Account.Reclassified.TOPIC: accounts.reclassified,
            SourceRecord.Appeared.TOPIC: sources.record_appeared,
            SourceRecord.Changed.TOPIC: sources.record_appeared,
            SourceRecord.Closed.TOPIC: sources.record_closed,
            Login.Reserved.TOPIC: accounts.login_reserved,
            Delivery.Received.TOPIC: deliveries.received,
            Delivery.RecordRejected.TOPIC: deliveries.record_rejected,
            Delivery.RecordsRejected.TOPIC: deliveries.records_rejected,
            Delivery.FieldSetAside.TOPIC: deliveries.field_set_aside,
            Delivery.Held.TOPIC: deliveries.held,
            Delivery.Released.TOPIC: deliveries.set_status("released"),
            Delivery.Waiting.TOPIC: deliveries.waiting,
            Delivery.Rejected.TOPIC: deliveries.rejected,
            Delivery.ApplyStarted.TOPIC: deliveries.set_status("applying"),
            Delivery.Applied.TOPIC: deliveries.applied,
            Delivery.GuardiansSwapped.TOPIC: guardian_swapped,
            Account.OverwriteSuspected.TOPIC: accounts.overwrite_suspected,
            Account.CreationClockAdvanced.TOPIC: accounts.creation_clock_advanced,
            Account.DepartureDeclared.TOPIC: accounts.departure_declared,
            Account.DepartureCancelled.TOPIC: accounts.departure_cancelled,
            GroupSource.FirstChosen.TOPIC: sources.group_source_chosen,
            GroupSource.Chosen.TOPIC: sources.group_source_chosen,
            PurgeHold.FirstPlaced.TOPIC: accounts.purge_hold,
            PurgeHold.Placed.TOPIC: accounts.purge_hold,
            PurgeHold.Lifted.TOPIC: accounts.purge_hold,
            ManualGroups.Opened.TOPIC: groups.opened,
            ManualGroups.GroupCreated.TOPIC: groups.group_created,
            ManualGroups.GroupRenamed.TOPIC: groups.group_renamed,
            ManualGroups.GroupDeleted.TOPIC: groups.group_deleted,
            ManualGroups.MembersAdded.TOPIC: groups.members_added,
            ManualGroups.MembersRemoved.TOPIC: groups.members_removed,
            AccountMerge.AccountsMerged.TOPIC: merges.accounts_merged,
            AccountMerge.AccountsUnmerged.TOPIC: merges.accounts_unmerged,
            Account.SuccessorOpened.TOPIC: reviews.successor_opened,
            Account.OverwriteConfirmed.TOPIC: reviews.overwrite_confirmed,
            Account.Suspended.TOPIC: reviews.suspended,
            Account.Resumed.TOPIC: reviews.resumed,
            AnomalyReview.Opened.TOPIC: reviews.review_opened,
            AnomalyReview.Confirmed.TOPIC: reviews.review_decided,
            AnomalyReview.Dismissed.TOPIC: reviews.review_decided,
            Erasure.PersonErased.TOPIC: erasure.person_erased,
            DETAILS_ERASED: details_erasure.directory,
        }

    # ---- position and catch-up -------------------------------------------------
    def position(self) -> int:
        return int(self.db.scalar(f"SELECT position FROM {self.prefix}{TRACKING} WHERE name = ?", (NAME,)) or 0)

    def rules(self) -> int:
        """The rules generation (RULES) of the code that built this read model
        from an empty one; 1 for a read model built before it was tracked
        (entsync 0.1.0), 0 for an empty one."""
        value = self.db.scalar(f"SELECT position FROM {self.prefix}{TRACKING} WHERE name = ?", (RULES_NAME,))
        if value is not None:
            return int(value)
        return 1 if self.position() else 0

    def reset(self) -> None:
        """Empty the read model (its tables and position), for a rebuild from
        the log by this release (an upgrade, domain-rules §12)."""
        with self.db.transaction():
            # Dropped and made again: a release may change a table's shape
            # (rules 5: ``logins`` keyed by ``login_key``).
            for table in TABLES:
                self.db.execute(f"DROP TABLE IF EXISTS {self.prefix}{table}")
            self.db.execute(f"DELETE FROM {self.prefix}{TRACKING} WHERE name IN (?, ?)", (NAME, RULES_NAME))
        create(self.db, self.prefix)

    def catch_up(self, log, until: datetime | None = None, batch: int = 5000) -> int:
        """Apply every visible event after the tracking position; with ``until``,
        only events whose effective time is not after it (``--as-of``).
        Returns how many notifications were applied."""
        total = 0
        if not self.position() and self.rules() == 0:
            self.db.execute(
                f"INSERT INTO {self.prefix}{TRACKING} (name, position) VALUES (?, ?) ON CONFLICT (name) DO NOTHING",
                (RULES_NAME, RULES),
            )
        for chunk in facts.visible_chunks(log, self.position(), batch, APPLY_STARTED, until=until):
            self._apply(chunk)
            total += len(chunk)
            if self.db.dialect == "sqlite" and any(ev.topic in (ERASED, DETAILS_ERASED) for _, ev in chunk):
                # The rows as they were before the erasure are in SQLite's write-ahead
                # log until a checkpoint: written into the file, and the log emptied.
                self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return total

    def _apply(self, chunk: list[tuple[int, Any]]) -> None:
        b = Batch(self.db, self.prefix)
        b.staging = self.staging
        with self.db.transaction():
            # A stream that starts here has no row to fetch (most of an initial delivery).
            b.prefetch(
                "accounts",
                {str(ev.originator_id) for _, ev in chunk if ev.topic.startswith(ACCOUNT) and ev.topic != APPEARED},
            )
            b.prefetch_set_aside({str(ev.originator_id) for _, ev in chunk if ev.topic in RECORD_EVENTS})
            for _, ev in chunk:
                handler = self._handlers.get(ev.topic)
                if handler is not None:
                    handler(b, ev)
            last_at = next((ev.at for _, ev in reversed(chunk) if getattr(ev, "at", None)), None)
            if last_at is not None:
                b.put("meta", "last_at", {"key": "last_at", "value": iso(last_at)})
            b.flush()
            self.db.execute(
                f"INSERT INTO {self.prefix}{TRACKING} (name, position) VALUES (?, ?) "
                f"ON CONFLICT (name) DO UPDATE SET position = excluded.position",
                (NAME, chunk[-1][0]),
            )
        self.faults.reached("readmodel.committed")
