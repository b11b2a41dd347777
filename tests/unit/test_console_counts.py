"""The French labels of a bilan's count codes and the French sentence of
an import's status (daemon/http/console/counts.py), as tables."""

from __future__ import annotations

import pytest

from daemon.http.console.counts import count, message
from events.timetable.changes import changes_counts


@pytest.mark.parametrize(
    ("code", "label"),
    [
        ("staged", "enregistrements retenus pour l'application"),
        ("subjects_added", "matières ajoutées"),
        ("events_Eleve", "enregistrements élèves lus"),
        ("events_Nouveau", "enregistrements Nouveau lus"),
        ("event_Enrolled", "événements « inscrit (SIECLE) »"),
        ("event_SomethingNew", "événements « SomethingNew »"),
        ("not_a_known_code", "not_a_known_code"),
    ],
)
def test_a_count_reads_in_french_by_its_code_or_its_prefix(code, label):
    assert count(code) == label


def test_every_timetable_change_count_has_a_french_label():
    class NoChanges:
        def count(self, name: str) -> int:
            return 0

    assert [c for c in changes_counts(NoChanges()) if count(c) == c] == []  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("row", "reason", "said"),
    [
        ({"status": "awaiting_validation"}, "", "Premier import de l'année scolaire"),
        (
            {
                "status": "rejected",
                "reason": "threshold_exceeded",
                "details": {"thresholds": {"sessions_removed": {}, "groups_renamed": {}}},
            },
            "seuils dépassés",
            "Au-delà des seuils de changement (groupes renommés, séances retirées) : rien n'a été appliqué.",
        ),  # fmt: skip
        ({"status": "held", "reason": "mass_departure"}, "trop de départs", "Retenu par le frein sur les départs"),
        ({"status": "rejected", "reason": "malformed_xml"}, "fichier XML mal formé", "Motif : fichier XML mal formé."),
        ({"status": "applied"}, "", ""),
    ],
)
def test_an_imports_status_is_said_in_french_without_a_command(row, reason, said):
    text = message(row, reason)
    assert text.startswith(said) if said else text == ""
    assert "entsync" not in text
