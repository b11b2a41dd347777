"""The three persons of seed 001's sample ticket ("4. Un exemple de ticket
d'incident") in the browser world (console_world.py), brought by the AAF
deltas after the collège's rentrée, as the académie would have sent them:

- Margaux Perrot, a pupil typed twice: two records of one identity under two
  jointures (delta of 17 September), two active accounts created 48 h later,
  a suspected duplicate not decided yet. (Not confirmed: an operator's
  confirmation deactivates one account, which the daemon, at the wall clock
  long after the world's dates, deletes at its first tick.);
- Rola Mohamed, her mother, arrived with her, whose record the delta of
  21 September retypes for someone else (Octave Lambertin): a suspected
  overwrite, found by her former name;
- Christophe Dimitaux, a teacher arrived on 17 September whose record the
  deltas of 21 and 22 September both reject (its jointure attribute differs
  from its identifier), while his account stays.

The rentrée itself is left as the diagnosis world prepares it (a store shared
with the integration tests): the persons are new records, their attributes
copied from the collège's own."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from tests.integration import diagnosis_world as world_
from tests.integration.cli import Cli
from tests.integration.diagnosis_world import RELATIONS, T_LATER, World

MARGAUX = ("9910001", "9910002")  # her two records' jointures
ROLA, DIMITAUX = "9910003", "9910004"
T_ARRIVAL = T_LATER + timedelta(hours=1)
T_CREATED = T_ARRIVAL + timedelta(days=2, hours=1)  # after the 48 h creation delay
REJECTING = ("20260921", "20260922")  # the deltas that reject Dimitaux's record (the first retypes Rola's)


def named(attrs: dict[str, list[str]], title: str, given: str, family: str) -> dict[str, list[str]]:
    return {**attrs, "personalTitle": [title], "givenName": [given], "sn": [family], "ENTPersonNomPatro": [family]}


def line_of(file: Path, jointure: str) -> tuple[str, int]:
    """The file's name and the line where the record of ``jointure`` starts (its addRequest)."""
    text = file.read_text(encoding="utf-8")
    return file.name, text[: text.index(f"<identifier><id>{jointure}</id>")].count("\n") + 1


@dataclass(frozen=True)
class Ticket:
    """The ticket's persons as the directory holds them (account ids, ids of what was done)."""

    margaux: tuple[str, str]  # her two accounts
    duplicate_pair: str  # the scored pair's id, left for an operator's decision
    rola: str
    rola_newcomer: tuple[str, str]  # given and family name of the person her record was retyped for
    retyping: tuple[str, int]  # the delta's file retyping her record, and its line
    dimitaux: str
    rejections: tuple[tuple[str, int], tuple[str, int]]  # the two deltas' files rejecting his record, and lines


def prepare(cli: Cli, world: World) -> Ticket:
    """The deltas and decisions of the ticket, on the rentrée's store."""
    guardian = cli.json("account", world.a)
    student = cli.json("account", guardian["students"][0]["jointure"])["attributes"]
    pupil = named({k: v for k, v in student.items() if not k.startswith(RELATIONS)}, "Mme", "Margaux", "Perrot")
    pupil.update(ENTElevePersRelEleve=[f"{ROLA}$10$1$1$1$1"], ENTEleveAutoriteParentale=[ROLA])  # her mother
    guardian = named(guardian["attributes"], "Mme", "Rola", "Mohamed")
    rola = {**guardian, "mail": ["rola.mohamed@example.org"], "mobile": ["+33600000003"],
            "ENTAuxPersRelEleveEleve": list(MARGAUX)}  # fmt: skip
    teacher = named(cli.json("account", world.teacher)["attributes"], "M.", "Christophe", "Dimitaux")
    dimitaux = {**teacher, "mail": ["christophe.dimitaux@ac-grenoble.fr"], "ENTPersonSTSId": ["99100004"]}
    arrivals = world_.aaf_delta(world.root / "ticket-arrivals", "20260917", {
        "Eleve": [world_.aaf_record("Eleve", j, {**pupil, "ENTEleveINE": [f"99100000{n}1Z"]})
                  for n, j in enumerate(MARGAUX)],
        "PersRelEleve": [world_.aaf_record("PersRelEleve", ROLA, rola)],
        "PersEducNat": [world_.aaf_record("PersEducNat", DIMITAUX, dimitaux)],
    })  # fmt: skip
    code, out = cli.run("ingest", str(arrivals), "--now", T_ARRIVAL.isoformat())
    assert code == 0, (out, cli.err)
    assert cli.run("tick", "--now", T_CREATED.isoformat())[0] == 0, cli.err
    (pair,) = [p for p in cli.json("duplicates") if set(p["jointures"]) == set(MARGAUX)]
    assert pair["decision"] == "open", pair

    newcomer = ("Octave", "Lambertin")
    rejections: list[tuple[str, int]] = []
    for n, day in enumerate(REJECTING):
        delta = world_.aaf_delta(world.root / f"ticket-rejects-{n}", day, {
            "PersRelEleve": [world_.aaf_record("PersRelEleve", ROLA, named(rola, "M.", *newcomer))] if n == 0 else [],
            "PersEducNat": [world_.mismatched("PersEducNat", DIMITAUX, dimitaux)],
        })  # fmt: skip
        rejections.append(line_of(delta / f"ENTACAD_Delta_{day}_PersEducNat_0000.xml", DIMITAUX))
        if n == 0:
            retyping = line_of(delta / f"ENTACAD_Delta_{day}_PersRelEleve_0000.xml", ROLA)
        code, out = cli.run("ingest", str(delta), "--now", (T_CREATED + timedelta(days=2 + n)).isoformat())
        assert code == 3 and "rejected 1" in out, (out, cli.err)  # 3: a record rejected
    suspected = [r for r in cli.json("anomalies", "--kind", "suspected_overwrite") if r["jointure"] == ROLA]
    assert len(suspected) == 1, suspected
    accounts = {j: cli.json("account", j)["account_id"] for j in (*MARGAUX, ROLA, DIMITAUX)}
    return Ticket(
        margaux=(accounts[MARGAUX[0]], accounts[MARGAUX[1]]),
        duplicate_pair=pair["id"],
        rola=accounts[ROLA],
        rola_newcomer=newcomer,
        retyping=retyping,
        dimitaux=accounts[DIMITAUX],
        rejections=(rejections[0], rejections[1]),
    )
