"""The inventory of personal data in stored events (events/personal_fields.py,
design-17 §2) stays true: every topic it names is a stored event's, every
path an annotated field of it, every path reads by the grammar
(events/personal_paths.py); and, on a generated rentrée, every name, birth
date, INE and e-mail that reaches the log lies under a listed path
(tests/unit/personal_world.py)."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import events
from events.personal_fields import AAF, PERSONAL, SIECLE, STS
from events.personal_paths import BadPath, Path, parse
from tests.unit.personal_world import build, leaves


def _classes(owner: type, seen: set[type]):
    for value in vars(owner).values():
        if isinstance(value, type) and value not in seen:
            seen.add(value)
            yield value
            yield from _classes(value, seen)


def stored_events() -> dict[str, type]:
    """Topic → event class, for every class under events/ that declares a TOPIC."""
    seen: set[type] = set()
    found: dict[str, type] = {}
    for info in pkgutil.walk_packages(events.__path__, "events."):
        module = importlib.import_module(info.name)
        for cls in _classes(module, seen):  # type: ignore[arg-type]
            # eventsourcing puts a subclass in place of a class decorated by @event
            for klass in cls.__mro__:
                topic = vars(klass).get("TOPIC")
                if isinstance(topic, str):
                    found.setdefault(topic, klass)
    return found


def fields_of(cls: type) -> set[str]:
    return {name for klass in cls.__mro__ for name in vars(klass).get("__annotations__", {})}


EVENTS = stored_events()


def test_every_stored_topic_is_found():
    assert len(EVENTS) == 154  # grep -rn 'TOPIC = "' events


@pytest.mark.parametrize("topic", sorted(PERSONAL))
def test_every_path_is_a_field_of_its_event(topic):
    assert topic in EVENTS, f"{topic} is no stored event's topic"
    fields = fields_of(EVENTS[topic])
    for path in PERSONAL[topic]:
        assert parse(path).field in fields, f"{topic}: {path} names no field of {EVENTS[topic].__qualname__}"


@pytest.mark.parametrize(
    "path, parsed",
    [
        ("login", Path("login")),
        ("attrs{AAF}", Path("attrs", AAF)),
        ("changes{SIECLE}", Path("changes", SIECLE)),
        ("before{STS}", Path("before", STS)),
        ("people", Path("people")),
        ("names[]", Path("names", None, True)),
        ("record_rejections[].message", Path("record_rejections", None, True, "message")),
        ("rejections[].5", Path("rejections", None, True, "5")),
    ],
)
def test_paths_read_by_the_grammar(path: str, parsed: Path):
    assert parse(path) == parsed


@pytest.mark.parametrize(
    "path",
    ["", "attrs{}", "attrs{aaf}", "attrs{NOPE}", "attrs{_ACCOUNT}", "attrs{PERSONAL}", "attrs.sn", "a[]x", "x[].",
     "attrs{AAF}[]", "Login", "a b"],
)  # fmt: skip
def test_paths_the_grammar_refuses(path: str):
    with pytest.raises(BadPath):
        parse(path)


def test_the_sets_keep_structure_attributes_in_clear():
    """Projections need them after an erasure (design-17 §2)."""
    kept = {"ENTPersonJointure", "ENTPersonStructRattach", "ENTEleveClasses", "ENTEleveGroupes",
            "ENTPersonFonctions", "ENTEleveStructRattachId", "ENTElevePersRelEleve", "personalTitle",
            "ENTAuxPersRelEleveEleve", "categoriePersonne"}  # fmt: skip
    assert not kept & AAF
    assert not {"division", "groups", "mef", "sex", "civility", "elenoet", "entered_on", "left_on"} & SIECLE


@pytest.fixture(scope="module")
def rentree(tmp_path_factory):
    ctx, values = build(tmp_path_factory.mktemp("personal"))
    yield ctx, values
    ctx.close()


REACHED = {
    "Account.Appeared", "Account.Changed", "Account.OverwriteSuspected", "Account.AccountCreated",
    "Account.LoginRenamed", "Login.Reserved", "SiecleStudent.Enrolled", "SiecleGuardian.Appeared",
    "SiecleGuardian.Changed", "TimetableImport.Read", "TimetableImport.StaffIdentitiesRecorded",
}  # fmt: skip


def covered(topic: str, leaf: tuple[str | int, ...]) -> bool:
    for p in map(parse, PERSONAL.get(topic, ())):
        if leaf[0] != p.field:
            continue
        if p.keys is not None:
            if len(leaf) > 1 and leaf[1] in p.keys:
                return True
        elif not p.each or (len(leaf) > 1 and (p.sub is None or (len(leaf) > 2 and str(leaf[2]) == p.sub))):
            return True
    return False


def test_every_personal_value_in_the_log_is_under_a_listed_path(rentree):
    ctx, values = rentree
    topics, exposed = set(), []
    for _, event in ctx.log.iter_events():
        topic = type(event).TOPIC
        topics.add(topic)
        for leaf, value in leaves(vars(event)):
            if isinstance(value, str) and value.strip() in values and not covered(topic, leaf):
                exposed.append(f"{topic} {'.'.join(map(str, leaf))} = {value!r}")
    assert not exposed, "\n".join(sorted(set(exposed))[:40])
    # the rentrée reached the facts that hold most of it (a test that found none would prove nothing)
    reached = {t.split(":")[1].rsplit(".", 1)[0] for t in topics & set(PERSONAL)}
    assert reached >= REACHED, sorted(REACHED - reached)
