"""Repeated authentication failures from one client address are slowed down
(issue 12): after ``limit`` failures within ``window`` seconds, the address is
answered 429 until the window has passed, whatever token it presents, so
that guessing tokens costs time. Successful calls never count.

State is kept in memory, per process, for at most ``max_clients`` addresses
(the oldest forgotten first): a flood from many addresses cannot grow it
without bound. The Clock port's monotonic reading times it."""

from __future__ import annotations

from collections import OrderedDict, deque

from events.clock import Clock

FAILURE_LIMIT = 10  # wrong tokens from one address within the window


class FailureThrottle:
    def __init__(self, clock: Clock, limit: int = FAILURE_LIMIT, window: float = 60.0, max_clients: int = 10_000):
        self.clock, self.limit, self.window, self.max_clients = clock, limit, window, max_clients
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()

    def _recent(self, client: str) -> deque[float] | None:
        seen = self._failures.get(client)
        if seen is None:
            return None
        horizon = self.clock.monotonic() - self.window
        while seen and seen[0] <= horizon:
            seen.popleft()
        if not seen:
            del self._failures[client]
            return None
        return seen

    def blocked(self, client: str) -> bool:
        seen = self._recent(client)
        return seen is not None and len(seen) >= self.limit

    def retry_after(self, client: str) -> int:
        """Seconds until ``client`` is answered again (0 if it is not blocked)."""
        seen = self._recent(client)
        if seen is None or len(seen) < self.limit:
            return 0
        return max(1, int(seen[0] + self.window - self.clock.monotonic() + 0.999))

    def failed(self, client: str) -> None:
        seen = self._recent(client)
        if seen is None:
            seen = self._failures[client] = deque(maxlen=self.limit)
        self._failures.move_to_end(client)
        seen.append(self.clock.monotonic())
        while len(self._failures) > self.max_clients:
            self._failures.popitem(last=False)
