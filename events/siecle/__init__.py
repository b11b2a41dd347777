"""SIECLE (BEE) facts under SIECLE's own keys (domain-rules §11: each source
keeps its records under its own key; an account is linked by correlation).

One module per aggregate: ``student`` (a student record), ``guardian`` (a
person of BEE_RESPONSABLES), ``intake`` (a received file, ``SiecleImport``);
their stream ids in ``ids``. Every event carries its effective time ``at`` and
the import that recorded it. Dates are ISO ``YYYY-MM-DD`` text (``""`` for
none). The aggregates decide which facts a new snapshot of a record makes:
commands compare with their state and record only what changed.
"""
