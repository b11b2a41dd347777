"""Pure rules of an admin's attachment of an account to another establishment
(issue 13): a teacher who also works elsewhere is attached there until an
end date, and the clock ends the attachment then. The AAF's attachments (the
structures its record carries) stay the AAF's: never added nor ended here.

Decisions: attaching again to a UAI the account is attached to changes the
end date (a new ``Attached``, earlier or later) and is refused only when it
names the same date; a pending account may be attached (the teacher whose
account the AAF is about to create); an AAF delivery that later carries the
account in the attached establishment leaves the attachment as it is, ended
at its date. Functions of the account's state, tested as tables; the
commands (events/account_attachments.py) and the use case (events/usecases/
admin_attachments.py) apply them."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime

# Who may be lent: an account the platforms have or are about to have.
ATTACHABLE = ("active", "pending")
END_DATE_REACHED = "end date reached"
CLOCK = "clock"  # the author of an attachment the end date ended


class AttachmentRefused(ValueError):
    """An attachment the rules refuse; ``code`` names the rule (the CLI's
    --json and the API's error)."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


def check_attach(
    jointure: str,
    state: str,
    own: Collection[str],
    attached: Mapping[str, datetime],
    uai: str,
    until: datetime,
    at: datetime,
    reason: str,
) -> None:
    """Raise AttachmentRefused unless the account (``state``, the UAIs of its
    AAF structures ``own``, its attachments ``attached``: UAI → end date) may
    be attached to ``uai`` until ``until`` at ``at``."""
    if not reason.strip():
        raise AttachmentRefused("reason_required", "a reason is required (--reason), recorded with the attachment")
    if state not in ATTACHABLE:
        raise AttachmentRefused(
            "not_attachable", f"account {jointure} is {state}: only an active or pending account is attached"
        )
    if uai in own:
        raise AttachmentRefused(
            "own_establishment", f"account {jointure} belongs to {uai} already: its establishments are the AAF's"
        )
    if until <= at:
        raise AttachmentRefused("end_in_past", f"the end date {until.isoformat()} is not after now ({at.isoformat()})")
    if attached.get(uai) == until:
        raise AttachmentRefused(
            "already_attached", f"account {jointure} is attached to {uai} until {until.isoformat()} already"
        )


def check_establishment(uai: str, known: bool, served: bool) -> None:
    """Raise AttachmentRefused unless ``uai`` is an establishment the
    directory holds (``known``) and the ENT serves (domain-rules §12)."""
    if not known:
        raise AttachmentRefused("unknown_uai", f"no establishment {uai} in the directory")
    if not served:
        raise AttachmentRefused("not_served", f"the ENT does not serve {uai}: no account is attached there")


def check_detach(jointure: str, own: Collection[str], attached: Mapping[str, datetime], uai: str, reason: str) -> None:
    """Raise AttachmentRefused unless an admin may end the account's
    attachment to ``uai``: one an admin made, not the AAF's."""
    if not reason.strip():
        raise AttachmentRefused("reason_required", "a reason is required (--reason), recorded with the end")
    if uai in attached:
        return
    if uai in own:
        raise AttachmentRefused(
            "aaf_attachment", f"account {jointure} belongs to {uai} by the AAF: the AAF's attachments stay the AAF's"
        )
    raise AttachmentRefused("not_attached", f"account {jointure} is not attached to {uai} by an admin")


def ended_by(attached: Mapping[str, datetime], at: datetime) -> list[str]:
    """The UAIs whose attachment the clock ends at ``at``: the end date reached."""
    return sorted(uai for uai, until in attached.items() if until <= at)
