"""The overwrite detector measured on the labelled pairs (issue 15):
precision, recall, F1 and the confusion counts on the tune split and on the
holdout split, at the policy's threshold, and the holdout pairs it gets
wrong with the reason of their label. ``--sweep`` also prints the measures
on tune for a range of thresholds (the holdout is never swept).

    python -m bench.overwrite_detector [--threshold 0.75] [--sweep]
"""

from __future__ import annotations

import argparse
import csv
from dataclasses import dataclass
from pathlib import Path

from events.identity_rules import Identity, identity_verdict
from events.policy import Policy

PAIRS = Path(__file__).resolve().parents[1] / "tests" / "data" / "identity_pairs.csv"


@dataclass(frozen=True)
class Pair:
    id: str
    population: str
    before: Identity
    after: Identity
    overwrite: bool
    split: str
    note: str


def _identity(row: dict[str, str], side: str) -> Identity:
    return Identity(
        family_name=row[f"{side}_family"],
        given_names=tuple(g for g in row[f"{side}_given"].split("|") if g),
        birth_date=row[f"{side}_birth"],
        usage_name=row[f"{side}_usage"],
        civility=row[f"{side}_civility"],
    )


def pairs(path: Path = PAIRS) -> list[Pair]:
    with open(path, newline="", encoding="utf-8") as fh:
        return [
            Pair(
                r["id"],
                r["population"],
                _identity(r, "before"),
                _identity(r, "after"),
                r["label"] == "overwrite",
                r["split"],
                r["note"],
            )
            for r in csv.DictReader(fh)
        ]


@dataclass(frozen=True)
class Measure:
    tp: int
    fp: int
    fn: int
    tn: int
    wrong: tuple[Pair, ...]

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def line(self, name: str) -> str:
        return (
            f"{name:<10} precision {self.precision:.3f}  recall {self.recall:.3f}  F1 {self.f1:.3f}  "
            f"tp {self.tp:>3} fp {self.fp:>3} fn {self.fn:>3} tn {self.tn:>3}"
        )


def measure(selected: list[Pair], threshold: float) -> Measure:
    tp = fp = fn = tn = 0
    wrong = []
    for p in selected:
        said = identity_verdict(p.before, p.after, threshold).overwrite
        tp += said and p.overwrite
        fp += said and not p.overwrite
        fn += not said and p.overwrite
        tn += not said and not p.overwrite
        if said != p.overwrite:
            wrong.append(p)
    return Measure(tp, fp, fn, tn, tuple(wrong))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threshold", type=float, default=Policy().overwrite_name_similarity)
    parser.add_argument("--sweep", action="store_true", help="also measure thresholds 0.40..0.95 on tune")
    parser.add_argument("--pairs", type=Path, default=PAIRS, help="labelled pairs CSV (default: %(default)s)")
    args = parser.parse_args()
    every = pairs(args.pairs)
    tune = [p for p in every if p.split == "tune"]
    holdout = [p for p in every if p.split == "holdout"]
    print(f"{len(every)} pairs ({len(tune)} tune, {len(holdout)} holdout), threshold {args.threshold}")
    print(measure(tune, args.threshold).line("tune"))
    held = measure(holdout, args.threshold)
    print(held.line("holdout"))
    for p in held.wrong:
        score = identity_verdict(p.before, p.after, args.threshold).score
        said = "overwrite" if not p.overwrite else "same"
        print(f"  {p.id} {p.population:<8} said {said:<9} score {score:.3f}  {p.note}")
    if args.sweep:
        print("sweep on tune:")
        for step in range(40, 96, 5):
            print(measure(tune, step / 100).line(f"  {step / 100:.2f}"))


if __name__ == "__main__":
    main()
