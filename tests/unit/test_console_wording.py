"""The console's wording of an explanation (events/console_wording.py,
``sentences(..., medium="console")``), as tables: French dates in Paris
time, the page's buttons and sections where the CLI names a command — and
the CLI's and the API's text unchanged."""

from __future__ import annotations

import pytest

from events.anomaly_kinds import KINDS
from events.console_wording import ACTIONS, french_time
from events.explanation import sentences
from tests.unit.test_explanation import ANOMALY, CASES, PENDING, facts, overwrite


@pytest.mark.parametrize(
    ("value", "said"),
    [
        ("2026-09-17T06:00:00+00:00", "17 septembre 2026 à 08:00"),  # summer time: UTC+2
        ("2026-12-01T07:30:00+00:00", "1er décembre 2026 à 08:30"),  # winter time: UTC+1
        ("2026-10-17", "17 octobre 2026"),
        ("2027-08-01T00:00:00+02:00", "1er août 2027 à 00:00"),
        (None, "?"),
        ("", "?"),
        ("soon", "soon"),
    ],
)
def test_a_time_reads_as_a_french_date_in_paris(value, said):
    assert french_time(value) == said


def _text(said: dict) -> str:
    return "\n".join(s for part in ("who", "why", "anomalies", "actions") for s in said[part])


SUSPENDED = {"rule": "suspended", "at": "2026-09-17T06:00:00+00:00", "anomaly": ANOMALY}
DEACTIVATED = {"rule": "duplicate_mark", "at": "2026-09-17T06:00:00+00:00", "duplicate_of": "jean.dupont2",
               "author": "ops", "reason": "même INE", "deletion_due": "2026-10-17"}  # fmt: skip

# state facts → what the console says, and what it never says (the CLI's commands, ISO times)
CONSOLE = {
    "pending": (
        facts("pending", {**PENDING, "overdue": False}),
        ["le 19 août 2026 à 08:00", "échéance le 21 août 2026 à 08:00", "Pas en retard le 16 septembre 2026 à 08:00"],
    ),
    "overwrite to decide": (
        facts("active", {"rule": "created", "at": "2026-08-22T06:00:00+00:00"}, [overwrite("fr")]),
        [
            "Décider avec les boutons « Confirmer l'anomalie » ou « Écarter l'anomalie »",
            "Comparer avec la section « Historique »",
            "Anomalie « Compte écrasé suspecté » (suspected_overwrite). [id 0f1e2d3c",
        ],
    ),
    "suspended, its anomaly not listed": (
        facts("suspended", SUSPENDED),
        ["Suspendu le 17 septembre 2026 à 08:00", "Faire décider l'anomalie n° 0f1e2d3c (page « Anomalies »"],
    ),
    "marked duplicate": (
        facts("deactivated", DEACTIVATED),
        ["suppression le 17 octobre 2026", "demander à un opérateur d'annuler la marque de doublon"],
    ),
    "overdue": (
        facts(
            "pending",
            {**PENDING, "overdue": True},
            [{"code": "creation_overdue", "label": "x", "detail": "", "action": KINDS["creation_overdue"].action_fr}],
        ),
        ["Signaler à un opérateur", "En retard : jugé le 16 septembre 2026 à 08:00"],
    ),  # fmt: skip
}
NEVER = ("entsync", "+00:00", "T06:00", "0f1e2d3c open")


@pytest.mark.parametrize("case", sorted(CONSOLE))
def test_the_console_names_its_buttons_and_sections_and_french_dates(case):
    given, expected = CONSOLE[case]
    text = _text(sentences(given, "fr", medium="console"))
    assert [e for e in expected if e not in text] == [], text
    assert [n for n in NEVER if n in text] == [], text


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_cli_and_the_api_keep_their_text(case):
    given, _ = CASES[case]
    for lang in ("fr", "en"):
        assert sentences(given, lang) == sentences(given, lang, medium="cli")
    cli = _text(sentences(given, "fr"))
    assert "entsync" in cli or "+00:00" in cli  # the CLI's hints and ISO times are still there


def test_the_console_rewords_every_action_naming_a_command_and_only_those():
    naming = {code for code, kind in KINDS.items() if "entsync" in kind.action_fr}
    assert naming == set(ACTIONS)
    assert not [code for code, said in ACTIONS.items() if "entsync" in said]


def test_the_teacher_without_classes_console_action_carries_no_english_detail():
    kind = KINDS["teacher_without_classes"]
    row = {"code": kind.code, "label": kind.label_fr, "action": kind.action_fr, "detail": "no class or group"}
    said = sentences(facts("active", {"rule": "created", "at": "2026-08-22T06:00:00+00:00"}, [row]), "fr", "console")
    assert said["actions"] == [kind.action_fr]
