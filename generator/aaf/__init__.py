"""AAF (``ficAlimMENESR``) deliveries of the synthetic académie (formats §1).

Records are plain ``(identifier, values)`` pairs where ``values`` is a tuple
of value-tuples aligned with the attributes of the category (``layout``):
building them (``records``) is separate from writing them (``writer``), so
that a delta is just a diff of two record sets.

The default layout is VE1803's.  The other shapes real deliveries come in
turn records of that layout into another, or add records, with random
streams of their own (seeded with the seed and a name): the people and their
ids are the same whatever the shape, and the default output does not
change.  ``versions``: VE1301 and VE2407; ``shape``: the run's options and
the file names; ``real_shapes``: the staff mix of real files and the
structures the ENT does not serve.
"""
