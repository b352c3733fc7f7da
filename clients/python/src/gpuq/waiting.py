"""A job's changes as events, and waiting for a job to end.

events(): GET /v1/jobs/:id/events over http.client: ``event: job`` with each new view, then
``event: end``. A stream that breaks before the end is opened again with Last-Event-ID (the server
then skips the view the client already has), and a view seen just before the break is not
repeated. wait(): by the event stream when the API has one, else by polling GET /v1/jobs/:id with
a growing interval (back to the shortest each time the status changes). Either way each new view
goes to ``on_progress`` once, and a deadline ends the wait with WaitTimeout.
Mirrors packages/client/src/job-events.ts and wait.ts.
"""
from __future__ import annotations

import codecs
import http.client
import json
import socket
import time
import urllib.parse
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterator, Optional, Tuple

from ._http import Transport
from .backoff import POLL_BACKOFF, Backoff, retry_after_seconds
from .errors import ApiError, GpuqConnectionError, UnexpectedResponse, WaitTimeout, api_error_from
from .sse import ServerSentEvent, SseParser
from .views import Job

if TYPE_CHECKING:
    from .client import Client

__all__ = ["JobEvent", "DeadlinePassed", "stream_job_events", "wait_for_job"]

#: The API sends a comment every 15 s: this long with no byte at all means the stream is dead.
STREAM_IDLE_S = 45.0


@dataclass
class JobEvent:
    """``type`` is ``job`` (``job`` holds the new view) or ``end`` (``status`` is how it ended)."""

    type: str
    job_id: str
    status: str
    job: Optional[Job] = None


class DeadlinePassed(Exception):
    """Internal: a wait's or stream's deadline passed (the caller raises WaitTimeout)."""


def _signature(raw: Dict[str, Any]) -> str:
    """The view less what changes every moment (a running job's cost): equal signatures, same news."""
    return json.dumps({**raw, "cost": None}, sort_keys=True)


def _remaining(deadline: Optional[float]) -> Optional[float]:
    if deadline is None:
        return None
    left = deadline - time.monotonic()
    if left <= 0:
        raise DeadlinePassed()
    return left


def _connect(transport: Transport, path: str, last_event_id: str, deadline: Optional[float]) -> Tuple[http.client.HTTPConnection, http.client.HTTPResponse]:
    """An open connection and its 200 response, its body (the stream) unread. Failures to open
    are retried as any request is; an error answer raises its ApiError."""
    parts = urllib.parse.urlsplit(transport.base)
    connection_class = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    headers = transport.headers({"Last-Event-ID": last_event_id or None, "Cache-Control": "no-cache"}, accept="text/event-stream")
    attempt = 0
    while True:
        left = _remaining(deadline)
        timeout = transport.timeout if left is None else min(transport.timeout, left)
        connection = connection_class(parts.netloc, timeout=timeout)
        try:
            connection.request("GET", parts.path.rstrip("/") + path, headers=headers)
            response = connection.getresponse()
            if response.status == 200:
                return connection, response
            error: BaseException = api_error_from(response.status, response.read(), retry_after_seconds(response.getheader("Retry-After")), response.reason)
        except (OSError, http.client.HTTPException) as err:
            error = err
        connection.close()
        if isinstance(error, (socket.timeout, TimeoutError)) and deadline is not None and time.monotonic() >= deadline:
            raise DeadlinePassed()
        delay = transport.retry_delay(error, attempt)
        left = _remaining(deadline)
        transport.sleep(delay if left is None else min(delay, left))
        attempt += 1


def _job_event_of(raw: ServerSentEvent, url: str) -> Optional[JobEvent]:
    # Unknown event types are skipped: a newer server may send more.
    if raw.event not in ("job", "end"):
        return None
    try:
        data = json.loads(raw.data)
    except ValueError:
        raise UnexpectedResponse(url, f"the data of a {raw.event} event is not JSON") from None
    if raw.event == "job":
        job = Job.from_json(data, url)
        return JobEvent("job", job.id, job.status, job)
    if not isinstance(data, dict) or not isinstance(data.get("id"), str) or not isinstance(data.get("status"), str):
        raise UnexpectedResponse(url, "an end event does not say the job id and status")
    return JobEvent("end", data["id"], data["status"])


