"""The sentences of ``entsync explain`` (events/explanation.py), as tables:
given the structured facts of an account in a state, in French and in
English, the explanation says the rule, the fact with its delivery or
import, file and line, the due dates, and what to do."""

from __future__ import annotations

import pytest

from events.anomaly_kinds import KINDS
from events.explanation import sentences

DELIVERY = "a8925805-a2b5-526f-b9f9-47082db79430"
IMPORT = "fe44ff4c-4cb7-56df-a94d-482acc029746"
ANOMALY = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
APPEARED = {"event": "Appeared", "at": "2026-08-19T06:00:00+00:00", "source": "aaf", "delivery_id": DELIVERY,
            "file": "ENTACAD_Complet_20260818_Eleve_0000.xml", "line": 130}  # fmt: skip
PENDING = {"rule": "creation_delay", **APPEARED, "due": "2026-08-21T06:00:00+00:00", "delay": 48, "grace_hours": 1.0}


def facts(state: str, why: dict, anomalies: list | None = None, **more) -> dict:
    return {"name": "Perrin Hugo", "profile": "ELEVE", "establishments": ["0740263J"], "classes": ["6EME1"],
            "login": "" if state == "pending" else "hugo.perrin", "state": state, "generation": 1,
            "now": "2026-09-16T06:00:00+00:00", "why": why, "anomalies": anomalies or [], **more}  # fmt: skip


def overwrite(lang: str) -> dict:
    kind = KINDS["suspected_overwrite"]
    return {"code": kind.code, "label": kind.label(lang), "action": kind.action(lang), "id": ANOMALY,
            "decision": "open", "detail": "0f1e2d3c open: x.xml:3"}  # fmt: skip


