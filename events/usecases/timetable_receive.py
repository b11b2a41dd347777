"""Receiving a timetable or STS-web export (domain-rules §7, §12): the file
is read, matched against the directory and decided on — rejected with a
stable reason, awaiting an operator (the first import of the school year),
or applied. A newer export replaces the one of its establishment and source
awaiting validation, keeping its matches made by hand; an older one is
refused. Every outcome is recorded in one save."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from uuid import UUID
from zoneinfo import ZoneInfo

from adapters.errors import DeliveryRejected, Rejection
from adapters.sts.records import StsExport
from adapters.timetable.files import digest, modified_at, read_export, sniff_uai
from adapters.timetable.records import EdtExport, EdtStudent, EdtTeacher
from events.imports import TimetableImport, import_id
from events.timetable.bilan import EDT_END_OF_YEAR_EN
from events.timetable.decision import Refusal, refusal, school_year_of, set_aside_refusal
from events.timetable.edt import match_edt
from events.timetable.matching import Matched, Remembered, person_identity
from events.timetable.snapshot import snapshot_to_dict
from events.timetable.sts import match_sts
from events.usecases.result import Result
from events.usecases.timetable_apply import decide_import
from events.usecases.timetable_report import report
from events.usecases.timetable_staff import record_staff
from events.usecases.timetable_work import (
    AwaitingImport,
    ImportRefused,
    TimetableWork,
    last_applied,
    save,
)


def receive(path: str | Path, uow: TimetableWork, now: datetime | None = None) -> Result:
    """Receive the STS-web or timetable export at ``path`` (domain-rules §7, §12)."""
    path = Path(path)
    try:
        sha256, size = digest(path)
    except OSError as exc:
        raise ImportRefused(f"cannot read {path} ({type(exc).__name__})") from None
    at = uow.effective_now(now)
    source, export, failure = read_export(path)
    uai = export.header.uai if export is not None else sniff_uai(path)
    iid = import_id(uai, sha256, at)
    existing = uow.log.find(iid)
    if existing is not None:
        uow.imports.catch_up(uow.log)
        return Result(
            "timetable",
            f"already-{existing.status}",
            import_id=str(iid),
            uai=uai,
            file=path.name,
            reason=existing.reason,
            message="this file was already received at this time; nothing recorded",
        )
    uow.projection.catch_up(uow.log)
    uow.imports.catch_up(uow.log)
    if failure is not None:
        return _unreadable(uow, uai, source, path, sha256, size, failure, at)
    assert export is not None  # read_export gives the export or why it refused it

    q = uow.timetable_queries
    if isinstance(export, EdtExport):
        school_year = school_year_of(export.header.starts_on)
    else:
        school_year = export.header.school_year
    first_of_year = q.applied_count(uai, source, school_year) == 0
    view = q.directory_view(uai, _identities(export))
    awaiting = q.awaiting(uai, source)
    before = None
    if isinstance(export, EdtExport):
        before, previous = last_applied(uow, uai, source, school_year)
        remembered = q.remembered(uai, source, school_year)
        if awaiting:  # the hand matches of the export this one replaces are not lost
            remembered = _merge_remembered(remembered, q.hand_matches(awaiting.import_id))
        matched = match_edt(export, view, uow.pepper, tuple(remembered), before, previous)
    else:
        matched = match_sts(export, view, uow.pepper)
    imp = _received(uai, source, path, sha256, size, school_year, matched, list(export.rejections), at)
    if isinstance(export, StsExport):
        record_staff(imp, export, at)
    exported_at = _exported_at(
        export.header.exported_at if isinstance(export, EdtExport) else None, path, uow.policy.timezone
    )
    if isinstance(export, EdtExport):
        imp.read(
            matched.plan,
            exported_at,
            _people(export, matched),
            list(matched.not_imported),
            {k: list(v) for k, v in matched.set_aside_share.items()},
            at,
        )
    # The 15-July rule is the timetable's: an STS-web DATE_FIN is the
    # administrative year's end (31 August), not a timetable's, and is not checked.
    stop = refusal(
        uai=uai,
        uai_known=view.known,
        copies=q.earlier_copies(uai, sha256),
        school_year=school_year,
        ends_on=export.header.ends_on if isinstance(export, EdtExport) else None,
        automatic=not first_of_year,
        end_help=EDT_END_OF_YEAR_EN,
    )
    if stop is None and awaiting and exported_at <= awaiting.exported_at:
        stop = _older_than(awaiting, exported_at)
    if stop is None and not first_of_year and isinstance(export, EdtExport):
        stop = set_aside_refusal(
            matched.set_aside_share, uow.policy.timetable_set_aside_limits, uow.policy.timetable_set_aside_minimum
        )
    if stop is not None:
        bilan = report(imp, None, before) if stop.reason == "too_many_set_aside" else []  # an EDT import
        imp.reject(stop.reason, stop.message, stop.details, bilan, at)
        result = save(uow, [imp], stop.message, stop.details)
        result.rejections = list(export.rejections)
        return result
    replaced = []
    if awaiting:  # one awaiting import per establishment and source: the newer export replaces it
        older: TimetableImport | None = uow.log.find(UUID(awaiting.import_id))
        assert older is not None  # the imports read model lists recorded imports only
        older.replace_by(str(imp.id), at)
        replaced.append(older)
    result = decide_import(uow, imp, at, first_of_year, replaced)
    if awaiting:
        result.message = (
            f"replaces import {awaiting.import_id} (an older export awaiting validation); " + result.message
        )
    result.rejections = list(export.rejections)
    return result


def _unreadable(
    uow: TimetableWork,
    uai: str,
    source: str,
    path: Path,
    sha256: str,
    size: int,
    failure: DeliveryRejected,
    at: datetime,
) -> Result:
    """A file the readers refused: recorded as received and rejected, with the adapter's reason."""
    imp = _received(uai, source, path, sha256, size, 0, None, [], at)
    details = {"file": failure.file, "line": failure.line}
    imp.reject(failure.reason, failure.message, details, [], at)
    return save(uow, [imp], failure.message, details)


