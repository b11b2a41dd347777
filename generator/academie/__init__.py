"""Seeded, pure model of a synthetic académie (no XML here, no I/O).

Everything is derived from ``(seed, n_students, school_year)`` through
``random.Random`` instances seeded with strings (SHA-512 based, hence stable
across runs and independent of ``PYTHONHASHSEED``).  Nothing is global.

Memory stays bounded: :func:`plan.plan_academie` keeps only one small object
per establishment; the people of an establishment are produced by
:func:`population.populate` when that establishment is written, and
forgotten after.  People never cross establishments (siblings share
guardians inside one establishment) except the teachers who also serve the
next establishment, whose classes are known from the plan.

The first delivery depends only on the seed, the size and the school year:
churn arrivals draw their ids from the other end of each identifier space
(:class:`identifiers.IdSpace`) and their identities from a disjoint hash
class (:meth:`identifiers.Ids.claim_identity`), with their own random
streams.

- ``names``, ``nomenclature``: the data tables (names, communes, subjects,
  streams, staff functions);
- ``identifiers``: UAI check letters, name normalisation, identifier spaces;
- ``model``: the establishments and the people, as data;
- ``plan``: the establishments of a seeded académie and their structures;
- ``people``: drawing one family or staff member;
- ``population``: the people of one establishment at the first date;
- ``churn``: the same establishment at the second date.
"""
