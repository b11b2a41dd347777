"""The cost of the duplicate blocks the directory projection derives for
every record it applies (events/duplicate_score.duplicate_keys, issue 15),
with the names folded once per distinct name (events/identity_rules.words,
memoised) and, for comparison, folded again for every record as before.
Records are drawn from the generator's names, as a rebuild of an académie's
read model applies them (`entsync verify` rebuilds every table).

    python -m bench.duplicate_blocks [--records 50000]
"""

from __future__ import annotations

import argparse
import random
import time
from unittest import mock

from events import identity_rules
from events.duplicate_score import duplicate_keys
from generator.academie.names import ADULT_F, ADULT_M, CHILD_F, CHILD_M, LAST_NAMES


def records(n: int, seed: int = 15) -> list[dict[str, list[str]]]:
    rng = random.Random(seed)
    given = [*ADULT_F, *ADULT_M, *CHILD_F, *CHILD_M]
    return [
        {
            "sn": [rng.choice(LAST_NAMES)],
            "givenName": [rng.choice(given)],
            "ENTPersonDateNaissance": [
                f"{rng.randrange(1, 29):02d}/{rng.randrange(1, 13):02d}/{rng.randrange(1960, 2015)}"
            ],
        }
        for _ in range(n)
    ]


def timed(rows: list[dict[str, list[str]]]) -> float:
    start = time.perf_counter()
    for attrs in rows:
        duplicate_keys(attrs)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=50000)
    args = parser.parse_args()
    rows = records(args.records)
    identity_rules._folded_words.cache_clear()
    memoised = timed(rows)
    with mock.patch.object(identity_rules, "_folded_words", identity_rules._folded_words.__wrapped__):
        folded_each_time = timed(rows)
    print(f"{args.records} records: duplicate blocks")
    print(
        f"  names folded for every record: {folded_each_time:6.3f} s ({args.records / folded_each_time:9.0f} records/s)"
    )
    print(f"  names folded once (memoised):  {memoised:6.3f} s ({args.records / memoised:9.0f} records/s)")
    print(f"  distinct names folded: {identity_rules._folded_words.cache_info().currsize}")


if __name__ == "__main__":
    main()
