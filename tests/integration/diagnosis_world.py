"""The collège of the diagnosis stories (tests/integration/test_diagnosis_stories.py):
its exports, as a secretary and the académie would have written them, and the
store of its rentrée, brought once per backend through `entsync`.

The rentrée: the AAF delivery (T0), the accounts created (T_CREATE), SIECLE's
students and guardians exports, then the first STS-web export validated.
One teacher's service is missing from STS-web, so the AAF (fed by STS-web)
carries no class for them either. The exports the stories bring later (a
guardian retyped, two guardians exchanged, a leaving date, AAF deltas) are
written here from the same files."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from xml.sax.saxutils import escape

from tests.integration.cli import Cli
from tests.integration.conftest import T0, T_CREATE, make_academie, prepared_store

UTC = timezone.utc
T_SIECLE = T_CREATE + timedelta(hours=1)
T_STS = datetime(2026, 8, 28, 8, tzinfo=UTC)
T_LEAVING = datetime(2026, 9, 1, 6, tzinfo=UTC)  # the students export giving a leaving date
T_LATER = datetime(2026, 9, 17, 6, tzinfo=UTC)  # the other stories' exports and deltas, from here on
SIECLE_ENCODING = "iso8859_15"
IDENTITY = (b"LC_CIVILITE", b"NOM_DE_FAMILLE", b"NOM_USAGE", b"PRENOM")
# A pupil's AAF attributes naming their guardians (left out of a record copied for another pupil).
RELATIONS = (
    "ENTElevePere",
    "ENTEleveMere",
    "ENTElevePersRelEleve",
    "ENTEleveParents",
    "ENTEleveAutorite",
    "ENTEleveQualite",
)


@dataclass
class World:
    root: Path
    uai: str
    aaf: Path  # the rentrée's complete delivery (the teacher's classes blanked)
    eleves: Path
    responsables: Path
    sts: Path  # STS-web without the teacher's services
    teacher: str  # the jointure of the teacher whose service is missing
    teacher_sts_id: str
    student: str  # ELEVE_ID of a student with two legal guardians of different given names
    a: str  # their PERSONNE_IDs (= the guardians' AAF jointures)
    b: str
    names: list[str] = field(default_factory=list)  # the two guardians' names: never in a listing


def build(root: Path) -> World:
    acad = make_academie(root / "acad", "--students", "30", "--seed", "3", "--sources", "aaf,siecle,sts", "--no-second")
    date = acad.manifest["dates"]["first"]
    uai, exports = next(iter(acad.manifest["sources"]["siecle"][date].items()))
    responsables = acad.root / exports["responsables"]
    body = responsables.read_bytes()
    legal: dict[str, list[str]] = {}
    for eid, pid in re.findall(
        rb"<ELEVE_ID>(\d+)</ELEVE_ID>\s*<PERSONNE_ID>(\d+)</PERSONNE_ID>\s*<NIVEAU_RESPONSABILITE>1<", body
    ):
        legal.setdefault(eid.decode(), []).append(pid.decode())
    student, (a, b) = next(
        (e, p[:2])
        for e, p in legal.items()
        if len(p) >= 2 and identity(body, p[0])[b"PRENOM"] != identity(body, p[1])[b"PRENOM"]
    )
    names = [
        v.decode(SIECLE_ENCODING) for p in (a, b) for k, v in identity(body, p).items() if v and k != b"LC_CIVILITE"
    ]
    aaf, teacher, sts_id = _teacher_without_classes(acad.first, root / "aaf")
    sts = root / "sts" / Path(next(iter(acad.manifest["sources"]["sts"][date].values()))).name
    sts.parent.mkdir()
    text = (acad.root / next(iter(acad.manifest["sources"]["sts"][date].values()))).read_bytes()
    sts.write_bytes(re.sub(rb'\s*<ENSEIGNANT ID="%s" TYPE="epp"/>' % sts_id.encode(), b"", text))
    return World(root, uai, aaf, acad.root / exports["eleves"], responsables, sts, teacher, sts_id, student, a, b,
                 names)  # fmt: skip


def _teacher_without_classes(delivery: Path, out: Path) -> tuple[Path, str, str]:
    """A copy of ``delivery`` where the first teacher with an STS id and
    classes is given none (the AAF's classes come from STS-web's services)."""
    out.mkdir()
    found: tuple[str, str] | None = None
    for part in sorted(delivery.iterdir()):
        raw = part.read_bytes()
        if found is None and "_PersEducNat_" in part.name:
            for m in re.finditer(rb"<addRequest>.*?</addRequest>", raw, re.S):
                record = m.group(0)
                sts_id = re.search(rb'<attr name="ENTPersonSTSId"><value>(\d+)</value>', record)
                if sts_id and re.search(rb'<attr name="ENTAuxEnsClasses"><value>\d', record):
                    blank = re.sub(rb'(<attr name="ENTAuxEns[A-Za-z]*">).*?(</attr>)', rb"\1<value/>\2", record)
                    raw = raw[: m.start()] + blank + raw[m.end() :]
                    jointure = re.search(rb"<id>(\d+)</id>", record).group(1).decode()
                    found = (jointure, sts_id.group(1).decode())
                    break
        (out / part.name).write_bytes(raw)
    assert found, "no teacher with classes and an STS id"
    return out, *found


def identity(body: bytes, pid: str) -> dict[bytes, bytes]:
    start, end = _person(body, pid)
    return {t: re.search(b"<%s>([^<]*)</%s>" % (t, t), body[start:end]).group(1) for t in IDENTITY}


def _person(body: bytes, pid: str) -> tuple[int, int]:
    start = body.index(f'<PERSONNE PERSONNE_ID="{pid}">'.encode())
    return start, body.index(b"</PERSONNE>", start)


def retyped(body: bytes, pid: str, values: dict[bytes, bytes]) -> bytes:
    start, end = _person(body, pid)
    record = body[start:end]
    for tag, value in values.items():
        record = re.sub(b"<%s>[^<]*</%s>" % (tag, tag), b"<%s>%s</%s>" % (tag, value, tag), record)
    return body[:start] + record + body[end:]


def later_export(world: World, name: str, source: Path, content: bytes, day: bytes = b"17/09/2026") -> Path:
    """``content`` as the export ``source`` of a later ``day``, under ``name``."""
    out = world.root / name / source.name
    out.parent.mkdir(parents=True, exist_ok=True)  # the same for every backend: written again
    out.write_bytes(content.replace(b"18/08/2026", day))
    return out


def guardian_retyped(world: World) -> Path:
    """Guardian b's record retyped for the other parent (a)."""
    body = world.responsables.read_bytes()
    return later_export(world, "retyped", world.responsables, retyped(body, world.b, identity(body, world.a)))