CASES = {
    "pending": (
        facts("pending", {**PENDING, "overdue": False}),
        {
            "fr": [
                f"Apparu dans la livraison AAF {DELIVERY} (ENTACAD_Complet_20260818_Eleve_0000.xml:130) le "
                "2026-08-19T06:00:00+00:00",
                "créé 48 h après, échéance le 2026-08-21T06:00:00+00:00 (domain-rules §3)",
                "Pas en retard",
                "pas encore d'identifiant",
                "Rien à faire : le compte sera créé à l'échéance",
            ],
            "en": [
                f"Appeared in the AAF delivery {DELIVERY} (ENTACAD_Complet_20260818_Eleve_0000.xml:130) on",
                "created 48 h after, due 2026-08-21T06:00:00+00:00 (domain-rules §3)",
                "Not overdue at",
                "no login yet",
                "Nothing to do: the scheduler creates the account when due",
            ],
        },
    ),
    "overdue": (
        facts(
            "pending",
            {**PENDING, "overdue": True},
            [{"code": "creation_overdue", "label": "x", "detail": "", "action": KINDS["creation_overdue"].action_fr}],
        ),
        {
            "fr": [
                "En retard : jugé le 2026-09-16T06:00:00+00:00, l'échéance plus la tolérance de 1 h est dépassée",
                "entsync_scheduler_last_run_timestamp_seconds",
            ],
            "en": [
                "Overdue: judged at 2026-09-16T06:00:00+00:00, past the due time plus the 1 h grace",
                "entsync_scheduler_last_run_timestamp_seconds",
            ],
        },
    ),
    "siecle first": (
        facts(
            "pending",
            {
                **PENDING,
                "rule": "siecle_first",
                "import_id": IMPORT,
                "file": "ElevesSansAdresses.xml",
                "line": 12,
                "overdue": False,
            },
        ),  # fmt: skip
        {
            "fr": [
                f"Vu d'abord dans l'import SIECLE {IMPORT} (ElevesSansAdresses.xml:12)",
                "précédence, domain-rules §11",
            ],
            "en": [
                f"First seen in the SIECLE import {IMPORT} (ElevesSansAdresses.xml:12)",
                "precedence, domain-rules §11",
            ],
        },
    ),
    "active": (
        facts(
            "active",
            {
                "rule": "created",
                "event": "AccountCreated",
                "at": "2026-08-22T06:00:00+00:00",
                "source": "clock",
                "due": "2026-08-21T06:00:00+00:00",
            },
        ),  # fmt: skip
        {
            "fr": [
                "Compte créé le 2026-08-22T06:00:00+00:00 par l'horloge",
                "identifiant hugo.perrin",
                "Aucune anomalie",
                "Rien à faire.",
            ],
            "en": [
                "Created on 2026-08-22T06:00:00+00:00 by the clock, due 2026-08-21T06:00:00+00:00",
                "login hugo.perrin",
                "No anomaly concerns this account.",
                "Nothing to do.",
            ],
        },
    ),
    "departing (AAF)": (
        facts(
            "departing",
            {
                "rule": "aaf_departure",
                "event": "Departed",
                "at": "2026-09-02T06:00:00+00:00",
                "source": "aaf",
                "delivery_id": DELIVERY,
                "removal_due": "2026-10-16T22:00:00+00:00",
                "removal_basis": "toussaint",
                "notice_days": 30,
                "provisional": True,
            },
        ),  # fmt: skip
        {
            "fr": [
                f"A quitté la livraison AAF complète {DELIVERY} le 2026-09-02T06:00:00+00:00",
                "Suppression prévue le 2026-10-16T22:00:00+00:00 : premières vacances de Toussaint",
                "préavis d'au moins 30 jours",
                "Date provisoire",
                "avant le 2026-10-16T22:00:00+00:00",
            ],
            "en": [
                f"Left the AAF complete delivery {DELIVERY} on",
                "the first Toussaint holidays after the departure",
                "at least 30 days of notice",
                "Provisional date",
                "corrected before 2026-10-16T22:00:00+00:00",
            ],
        },
    ),
    "departing (a confirmed overwrite)": (
        facts(
            "departing",
            {
                "rule": "overwrite_confirmed",
                "event": "OverwriteConfirmed",
                "at": "2026-09-17T08:00:00+00:00",
                "source": "admin",
                "anomaly": "aad7345a-3c97-5042-aec5-f323c1af37ab",
                "author": "alice",
                "reason": "fiche ressaisie",
                "successor_id": "eb60bff4-219a-5331-baab-b2858040bef2",
                "removal_due": "2026-10-16T22:00:00+00:00",
                "removal_basis": "minimum_notice",
                "notice_days": 30,
            },
        ),  # fmt: skip
        {
            "fr": [
                "Remplacé le 2026-09-17T08:00:00+00:00 : l'écrasement (anomalie aad7345a) a été confirmé par alice "
                "(fiche ressaisie) ; la fiche décrit une autre personne, qui a son propre compte "
                "eb60bff4-219a-5331-baab-b2858040bef2",
                "le préavis minimal de 30 jours",
            ],
            "en": [
                "Replaced on 2026-09-17T08:00:00+00:00: the overwrite (anomaly aad7345a) was confirmed by alice",
                "their own account eb60bff4-219a-5331-baab-b2858040bef2",
            ],
        },
    ),
    "departing (SIECLE)": (
        facts(
            "departing",
            {
                "rule": "siecle_leaving_date",
                "event": "SiecleStudent.LeavingDateSet",
                "at": "2026-09-15T06:00:00+00:00",
                "import_id": IMPORT,
                "file": "ElevesSansAdresses.xml",
                "left_on": "2026-09-10",
                "removal_due": "2026-11-01T00:00:00+00:00",
                "removal_basis": "minimum_notice",
                "notice_days": 30,
            },
        ),  # fmt: skip
        {
            "fr": [
                f"Date de sortie SIECLE 2026-09-10 (import {IMPORT}, ElevesSansAdresses.xml)",
                "le préavis minimal de 30 jours",
            ],
            "en": [
                f"SIECLE leaving date 2026-09-10 (import {IMPORT}, ElevesSansAdresses.xml), recorded on",
                "the minimum notice of 30 days",
            ],
        },
    ),
    "deactivated duplicate": (
        facts(
            "deactivated",
            {
                "rule": "duplicate",
                "event": "Deactivated",
                "at": "2026-09-02T06:00:00+00:00",
                "source": "aaf",
                "delivery_id": DELIVERY,
                "duplicate_of": "1185319",
                "deletion_due": "2026-10-02T06:00:00+00:00",
            },
        ),  # fmt: skip
        {
            "fr": [
                "comme doublon de 1185319",
                "suppression le 2026-10-02T06:00:00+00:00",
                "Vérifier que 1185319 est la même personne",
            ],
            "en": [
                "as a duplicate of 1185319",
                "deleted on 2026-10-02T06:00:00+00:00",
                "Check that 1185319 is the same person",
            ],
        },
    ),
    "suspended": (
        facts(
            "suspended",
            {"rule": "suspended", "event": "Suspended", "at": "2026-09-02T06:00:00+00:00", "anomaly": ANOMALY},
            [overwrite("fr")],
        ),  # fmt: skip
        {
            "fr": [
                "Suspendu le 2026-09-02T06:00:00+00:00 pour l'anomalie 0f1e2d3c",
                "[id 0f1e2d3c, décision : à décider]",
                "entsync anomalies confirm 0f1e2d3c",
                KINDS["suspected_overwrite"].action_fr,
            ],
            "en": [
                "Suspended on 2026-09-02T06:00:00+00:00 for the anomaly 0f1e2d3c",
                "[id 0f1e2d3c, decision: open]",
                "entsync anomalies dismiss 0f1e2d3c",
            ],
        },
    ),
    "second generation": (
        facts(
            "active",
            {
                "rule": "other",
                "event": "SuccessorOpened",
                "at": "2026-09-03T06:00:00+00:00",
                "source": "admin",
                "generation_at": "2026-09-03T06:00:00+00:00",
                "generation_anomaly": ANOMALY,
            },
            generation=2,
        ),  # fmt: skip
        {
            "fr": ["C'est le compte n°2 de cette jointure depuis le 2026-09-03T06:00:00+00:00", "anomalie 0f1e2d3c"],
            "en": ["This jointure's account n°2 since 2026-09-03T06:00:00+00:00", "anomaly 0f1e2d3c"],
        },
    ),
}


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_each_state_is_explained_in_each_language(case, lang):
    given, expected = CASES[case]
    said = sentences(given, lang)
    text = "\n".join(s for part in ("who", "why", "anomalies", "actions") for s in said[part])
    missing = [e for e in expected[lang] if e not in text]
    assert not missing, text
    assert "Perrin Hugo" in said["who"][0] and "0740263J" in said["who"][0]


def test_a_language_says_nothing_of_the_other():
    given, _ = CASES["departing (AAF)"]
    assert "Suppression" not in "\n".join(sentences(given, "en")["why"])
    assert "Removal" not in "\n".join(sentences(given, "fr")["why"])


def test_a_decided_anomaly_is_not_to_decide_again():
    given = facts("active", {"rule": "created", "at": "2026-08-22T06:00:00+00:00"},
                  [{**overwrite("en"), "decision": "dismissed"}])  # fmt: skip
    said = sentences(given, "en")
    assert "decision: dismissed" in said["anomalies"][0]
    assert not any("entsync anomalies confirm" in a for a in said["actions"])


def test_a_teacher_without_classes_is_told_which_source_lacks_what():
    kind = KINDS["teacher_without_classes"]
    lacks = "no class or group from any source: STS-web 0740263J: no service"
    row = {"code": kind.code, "label": kind.label("en"), "action": kind.action("en"), "detail": lacks}
    said = sentences(facts("active", {"rule": "created", "at": "2026-08-22T06:00:00+00:00"}, [row]), "en")
    assert said["actions"] == [f"{kind.action_en} ({lacks})"]
