"""The exit codes of ``entsync`` (README): 0 done, 1 an error, 2 rejected
or held, 3 done in part; and the failure a command raises to end in one
line ``entsync: error: …``."""

from __future__ import annotations

EXIT_OK, EXIT_ERROR, EXIT_REJECTED, EXIT_PARTIAL = 0, 1, 2, 3


class CommandFailed(Exception):
    """What a command could not do: its message is the error line; ``data``,
    when given, is what ``--json`` prints on stdout (a shape scripts read)."""

    def __init__(self, message: str, data: object = None, code: int = EXIT_ERROR) -> None:
        super().__init__(message)
        self.data = data
        self.code = code
