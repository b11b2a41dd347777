"""Where the stored events hold a person's personal data (design-17 §2): the
values the sealing mapper encrypts with a key of the event's originator, so
that destroying the key erases them. Pure data; the grammar of a path is
events/personal_paths.py's.

Personal: names (family, usage, given, other given names), birth dates,
INE, postal addresses, e-mail addresses, phone numbers, logins (built from
names), and free text that may quote them (rejection messages, an
operator's reason). Not personal, kept in clear because the log and the
projections need them after an erasure: jointures and source ids (ELEVE_ID,
PERSONNE_ID, STS ids, ELENOET), structure and class codes, UAIs, profiles,
functions, civilities, sex, dates of events, counts, reason codes, digests
(keyed instead, design §5), and the operators' names (``author``,
``operator``: not the person the record is about).

A topic absent from ``PERSONAL`` seals nothing. A topic whose events change
(a new version of an event class) gets its own entry: keys are the stored
topics, which never change.

Subjects. A person's own stream (Account generations, Login, SiecleStudent,
SiecleGuardian) is sealed under that record's key. The events that name
several persons (marked MULTI below: an import's or delivery's rejections,
the timetable's people and STS identities) are sealed under the key of the
import or delivery they belong to, for now (per-entry keys are a later step);
an AccountMerge stream under the merge's own key."""

from __future__ import annotations

# AAF attributes (formats §1) that carry personal data, in every version
# (VE1301, VE1803, VE2407) and category (Eleve, PersRelEleve, PersEducNat;
# a manual account's and a successor's attrs use the same names). The parser
# keeps names as written (adapters/aaf/parser.py): the files spell them in
# this case. Structures (SourceRecord) are not persons: their street, postal
# code, town and phone number are an establishment's, never sealed.
AAF_NAMES = (
    "sn",
    "givenName",
    "ENTPersonNomPatro",
    "ENTPersonAutresPrenoms",
    "ENTPersonDateNaissance",
    "ENTEleveINE",
    "mail",
    "mobile",
    "homePhone",
    "telephoneNumber",
    "ENTPersonAdresse",
    "ENTPersonCodePostal",
    "ENTPersonVille",
    "ENTPersonPays",
)
# Attributes formats.md does not list (§1 is silent on them) that an LDAP
# export of the AAF may still carry on a person, and that hold a name, a login,
# an address or a phone wherever they appear: sealed when present, so that a
# real file with them does not leave a name in clear (tolerant reading). Kept
# out of AAF_NAMES: a successor's identity (events/successor_identity.py) is
# made of the attributes the formats name.
LDAP_EXTRAS = frozenset(
    {
        "cn",
        "displayName",
        "ENTPersonLogin",
        "ENTPersonAlias",
        "ENTPersonNomUsage",
        "uid",
        "postalAddress",
        "street",
        "postalCode",
        "l",
        "facsimileTelephoneNumber",
    }
)
AAF = frozenset(AAF_NAMES) | LDAP_EXTRAS

# SIECLE record values as the adapters name them (adapters/siecle/eleves.py,
# responsables.py; events/siecle_rules.py STUDENT_FIELDS, GUARDIAN_FIELDS):
# a student's identity and INE, a guardian's identity, phones, e-mail and
# address (a dict: sealed whole). Also the keys of ``changes`` and of an
# overwrite's ``before``/``after``.
SIECLE = frozenset(
    {
        "ine",
        "family_name",
        "usage_name",
        "given_name",
        "given_name2",
        "given_name3",
        "birth_date",
        "phone_home",
        "phone_mobile",
        "phone_work",
        "email",
        "address",
    }
)

# An STS-web individual's identity (events/sts_staff.py IDENTITY_FIELDS
# without the civility), in a suspected overwrite's ``before``/``after``.
STS = frozenset({"family_name", "usage_name", "given_name", "birth_date"})

_ACCOUNT = "entsync:Account."
_SIECLE_IMPORT = "entsync:SiecleImport."
_DELIVERY = "entsync:Delivery."
_TIMETABLE = "entsync:TimetableImport."

