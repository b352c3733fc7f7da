"""Delays between tries: exponential, capped, with jitter so that many clients that failed
together do not all come back together. Pure, so schedules are tested without waiting.
The same schedules as the TypeScript client (packages/client/src/backoff.ts)."""
from __future__ import annotations

import random as _random
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Callable, Optional

__all__ = ["Backoff", "RETRY_BACKOFF", "POLL_BACKOFF", "retry_after_seconds"]


@dataclass(frozen=True)
class Backoff:
    """``initial_s`` × ``factor``^attempt, at most ``max_s``, less up to ``jitter`` of it at random."""

    initial_s: float
    factor: float
    max_s: float
    jitter: float = 0.0

    def delay(self, attempt: int, random: Callable[[], float] = _random.random) -> float:
        """The delay before try ``attempt`` + 1 (attempt 0 is the first retry), in seconds."""
        full = min(self.max_s, self.initial_s * self.factor ** max(0, attempt))
        return full * (1 - self.jitter * random())


#: Retrying a request that failed for a passing reason: 0.2, 0.4, 0.8 s… (less up to half).
RETRY_BACKOFF = Backoff(initial_s=0.2, factor=2.0, max_s=5.0, jitter=0.5)

#: Polling a job that has not ended: 0.25 s, ×1.5 each time, at most 5 s.
POLL_BACKOFF = Backoff(initial_s=0.25, factor=1.5, max_s=5.0)


def retry_after_seconds(header: Optional[str], now: Optional[float] = None) -> Optional[float]:
    """Retry-After in seconds: a number of seconds, or an HTTP date; None when absent or unreadable."""
    if header is None or not header.strip():
        return None
    value = header.strip()
    if value.isdigit():
        return float(value)
    # An HTTP date starts with a day name ("Wed, 21 Oct 2026 07:28:00 GMT").
    if len(value) > 4 and value[:3].isalpha() and value[3] == ",":
        try:
            at = parsedate_to_datetime(value).timestamp()
        except (TypeError, ValueError):
            return None
        return max(0.0, at - (time.time() if now is None else now))
    return None