def _older_than(awaiting: AwaitingImport, exported_at: str) -> Refusal:
    return Refusal(
        "older_than_awaiting",
        f"import {awaiting.import_id}, exported "
        f"{awaiting.exported_at}, awaits validation and is not older than this export "
        f"(exported {exported_at}); nothing recorded for this one (entsync imports cancel "
        f"{awaiting.import_id[:8]} first to import an older export)",
        {"awaiting": awaiting.import_id},
    )


def _received(
    uai: str,
    source: str,
    path: Path,
    sha256: str,
    size: int,
    school_year: int,
    matched: Matched | None,
    rejections: list[Rejection],
    at: datetime,
) -> TimetableImport:
    return TimetableImport(
        uai=uai,
        source=source,
        file=path.name,
        sha256=sha256,
        size=size,
        school_year=school_year,
        snapshot=snapshot_to_dict(matched.snapshot) if matched else {},
        matches=[m.as_dict() for m in matched.matches] if matched else [],
        summary={k: list(v) for k, v in matched.summary.items()} if matched else {},
        record_rejections=[dict(r.__dict__) for r in rejections],
        at=at,
    )


def _merge_remembered(remembered: list[Remembered], more: list[Remembered]) -> list[Remembered]:
    out = {(r.kind, r.ident): r for r in remembered}
    out.update({(r.kind, r.ident): r for r in more})
    return list(out.values())


def _exported_at(stated: datetime | None, path: Path, tz: str) -> str:
    """When the export was made: what it says (local time when naive), else the
    file's modification time, which the exporter set. ISO, UTC."""
    if stated is not None:
        when = stated if stated.tzinfo else stated.replace(tzinfo=ZoneInfo(tz))
    else:
        when = modified_at(path)
    return when.astimezone(timezone.utc).isoformat()


def _people(export: EdtExport, matched: Matched) -> dict[str, dict[str, str]]:
    """Names (and birth dates) of the people not matched, for the operator who
    matches them by hand; the API never serves them."""
    unmatched = {(m.kind, m.ident) for m in matched.matches if not m.key}
    out = {}
    for kind, records in (("teacher", export.teachers), ("student", export.students)):
        for p in records:
            if (kind, p.ident) in unmatched:
                out[f"{kind}:{p.ident}"] = {
                    "family_name": p.family_name,
                    "given_name": p.given_name,
                    "birth_date": p.birth_date.isoformat() if p.birth_date else "",
                }
    return out


def _identities(export: EdtExport | StsExport) -> set[str]:
    if isinstance(export, StsExport):
        people = [(p.family_name, p.given_name, p.birth_date) for p in export.persons]
    else:
        records: tuple[EdtTeacher | EdtStudent, ...] = (*export.teachers, *export.students)
        people = [(p.family_name, p.given_name, p.birth_date) for p in records]
    return {i for i in (person_identity(*p) for p in people) if i}
