"""uvicorn's h11 protocol with a deadline on each request's arrival.

uvicorn has no timeout on a request still arriving (Kludex/uvicorn#157's
``--timeout-request-start`` was never built): its keep-alive timer runs only
between requests and is reset by every byte, and a connection that sends
nothing is never timed out. A client that opens sockets and trickles their
headers would hold them for ever. Here a connection that is waiting for a
request (the start of one, or the rest of its headers and bounded body) has
``request_timeout`` seconds for the whole of it, whatever arrives meanwhile;
past them the connection is closed, without an answer. The deadline does
not run while the request is answered: a long read is never cut.

A request h11 cannot parse (a header block over the bound, a malformed
line) gets the project's error shape instead of uvicorn's plain text.
"""

from __future__ import annotations

import asyncio
import json
import logging

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

log = logging.getLogger("entsync.http")  # named by its room, not its module: stable when modules move

REQUEST_TIMEOUT_SECONDS = 5.0
_RECEIVING = (h11.IDLE, h11.SEND_BODY)  # their side: a request to come, or its body
_BAD_REQUEST = json.dumps(
    {"error": {"code": "bad_request", "message": "the request is not valid HTTP/1.1 or its headers are too long"}}
).encode()


class DeadlineH11Protocol(H11Protocol):
    request_timeout = REQUEST_TIMEOUT_SECONDS
    _deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._watch()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        self._watch()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._watch()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _watch(self) -> None:
        """Armed once when the connection starts waiting for a request, kept
        (not restarted) while it arrives, disarmed once it has arrived."""
        if self.conn.their_state in _RECEIVING and not self.transport.is_closing():
            if self._deadline is None:
                self._deadline = self.loop.call_later(self.request_timeout, self._expired)
        else:
            self._disarm()

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _expired(self) -> None:
        self._deadline = None
        if self.conn.their_state in _RECEIVING and not self.transport.is_closing():
            log.debug("HTTP: no complete request within %s s; connection closed", self.request_timeout)
            self.transport.close()

    def send_400_response(self, msg: str) -> None:
        headers = [
            (b"content-type", b"application/json; charset=utf-8"),
            (b"content-length", str(len(_BAD_REQUEST)).encode()),
            (b"cache-control", b"no-store"),
            (b"connection", b"close"),
        ]
        try:
            self.transport.write(self.conn.send(h11.Response(status_code=400, headers=headers, reason=b"Bad Request")))
            self.transport.write(self.conn.send(h11.Data(data=_BAD_REQUEST)))
            self.transport.write(self.conn.send(h11.EndOfMessage()))
        except h11.LocalProtocolError:  # an answer had already begun: nothing more can be said
            log.debug("HTTP: a malformed request after an answer began")
        self.transport.close()


def with_deadline(seconds: float) -> type[DeadlineH11Protocol]:
    """The protocol class for one server (uvicorn builds it from its config alone)."""
    return type("DeadlineH11Protocol", (DeadlineH11Protocol,), {"request_timeout": seconds})
