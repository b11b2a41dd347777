"""The service layer: one use case per source or action (issue 11).

A use case takes a command (what was asked: a file, an effective time, an
operator's action) and a unit of work — the ports it needs, declared here as
Protocols: the event log (``ports.EventLog``), the read models it catches up
(``ports.ReadModel``), the read-model queries it decides on (a Protocol per
use case, implemented in ``projections/``), the policy, the clock and the
faults port. It reads through the queries, decides with the pure rules of
``events/`` and records facts through the aggregates; it never writes SQL and
never imports a database driver.

The composition root (``daemon/bootstrap.py``) builds the unit of work from
the configuration. The unit tests build it on the in-memory twin
(``bootstrap.build("memory:")``: eventsourcing's POPO recorder and the read
models in an in-memory SQLite database), so every use case is tested as
"given these events, when this command, then these new events" without a
server.
"""
