"""The record a successor account opens with when the overwrite was found in
SIECLE or STS-web (issue 15, domain-rules §11: "the new person does not
inherit the previous one's mail and linked children").

The AAF record of the jointure still describes the previous holder until the
AAF delivers the new person: its personal attributes are replaced by what the
source that saw the retyping says now, mapped to the AAF attributes the
directory reads; a contact the source does not give is left empty, never the
previous holder's. The AAF's other attributes (jointure, structures, classes,
profile, the STS id, the links to children or guardians) are kept: SIECLE's
links of a guardian live on its students' records, not in the guardian's, and
a record retyped for the other parent keeps the same children; the AAF
delivering the new person later replaces the whole record as for any account.
A pure function of the record and the source's values, tested as a table."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from events.identity_rules import words
from events.personal_fields import AAF_NAMES

# The AAF attributes that describe the person, replaced whatever the source gives.
PERSONAL = ("personalTitle", *AAF_NAMES)
KINDS = ("guardian", "student", "teacher")  # a SIECLE guardian or student, an STS-web individual
_TITLES = {"M": "M.", "MR": "M.", "MONSIEUR": "M.", "MME": "Mme", "MADAME": "Mme", "MLLE": "Mlle"}


def title(civility: str) -> str:
    """SIECLE's and STS-web's civility (``M.``, ``MME``) as the AAF writes it (``M.``, ``Mme``)."""
    squashed = "".join(words(civility))
    return _TITLES.get(squashed, civility.strip())


def aaf_date(iso: str) -> str:
    """yyyy-mm-dd as the AAF's dd/mm/yyyy ("" stays "")."""
    return f"{iso[8:10]}/{iso[5:7]}/{iso[:4]}" if len(iso) == 10 else ""


def _v(value: Any) -> list[str]:
    text = str(value or "").strip()
    return [text] if text else []


def successor_attrs(aaf: Mapping[str, list[str]], kind: str, current: Mapping[str, Any]) -> dict[str, list[str]]:
    """The successor's record: ``aaf`` (the jointure's AAF record, which still
    describes the previous holder) with its personal attributes taken from
    ``current``, the source's values now (events/siecle_rules.py
    ``guardian_values``/``student_values``, events/sts_staff.py identities)."""
    if kind not in KINDS:
        raise ValueError(f"unknown record kind {kind!r}")
    attrs = {k: list(v) for k, v in aaf.items() if k not in PERSONAL}
    attrs.update({k: [] for k in PERSONAL if k in aaf})  # left empty unless the source gives it
    family, usage = str(current.get("family_name") or ""), str(current.get("usage_name") or "")
    attrs["sn"] = _v(usage or family)
    if "ENTPersonNomPatro" in aaf or usage:  # the birth name, needed beside a usage name
        attrs["ENTPersonNomPatro"] = _v(family)
    attrs["givenName"] = _v(current.get("given_name"))
    civility = title(str(current.get("civility") or "")) if kind != "student" else ""
    if "personalTitle" in aaf or civility:
        attrs["personalTitle"] = _v(civility)
    if kind != "guardian":  # BEE_RESPONSABLES carries no birth date
        attrs["ENTPersonDateNaissance"] = _v(aaf_date(str(current.get("birth_date") or "")))
    if kind == "student":
        attrs["ENTPersonAutresPrenoms"] = [
            g for g in (str(current.get(f) or "") for f in ("given_name2", "given_name3")) if g
        ]
        if "ENTEleveINE" in aaf or current.get("ine"):
            attrs["ENTEleveINE"] = _v(current.get("ine"))
    if kind == "guardian":
        attrs.update(_contacts(aaf, current))
    return attrs


def _same(name: str, a: list[str], b: list[str]) -> bool:
    def norm(values: list[str]) -> list[str]:
        if name in ("mobile", "homePhone", "telephoneNumber"):
            return ["".join(c for c in v if c.isdigit()) for v in values]
        return [" ".join(words(v)) for v in values]

    return bool(a) and norm(a) == norm(b)


def _contacts(aaf: Mapping[str, list[str]], current: Mapping[str, Any]) -> dict[str, list[str]]:
    """A guardian's contacts as SIECLE gives them now. A value the AAF also
    gives the previous holder is theirs: a record retyped for another person
    often keeps the previous person's e-mail and telephones (only the names
    were typed over), so it is left empty too — the address as a whole."""
    address = current.get("address") or {}
    phones = (
        ("mail", current.get("email")),
        ("mobile", current.get("phone_mobile")),
        ("homePhone", current.get("phone_home")),
        ("telephoneNumber", current.get("phone_work")),
    )
    postal = (
        ("ENTPersonAdresse", "$".join(address.get("lines", []))),
        ("ENTPersonCodePostal", address.get("postal_code")),
        ("ENTPersonVille", address.get("postal_label")),
        ("ENTPersonPays", address.get("country")),
    )
    out = {name: _v(value) for name, value in phones + postal if name in aaf or value}
    for name, _ in phones:
        if name in out and _same(name, out[name], list(aaf.get(name, []))):
            out[name] = []
    if all(_same(n, out[n], list(aaf.get(n, []))) for n, _ in postal[:2] if n in out) and out.get("ENTPersonAdresse"):
        out.update({n: [] for n, _ in postal if n in out})
    return out
