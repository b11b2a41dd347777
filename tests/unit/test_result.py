"""One answer for every import (events/usecases/result.py): one exit-code
rule whatever the source, and what each source shows of it."""

from __future__ import annotations

import pytest

from adapters.errors import Rejection, SetAside
from events.usecases.result import Result

REJECTED = [Rejection("invalid_date", "F.xml", 3, "123", "dateNaissance", "bad date")]
SET_ASIDE = [SetAside("name_too_long", "F.xml", 9, "124", "sn", "too long")]


@pytest.mark.parametrize(
    ("intake", "status", "rejections", "code"),
    [
        ("aaf", "applied", [], 0),
        ("aaf", "applied", REJECTED, 3),
        ("aaf", "already-applied", [], 0),
        ("aaf", "already-applied", REJECTED, 0),  # nothing applied this time, nothing rejected this time
        ("aaf", "held", REJECTED, 2),
        ("aaf", "waiting", [], 2),
        ("aaf", "rejected", [], 2),
        ("aaf", "already-rejected", [], 2),
        ("aaf", "already-held", [], 2),
        ("siecle", "applied", [], 0),
        ("siecle", "applied", REJECTED, 3),
        ("siecle", "held", [], 2),
        ("siecle", "rejected", REJECTED, 2),
        ("timetable", "applied", [], 0),
        ("timetable", "applied", REJECTED, 3),  # records its reader set aside
        ("timetable", "already-applied", [], 0),
        ("timetable", "awaiting_validation", [], 2),
        ("timetable", "already-awaiting_validation", [], 2),
        ("timetable", "rejected", [], 2),
        ("timetable", "cancelled", [], 2),
    ],
)
def test_one_exit_code_rule_for_every_source(intake, status, rejections, code):
    assert Result(intake, status, rejections=rejections).exit_code == code


def test_fields_set_aside_alone_do_not_make_an_import_partial():
    assert Result("siecle", "applied", set_aside=SET_ASIDE).exit_code == 0


def test_each_source_shows_its_own_fields_in_its_order():
    aaf = Result("aaf", "applied", delivery_id="d1", counts={"staged": 2}, rejections=REJECTED, set_aside=SET_ASIDE)
    siecle = Result(
        "siecle", "applied", import_id="s1", uai="0740263J", kind="eleves", rejections=REJECTED, set_aside=SET_ASIDE
    )
    timetable = Result(
        "timetable", "rejected", import_id="t1", uai="0740263J", file="edt.xml", reason="r", rejections=REJECTED
    )
    rejected = [
        {
            "reason": "invalid_date",
            "file": "F.xml",
            "line": 3,
            "record_id": "123",
            "field": "dateNaissance",
            "message": "bad date",
        }
    ]
    assert aaf.as_dict() == {
        "delivery_id": "d1",
        "status": "applied",
        "reason": "",
        "message": "",
        "counts": {"staged": 2},
        "rejections": rejected,
    }
    assert list(siecle.as_dict()) == [
        "import_id",
        "status",
        "reason",
        "message",
        "uai",
        "kind",
        "counts",
        "rejections",
        "set_aside",
    ]
    assert siecle.as_dict()["set_aside"] == [
        {
            "reason": "name_too_long",
            "file": "F.xml",
            "line": 9,
            "record_id": "124",
            "field": "sn",
            "message": "too long",
        }
    ]
    assert timetable.as_dict() == {
        "import_id": "t1",
        "status": "rejected",
        "uai": "0740263J",
        "file": "edt.xml",
        "reason": "r",
        "message": "",
        "counts": {},
        "details": {},
    }


def test_a_part_of_the_answer_in_the_order_asked():
    result = Result("aaf", "held", delivery_id="d1", reason="mass_departure", counts={"staged": 2})
    assert list(result.as_dict("status", "delivery_id").items()) == [("status", "held"), ("delivery_id", "d1")]