PERSONAL: dict[str, tuple[str, ...]] = {
    # ---- one person's account (its generation's key)
    f"{_ACCOUNT}Appeared.v1": ("attrs{AAF}",),
    f"{_ACCOUNT}ManualCreated.v1": ("attrs{AAF}", "login", "reason"),
    f"{_ACCOUNT}SuccessorOpened.v1": ("attrs{AAF}",),
    f"{_ACCOUNT}Changed.v1": ("attrs{AAF}",),
    f"{_ACCOUNT}Reappeared.v1": ("attrs{AAF}",),
    f"{_ACCOUNT}OverwriteSuspected.v1": ("before{AAF}", "after{AAF}"),
    f"{_ACCOUNT}AccountCreated.v1": ("login",),
    f"{_ACCOUNT}LoginRenamed.v1": ("old_login", "new_login", "reason"),
    # an operator's free text about the person may quote their name
    f"{_ACCOUNT}Resumed.v1": ("reason",),
    f"{_ACCOUNT}OverwriteConfirmed.v1": ("reason",),
    f"{_ACCOUNT}DuplicateMarked.v1": ("reason",),
    f"{_ACCOUNT}DuplicateUnmarked.v1": ("reason",),
    f"{_ACCOUNT}Attached.v1": ("reason",),
    f"{_ACCOUNT}AttachmentEnded.v1": ("reason",),
    # ---- a login's reservation (the Login stream's key); ``alias``: the absorbed account's login
    "entsync:Login.Reserved.v1": ("login",),
    "entsync:AccountMerge.AccountsMerged.v1": ("alias", "reason"),
    "entsync:AccountMerge.AccountsUnmerged.v1": ("alias", "reason"),
    # ---- one SIECLE record (its key)
    "entsync:SiecleStudent.Enrolled.v1": ("attrs{SIECLE}",),
    "entsync:SiecleStudent.Changed.v1": ("changes{SIECLE}",),
    "entsync:SiecleStudent.Reenrolled.v1": ("attrs{SIECLE}", "changes{SIECLE}"),
    "entsync:SiecleStudent.OverwriteSuspected.v1": ("before{SIECLE}", "after{SIECLE}"),
    "entsync:SiecleGuardian.Appeared.v1": ("attrs{SIECLE}",),
    "entsync:SiecleGuardian.Changed.v1": ("changes{SIECLE}",),
    "entsync:SiecleGuardian.Reappeared.v1": ("attrs{SIECLE}", "changes{SIECLE}"),
    "entsync:SiecleGuardian.OverwriteSuspected.v1": ("before{SIECLE}", "after{SIECLE}"),
    # ---- MULTI: rejections of a SIECLE import (the import's key)
    f"{_SIECLE_IMPORT}RecordRejected.v1": ("message",),
    f"{_SIECLE_IMPORT}FieldSetAside.v1": ("message",),
    f"{_SIECLE_IMPORT}Rejected.v1": ("message",),
    # ---- MULTI: rejections of an AAF delivery (the delivery's key); a row of
    # RecordsRejected is [reason, file, line, record_id, field, message]
    f"{_DELIVERY}RecordRejected.v1": ("message",),
    f"{_DELIVERY}RecordsRejected.v1": ("rejections[].5",),
    f"{_DELIVERY}FieldSetAside.v1": ("message",),
    f"{_DELIVERY}Rejected.v1": ("message",),
    # ---- MULTI: a timetable or STS-web import (the import's key). ``people``:
    # names and birth dates of the people not matched; ``identities``: every
    # STS individual's names and birth date. Snapshots, matches and reports
    # hold ids, codes and name digests only.
    f"{_TIMETABLE}Received.v1": ("record_rejections[].message",),
    f"{_TIMETABLE}Read.v1": ("people",),
    f"{_TIMETABLE}Rejected.v1": ("message",),
    f"{_TIMETABLE}StaffIdentitiesRecorded.v1": ("identities",),
    f"{_TIMETABLE}StsOverwriteSuspected.v1": ("before{STS}", "after{STS}"),
}
