"""Running ``entsync run`` in a subprocess for the tests: JSON logs in a
file, events looked up by name, SIGTERM and SIGKILL."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ENTSYNC = str(Path(sys.executable).with_name("entsync"))


def wait_until(predicate, timeout: float, what: str, step: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    value = predicate()
    assert value, f"timed out after {timeout} s waiting for {what}"
    return value


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ENTSYNC_")}
    env.update(extra)
    return env


def cli(store: str, *args: str, cwd: Path, code: int | None = 0) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        [ENTSYNC, "--store", store, *args], cwd=cwd, capture_output=True, text=True, env=clean_env(), timeout=120
    )
    if code is not None:
        assert proc.returncode == code, (args, proc.returncode, proc.stdout[-2000:], proc.stderr[-2000:])
    return proc


class Daemon:
    """One ``entsync run`` process with JSON logs in a file."""

    count = 0

    def __init__(self, work: Path, store: str, inbox: Path, quiet: float, **env: str):
        Daemon.count += 1
        self.env = env
        self.work, self.store, self.inbox, self.quiet = work, store, inbox, quiet
        self.log = work / f"daemon-{Daemon.count}.log"
        self.out = work / f"daemon-{Daemon.count}.out"
        self.proc: subprocess.Popen | None = None

    def start(self) -> Daemon:
        env = clean_env(**{"ENTSYNC_POLL_SECONDS": "0.1", "ENTSYNC_CATCH_UP_SECONDS": "0.5", **self.env})
        with open(self.log, "wb") as err, open(self.out, "wb") as out:
            self.proc = subprocess.Popen(
                [
                    ENTSYNC,
                    "--store",
                    self.store,
                    "run",
                    "--inbox",
                    str(self.inbox),
                    "--listen",
                    "127.0.0.1:0",
                    "--quiet-seconds",
                    str(self.quiet),
                    "--log-format",
                    "json",
                ],
                cwd=self.work,
                env=env,
                stdout=out,
                stderr=err,
                stdin=subprocess.DEVNULL,
            )
        wait_until(lambda: self.find("service.started") or self.proc.poll() is not None, 20, "the daemon to start")
        assert self.proc.poll() is None, self.log.read_text()[-3000:]
        return self

    def events(self) -> list[dict]:
        out = []
        for line in self.log.read_text(encoding="utf-8").splitlines():
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:  # a line being written
                pass
        return out

    def find(self, name: str, **fields) -> dict | None:
        for e in self.events():
            if e["event"] == name and all(e["fields"].get(k) == v for k, v in fields.items()):
                return e
        return None

    def url(self, path: str) -> str:
        listening = wait_until(lambda: self.find("http.listening"), 10, "the HTTP server")
        return f"http://127.0.0.1:{listening['fields']['port']}{path}"

    def terminate(self, timeout: float = 20) -> int:
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.send_signal(signal.SIGUSR1)  # where it is stuck, in the log
            time.sleep(1)
            raise

    def kill(self) -> int:
        self.proc.kill()
        return self.proc.wait(10)

    def stop_if_running(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)


def http_status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return resp.status
    except urllib.error.HTTPError as exc:
        return exc.code


def outcome_files(inbox: Path, where: str) -> dict[str, dict]:
    """item name → its report, for the items moved to ``where``."""
    out = {}
    for report in (inbox / where).glob("*.report.json"):
        data = json.loads(report.read_text(encoding="utf-8"))
        moved = inbox / data["moved_to"]
        assert moved.exists(), f"report without its item: {report.name}"
        out[data["item"]] = data
    return out


def write_slowly(src: Path, dest: Path, pause: float) -> None:
    """Copy ``src`` in two halves with a pause: a delivery still being written."""
    data = src.read_bytes()
    with open(dest, "wb") as fh:
        fh.write(data[: len(data) // 2])
        fh.flush()
        time.sleep(pause)
        fh.write(data[len(data) // 2 :])


def drop_with_marker(src: Path, inbox: Path, name: str | None = None, marker: str = ".done") -> str:
    """Copy under a hidden name, rename into place, then mark it done."""
    name = name or src.name
    hidden = inbox / f".{name}.incoming"
    if src.is_dir():
        shutil.copytree(src, hidden)
    else:
        shutil.copyfile(src, hidden)
    os.rename(hidden, inbox / name)
    (inbox / f"{name}{marker}").touch()
    return name
