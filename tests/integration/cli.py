"""`entsync` run in-process by the story tests: the real argument parsing,
commands and output, without a process per command."""

from __future__ import annotations

import json

from daemon.cli import main


class Cli:
    """``run`` gives (exit code, stdout); ``err`` holds the last stderr."""

    def __init__(self, store_url: str, capsys):
        self.store_url, self.capsys = store_url, capsys
        self.err = ""

    def run(self, *args: str) -> tuple[int, str]:
        self.capsys.readouterr()
        code = main(["--store", self.store_url, *args])
        captured = self.capsys.readouterr()
        self.err = captured.err
        return code, captured.out

    def json(self, *args: str):
        code, out = self.run(*args, "--json")
        assert code == 0, out
        return json.loads(out)
