"""The console's sessions (issue 16): the log-in form takes an API token
(events/access.py); the session keeps it in this process's memory, and the
browser gets only a random session id, in an HttpOnly, SameSite=Strict
cookie. Every page checks the kept token again (daemon/http/access.py
``Gate.check_presented``), so that a token revoked or a role changed takes
effect on the next page; logging out forgets the session here, so that a
copied cookie is worth nothing after it.

Sessions live in memory only: a restart of the daemon logs everyone out,
which costs a log-in and keeps no token on disk. They end after ``IDLE`` of
inactivity or ``LIFETIME`` in all; at most ``MAX_SESSIONS`` are kept (the
oldest goes first), so that a flood of log-ins cannot grow memory.
"""

from __future__ import annotations

import hmac
import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from events.clock import Clock

COOKIE = "entsync_console"
LOGIN_COOKIE = "entsync_console_login"  # the log-in form's own CSRF value (double submit)
PATH = "/console"
IDLE = timedelta(minutes=30)
LIFETIME = timedelta(hours=10)
MAX_SESSIONS = 10_000


@dataclass
class Session:
    sid: str
    token: str = field(repr=False)
    csrf: str = field(repr=False)
    started: datetime
    seen: datetime


class Sessions:
    def __init__(self, clock: Clock, idle: timedelta = IDLE, lifetime: timedelta = LIFETIME):
        self.clock, self.idle, self.lifetime = clock, idle, lifetime
        self._sessions: OrderedDict[str, Session] = OrderedDict()
        self._lock = threading.Lock()

    def open(self, token: str) -> Session:
        """A new session for a token that checked out (the caller checked it)."""
        now = self.clock.now()
        session = Session(secrets.token_urlsafe(32), token, secrets.token_urlsafe(32), now, now)
        with self._lock:
            self._sessions[session.sid] = session
            while len(self._sessions) > MAX_SESSIONS:
                self._sessions.popitem(last=False)
        return session

    def get(self, sid: str | None) -> Session | None:
        """The live session of a cookie's value, its inactivity clock reset;
        None when there is none, or it ended."""
        if not sid:
            return None
        now = self.clock.now()
        with self._lock:
            session = self._sessions.get(sid)
            if session is None:
                return None
            if now - session.seen > self.idle or now - session.started > self.lifetime:
                del self._sessions[sid]
                return None
            session.seen = now
            self._sessions.move_to_end(sid)
            return session

    def close(self, sid: str | None) -> None:
        with self._lock:
            self._sessions.pop(sid or "", None)

    def __len__(self) -> int:
        with self._lock:
            return len(self._sessions)


def same(expected: str | None, presented: str | None) -> bool:
    """A CSRF value presented equals the one expected (in constant time)."""
    return bool(expected) and bool(presented) and hmac.compare_digest(str(expected), str(presented))


def new_login_csrf() -> str:
    return secrets.token_urlsafe(32)