def stream_job_events(transport: Transport, job_id: str, *, max_reconnects: int = 5, deadline: Optional[float] = None) -> Iterator[JobEvent]:
    path = f"/v1/jobs/{urllib.parse.quote(job_id, safe='')}/events"
    url = transport.url(path)
    last_event_id = ""
    last_signature = ""
    failures = 0
    while True:
        parser = SseParser()
        connection, response = _connect(transport, path, last_event_id, deadline)
        try:
            content_type = response.getheader("Content-Type") or ""
            if "text/event-stream" not in content_type:
                raise UnexpectedResponse(url, f"expected an event stream, got {content_type or 'no content type'}")
            decoder = codecs.getincrementaldecoder("utf-8")("replace")
            while True:
                left = _remaining(deadline)
                if connection.sock is not None:
                    connection.sock.settimeout(STREAM_IDLE_S if left is None else min(STREAM_IDLE_S, left))
                try:
                    chunk = response.read1(65536)
                except (OSError, http.client.HTTPException):
                    if deadline is not None and time.monotonic() >= deadline:
                        raise DeadlinePassed() from None
                    break  # broken: open it again
                if not chunk:
                    parser.feed(decoder.decode(b"", final=True))
                    break  # ended without `end`: open it again
                for raw in parser.feed(decoder.decode(chunk)):
                    failures = 0
                    event = _job_event_of(raw, url)
                    if event is None:
                        continue
                    if event.type == "job":
                        signature = _signature(event.job.raw)  # type: ignore[union-attr]
                        if signature == last_signature:
                            continue
                        last_signature = signature
                    yield event
                    if event.type == "end":
                        return
        finally:
            connection.close()
        last_event_id = parser.last_event_id or last_event_id
        failures += 1
        if failures > max_reconnects:
            raise GpuqConnectionError(url, failures, "the event stream kept breaking before the job ended")
        delay = parser.retry_s if parser.retry_s is not None else transport.backoff.delay(failures - 1)
        left = _remaining(deadline)
        transport.sleep(delay if left is None else min(delay, left))


class _ViewTracker:
    def __init__(self, on_progress: Optional[Callable[[Job], None]]) -> None:
        self.on_progress = on_progress
        self.last: Optional[Job] = None
        self._signature = ""

    def see(self, view: Job) -> bool:
        """Records the view, telling on_progress when it is news; True when its status is new."""
        signature = _signature(view.raw)
        is_new_status = self.last is None or view.status != self.last.status
        self.last = view
        if signature != self._signature:
            self._signature = signature
            if self.on_progress is not None:
                self.on_progress(view)
        return is_new_status


def _is_no_stream(err: BaseException) -> bool:
    """An API without a usable stream (an older one, a proxy that buffers or drops it): poll instead."""
    if isinstance(err, ApiError):
        return err.code == "route_not_found" or err.status in (405, 406) or (err.status or 0) >= 500
    return isinstance(err, (UnexpectedResponse, GpuqConnectionError))


def wait_for_job(
    client: "Client",
    job_id: str,
    *,
    timeout: Optional[float] = None,
    on_progress: Optional[Callable[[Job], None]] = None,
    use_events: bool = True,
    poll_backoff: Backoff = POLL_BACKOFF,
) -> Job:
    deadline = None if timeout is None else time.monotonic() + timeout
    tracker = _ViewTracker(on_progress)
    try:
        if use_events:
            done = _wait_by_events(client, job_id, tracker, deadline)
            if done is not None:
                return done
        return _wait_by_polling(client, job_id, tracker, poll_backoff, deadline)
    except DeadlinePassed:
        raise WaitTimeout(job_id, timeout or 0.0, tracker.last) from None


def _wait_by_events(client: "Client", job_id: str, tracker: _ViewTracker, deadline: Optional[float]) -> Optional[Job]:
    """The final view; None when the API has no usable event stream (then poll)."""
    try:
        for event in stream_job_events(client._transport, job_id, deadline=deadline):
            if event.type == "job" and event.job is not None:
                tracker.see(event.job)
            elif tracker.last is not None and tracker.last.is_done:
                return tracker.last
            else:
                break
    except DeadlinePassed:
        raise
    except Exception as err:  # noqa: BLE001 - sorted by _is_no_stream, the rest raised as is
        if not _is_no_stream(err):
            raise
    return None


def _wait_by_polling(client: "Client", job_id: str, tracker: _ViewTracker, backoff: Backoff, deadline: Optional[float]) -> Job:
    attempt = 0
    while True:
        _remaining(deadline)
        view = client.get(job_id)
        if tracker.see(view):
            attempt = 0
        if view.is_done:
            return view
        delay = backoff.delay(attempt)
        left = _remaining(deadline)
        time.sleep(delay if left is None else min(delay, left))
        attempt += 1