def guardians_exchanged(world: World) -> Path:
    body = world.responsables.read_bytes()
    swapped = retyped(retyped(body, world.a, identity(body, world.b)), world.b, identity(body, world.a))
    return later_export(world, "swapped", world.responsables, swapped)


def leaving_in_june(world: World) -> tuple[Path, str]:
    """The students export where the first student left on 30 June 2026."""
    raw = world.eleves.read_bytes()
    student = re.search(rb'<ELEVE ELEVE_ID="(\d+)">', raw).group(1).decode()
    start = raw.index(f'<ELEVE ELEVE_ID="{student}">'.encode())
    end = raw.index(b"</ELEVE>", start)
    record = re.sub(rb"<DATE_SORTIE>[^<]*</DATE_SORTIE>", b"<DATE_SORTIE>30/06/2026</DATE_SORTIE>", raw[start:end])
    return later_export(world, "leaving", world.eleves, raw[:start] + record + raw[end:], b"01/09/2026"), student


def aaf_record(category: str, jointure: str, attrs: dict[str, list[str]]) -> str:
    values = "".join(
        f'<attr name="{name}">' + "".join(f"<value>{escape(v)}</value>" for v in vs) + "</attr>"
        for name, vs in attrs.items()
        if name != "ENTPersonJointure"
    )
    return (
        f'<addRequest><operationalAttributes><attr name="categoriePersonne"><value>{category}</value></attr>'
        f"</operationalAttributes><identifier><id>{jointure}</id></identifier><attributes>"
        f'<attr name="ENTPersonJointure"><value>{jointure}</value></attr>{values}</attributes></addRequest>\n'
    )


def mismatched(category: str, jointure: str, attrs: dict) -> str:
    """A record whose jointure attribute differs from its identifier: rejected (jointure_mismatch)."""
    return aaf_record(category, jointure, attrs).replace(
        f'<attr name="ENTPersonJointure"><value>{jointure}</value>', '<attr name="ENTPersonJointure"><value>X1</value>'
    )


def aaf_delta(out: Path, day: str, records: dict[str, list[str]]) -> Path:
    """A delta delivery of ``day`` (YYYYMMDD) holding ``records`` by category."""
    out.mkdir(exist_ok=True)  # the same for every backend: written again
    for category, body in records.items():
        (out / f"ENTACAD_Delta_{day}_{category}_0000.xml").write_text(
            f'<?xml version="1.0" encoding="UTF-8"?>\n<!-- versionAF="AAF-VE1803" -->\n<ficAlimMENESR>\n'
            f"{''.join(body)}</ficAlimMENESR>\n",
            encoding="utf-8",
        )
    return out


def rentree(request, backend: str, world: World, capsys, directory: Path | None = None) -> Cli:
    """A copy of the store of the collège's rentrée (brought once per backend)."""

    def start(url: str) -> None:
        cli = Cli(url, capsys)
        for step in (
            ("ingest", str(world.aaf), "--now", T0.isoformat()),
            ("tick", "--now", T_CREATE.isoformat()),
            ("ingest", str(world.eleves), "--now", T_SIECLE.isoformat()),
            ("ingest", str(world.responsables), "--now", (T_SIECLE + timedelta(minutes=1)).isoformat()),
        ):
            code, out = cli.run(*step)
            assert code == 0, (step, out, cli.err)
        code, out = cli.run("ingest", str(world.sts), "--now", T_STS.isoformat(), "--json")
        assert code == 2 and '"awaiting_validation"' in out, (out, cli.err)
        import_id = re.search(r'"import_id": "([0-9a-f-]+)"', out).group(1)
        code = cli.run("imports", "validate", import_id[:8], "--now", (T_STS + timedelta(hours=1)).isoformat())[0]
        assert code == 0, cli.err

    return Cli(prepared_store(request, backend, "diagnosis-rentree", start, directory), capsys)
