"""The anomaly catalogue (issue 15): every code a listing can emit has its
labels and action, and a new code written in a listing without an entry
fails here."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

from adapters import plausibility
from events.anomaly_kinds import DECIDABLE, KINDS, kind_of, parse_kinds
from projections import anomaly_queries, identity_anomaly_listing, merge_anomalies, served, state_anomalies
from projections.state_anomalies import same_person_as

PROJECTIONS = Path(anomaly_queries.__file__).parent

# The set-aside reasons a listing shows as its kind (fields set aside, AAF and
# SIECLE); no_usable_name rejects the record: a rejection, not an anomaly.
SET_ASIDE = set(plausibility.MESSAGES) - {plausibility.NO_USABLE_NAME}
DECLARED = (
    set(anomaly_queries.KINDS)
    | set(served.KINDS)
    | set(merge_anomalies.KINDS)
    | set(state_anomalies.KINDS)
    | set(identity_anomaly_listing.KINDS)
    | SET_ASIDE
)


def _written_codes() -> set[str]:
    """The codes written literally in projections/: the value of an
    ``"anomaly"`` key (a string or a module constant), the first argument of
    merge_anomalies._row, and what account_queries.anomalies_of appends."""
    codes: set[str] = set()
    for path in sorted(PROJECTIONS.glob("*.py")):
        module = importlib.import_module(f"projections.{path.stem}")
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            values: list[ast.expr] = []
            if isinstance(node, ast.Dict):
                values = [
                    v for k, v in zip(node.keys, node.values) if isinstance(k, ast.Constant) and k.value == "anomaly"
                ]
            elif (
                isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "_row" and node.args
            ):
                values = [node.args[0]]
            elif isinstance(node, ast.FunctionDef) and node.name == "anomalies_of":
                values = [
                    c.args[0]
                    for c in ast.walk(node)
                    if isinstance(c, ast.Call) and isinstance(c.func, ast.Attribute) and c.func.attr == "append"
                ]
            for v in values:
                if isinstance(v, ast.Constant) and isinstance(v.value, str):
                    codes.add(v.value)
                elif isinstance(v, ast.Name) and isinstance(getattr(module, v.id, None), str):
                    codes.add(getattr(module, v.id))
    return codes


def test_every_code_a_listing_can_emit_has_an_entry():
    assert DECLARED - KINDS.keys() == set()


def test_every_code_written_in_a_listing_is_declared():
    written = _written_codes()
    # The scan finds the literal codes of each listing (a scan finding none could not fail).
    assert {"creation_overdue", "suspected_overwrite", "merge_side_departed", "not_served"} <= written
    assert {"teacher_without_classes", "pupil_without_class", "manual_account_of_aaf_person"} <= written
    assert written - DECLARED == set()


def test_every_entry_says_what_it_is_and_what_to_do_in_both_languages():
    for code, kind in KINDS.items():
        assert kind.code == code
        assert all((kind.label_fr, kind.label_en, kind.action_fr, kind.action_en)), code
        assert kind.label("fr") == kind.label_fr and kind.label("en") == kind.label_en
        assert kind.action("en") == kind.action_en


def test_the_decidable_kinds_are_those_an_operator_confirms_or_dismisses():
    assert DECIDABLE == {"suspected_overwrite", "guardians_swapped", "suspected_duplicate"}


def test_kinds_are_parsed_from_repeated_and_comma_separated_values():
    assert parse_kinds(["creation_overdue,not_served", " suspected_duplicate "]) == {
        "creation_overdue",
        "not_served",
        "suspected_duplicate",
    }
    with pytest.raises(ValueError, match=r"^unknown anomaly kind bogus, nope \(known: "):
        parse_kinds(["bogus,creation_overdue", "nope"])


def test_a_code_the_catalogue_lacks_is_shown_as_itself():
    assert (kind_of("from_a_later_release").label("fr"), kind_of("from_a_later_release").action("en")) == (
        "from_a_later_release",
        "",
    )


@pytest.mark.parametrize(
    ("manual", "aaf", "same"),
    [
        (("DUPONT JEAN", "01/02/1980"), ("DUPONT JEAN", "01/02/1980"), True),
        (("DUPONT JEAN", "01/02/1980"), ("DUPONT JEAN", ""), True),  # the AAF record carries no birth date
        (("DUPONT JEAN", ""), ("DUPONT JEAN", "01/02/1980"), True),
        (("DUPONT JEAN", "01/02/1980"), ("DUPONT JEAN", "02/02/1980"), False),  # a namesake
        (("DUPONT JEAN", "01/02/1980"), ("DUPONT JEANNE", "01/02/1980"), False),
        (("", ""), ("", ""), False),  # no usable name: nothing to compare
    ],
)
def test_a_manual_account_names_an_aaf_person(manual, aaf, same):
    assert same_person_as(manual, aaf) is same
