"""The establishments of a seeded académie: kinds, sizes, UAIs and their
classes and option groups (structure only, no people)."""

from __future__ import annotations

import math
import random

from .identifiers import slug, uai_check_letter
from .model import Academie, Division, Etab, Group
from .names import ACADEMIES, ETAB_NAMES, ETAB_NAMES_PR, STREETS
from .nomenclature import SPECIALITIES, STREAMS

STUDENTS_PER_ETAB = 600
CLASS_SIZE = 28


def plan_academie(seed: int, n_students: int, school_year: int = 2026) -> Academie:
    """Plan the establishments (structure only, no people) of a seeded académie."""
    rng = random.Random(f"{seed}:plan")
    acad_name = rng.choice(sorted(ACADEMIES))
    depts = ACADEMIES[acad_name]
    n_etabs = max(1, round(n_students / STUDENTS_PER_ETAB))
    # The first three establishments cover the three kinds so that small runs
    # still exercise collège, LGT and LP class codes.
    kinds = (["CLG", "LGT", "LP"] + rng.choices(["CLG", "LGT", "LP"], [60, 25, 15], k=n_etabs))[:n_etabs]
    rng.shuffle(kinds)
    sizes = split(n_students, [rng.uniform(0.6, 1.4) * {"CLG": 1.0, "LGT": 1.5, "LP": 0.7}[k] for k in kinds])
    sjs = rng.sample(range(10_000, 100_000), n_etabs)
    extras = _spread(rng, n_etabs, max(1, min(10, n_students // 400)))
    typos = _spread(rng, n_etabs, rng.choice((1, 2)))
    moves = _spread(rng, n_etabs, max(2, min(20, n_students // 50_000)))
    used_uai: set[str] = set()
    etabs = []
    for i, kind in enumerate(kinds):
        dept = rng.choice(sorted(depts))
        uai7 = f"{dept}{rng.randrange(10_000):04d}"
        while uai7 in used_uai:
            uai7 = f"{dept}{rng.randrange(10_000):04d}"
        used_uai.add(uai7)
        contract = "PR" if rng.random() < 0.15 else "PU"
        base = rng.choice(ETAB_NAMES_PR if contract == "PR" else ETAB_NAMES)
        city, postal = rng.choice(depts[dept])
        divisions, groups = _structure(random.Random(f"{seed}:structure:{i}"), kind, sizes[i])
        etabs.append(
            Etab(
                index=i,
                sj=str(sjs[i]),
                uai=uai7 + uai_check_letter(uai7),
                kind=kind,
                contract=contract,
                name=f"{kind}-{base}-ac-{acad_name}",
                street=f"{rng.randint(1, 90)} {rng.choice(STREETS)}",
                postal_code=postal,
                city=city,
                dept=dept,
                phone=f"+33{rng.choice('4123')}{rng.randrange(10**8):08d}",
                n_students=sizes[i],
                divisions=divisions,
                groups=groups,
                n_duplicates=extras[i],
                n_typos=typos[i],
                n_teacher_moves=moves[i],
            )
        )
    return Academie(seed, n_students, school_year, acad_name, f"ac-{slug(acad_name)}.fr", depts, tuple(etabs))


def split(total: int, weights: list[float]) -> list[int]:
    """Split ``total`` into integers proportional to ``weights`` (largest remainder)."""
    s = sum(weights)
    raw = [total * w / s for w in weights]
    out = [int(x) for x in raw]
    for i in sorted(range(len(raw)), key=lambda i: raw[i] - out[i], reverse=True)[: total - sum(out)]:
        out[i] += 1
    return out


def _spread(rng: random.Random, n: int, count: int) -> list[int]:
    out = [0] * n
    for i in rng.choices(range(n), k=count):
        out[i] += 1
    return out


def _structure(rng: random.Random, kind: str, n_students: int) -> tuple[tuple[Division, ...], tuple[Group, ...]]:
    """Divisions and option groups of one establishment (codes obey domain rules §2)."""
    streams = STREAMS[kind]
    style = rng.choice((0, 0, 1, 2)) if kind == "CLG" else 0  # "6EME1", "6 A" or "6A"
    wsum = sum(s.weight for s in streams)
    divisions: list[Division] = []
    groups: list[Group] = []
    counters: dict[str, int] = {}

    def group(fam: str, label: str, subject: str, level: str, classes: list[str]) -> None:
        key = level + fam
        counters[key] = counters.get(key, 0) + 1
        code = f"{key}_{counters[key]}"
        groups.append(Group(_checked(code), f"{label} GR {counters[key]}", tuple(classes), subject, fam))

    for st in streams:
        n = max(1, math.ceil(n_students * st.weight / wsum / CLASS_SIZE))
        codes = []
        for k in range(1, n + 1):
            if style == 0:
                code = f"{st.stem}{k}"
            else:
                code = f"{st.stem[0]}{' ' if style == 1 else ''}{_letters(k)}"
            codes.append(_checked(code))
            divisions.append(Division(code, f"{st.stem} {k}", st))
        level = st.stem[0]
        if st.lv2:
            for a in range(0, n, 2):
                group("ESP2", "ESPAGNOL LV2", "030602", level, codes[a : a + 2])
            group("ALL2", "ALLEMAND LV2", "030102", level, codes)
        if st.latin:
            group("LAT", "LATIN", "020100", level, codes)
        if st.spe:
            for fam, label, subject in SPECIALITIES:
                for a in range(0, n, 3):
                    group(fam, label, subject, level, codes[a : a + 3])
    return tuple(divisions), tuple(groups)


def _letters(k: int) -> str:
    s = ""
    while k:
        k, r = divmod(k - 1, 26)
        s = chr(65 + r) + s
    return s


def _checked(code: str) -> str:
    if len(code) > 8 or not all(c.isascii() and (c.isalnum() or c in " -_") for c in code):
        raise ValueError(f"generated class/group code breaks the §2 rules: {code!r}")
    return code
