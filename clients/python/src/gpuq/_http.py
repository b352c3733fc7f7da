"""HTTP to the API: the base URL and key, retries of what failed for a passing reason (connection
refused, reset or timed out, 429, 502, 503, 504) with jittered backoff and Retry-After, and error
bodies turned into ApiError subclasses. As in the TypeScript client (packages/client/src/http.ts).

A request is *idempotent* when repeating it cannot do anything twice: reads, DELETE, and submits
that carry an Idempotency-Key. Anything else (a batch submit, which the API does not deduplicate)
is retried only where the API certainly stored nothing: a refused connection, 429 and 503.
"""
from __future__ import annotations

import http.client
import json
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any, Callable, Dict, Mapping, Optional, Sequence, Tuple, Union

from .backoff import RETRY_BACKOFF, Backoff, retry_after_seconds
from .errors import ApiError, GpuqConnectionError, UnexpectedResponse, api_error_from

__version__ = "0.1.0"
USER_AGENT = f"gpuq-python/{__version__}"

_TRANSIENT_STATUSES = frozenset({429, 502, 503, 504})
# Statuses after which the API has certainly stored nothing (it refused before doing anything).
_NOTHING_STORED_STATUSES = frozenset({429, 503})

Query = Optional[Union[Mapping[str, Any], Sequence[Tuple[str, Any]]]]


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes


def describe(err: BaseException) -> str:
    """A socket error in a few words: ``connection refused``, ``timed out``, …"""
    reason = err.reason if isinstance(err, urllib.error.URLError) and isinstance(err.reason, BaseException) else err
    if isinstance(reason, ConnectionRefusedError):
        return "connection refused"
    if isinstance(reason, (ConnectionResetError, http.client.RemoteDisconnected, ConnectionAbortedError, BrokenPipeError)):
        return "connection reset"
    if isinstance(reason, (socket.timeout, TimeoutError)):
        return "timed out"
    if isinstance(reason, socket.gaierror):
        return f"no such host ({reason.strerror or reason})"
    if isinstance(err, urllib.error.URLError):
        return str(err.reason)
    return str(reason) or type(reason).__name__


def _is_refused(err: BaseException) -> bool:
    reason = err.reason if isinstance(err, urllib.error.URLError) else err
    return isinstance(reason, ConnectionRefusedError)


class Transport:
    def __init__(
        self,
        url: str,
        api_key: Optional[str],
        *,
        timeout: float,
        retries: int = 3,
        backoff: Backoff = RETRY_BACKOFF,
        max_retry_after: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        parsed = urllib.parse.urlsplit(url)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise ValueError(f"the gpuq URL must be http(s)://host[:port][/path], not {url!r}")
        self.base = url.rstrip("/")
        self.origin = f"{parsed.scheme}://{parsed.netloc}"
        self.api_key = api_key or None
        self.timeout = timeout
        self.retries = retries
        #: Also paces the reopening of a broken event stream.
        self.backoff = backoff
        self.max_retry_after = max_retry_after
        self.sleep = sleep
        # Straight to the API, as the event stream (http.client) and the TypeScript client (fetch)
        # go: an HTTP_PROXY meant for the internet would otherwise take requests to 127.0.0.1.
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def url(self, path: str, query: Query = None) -> str:
        pairs = []
        items = query.items() if isinstance(query, Mapping) else (query or [])
        for name, value in items:
            if value is not None:
                pairs.append((name, str(value)))
        return self.base + path + (f"?{urllib.parse.urlencode(pairs)}" if pairs else "")

    def headers(self, extra: Optional[Mapping[str, Optional[str]]] = None, *, accept: str = "application/json") -> Dict[str, str]:
        headers = {"User-Agent": USER_AGENT, "Accept": accept}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        for name, value in (extra or {}).items():
            if value is not None:
                headers[name] = value
        return headers

    def open(
        self,
        method: str,
        path: str,
        *,
        query: Query = None,
        body: Any = None,
        headers: Optional[Mapping[str, Optional[str]]] = None,
        accept: str = "application/json",
        is_idempotent: bool = True,
        timeout: Optional[float] = None,
    ) -> http.client.HTTPResponse:
        """Sends the request, retrying passing failures; returns a 2xx response, its body unread
        (the caller closes it). Raises ApiError for an error answer, GpuqConnectionError when the
        API cannot be reached."""
        url = self.url(path, query)
        all_headers = self.headers(headers, accept=accept)
        data = None
        if body is not None:
            data = json.dumps(body, separators=(",", ":"), allow_nan=False).encode("utf-8")
            all_headers["Content-Type"] = "application/json"
        attempt = 0
        while True:
            request = urllib.request.Request(url, data=data, headers=all_headers, method=method)
            try:
                response: http.client.HTTPResponse = self._opener.open(request, timeout=timeout or self.timeout)
                return response
            except urllib.error.HTTPError as err:
                with err:
                    error = api_error_from(err.code, err.read(), retry_after_seconds(err.headers.get("Retry-After")), err.reason or "")
                delay = self.retry_delay(error, attempt, is_idempotent)
            except (urllib.error.URLError, OSError, http.client.HTTPException) as err:
                delay = self.retry_delay(err, attempt, is_idempotent)
            self.sleep(delay)
            attempt += 1

    def retry_delay(self, err: BaseException, attempt: int, is_idempotent: bool = True) -> float:
        """How long to wait before try ``attempt`` + 2 after ``err``; raises (an ApiError, or
        GpuqConnectionError for a socket error) when the failure is not worth another try."""
        if isinstance(err, ApiError):
            retry = attempt < self.retries and err.status in _TRANSIENT_STATUSES
            if not is_idempotent:
                retry = retry and err.status in _NOTHING_STORED_STATUSES
            # A longer wait than the caller allows fails at once, with the 429 or 503 itself.
            if not retry or (err.retry_after is not None and err.retry_after > self.max_retry_after):
                raise err from None
            return err.retry_after if err.retry_after is not None else self.backoff.delay(attempt)
        if attempt >= self.retries or not (is_idempotent or _is_refused(err)):
            raise GpuqConnectionError(self.origin, attempt + 1, describe(err)) from err
        return self.backoff.delay(attempt)

    def send(self, method: str, path: str, **options: Any) -> Answer:
        """The request's whole answer. A body cut off while being read is retried like a reset."""
        attempt = 0
        while True:
            response = self.open(method, path, **options)
            try:
                with response:
                    return Answer(response.status, response.headers, response.read())
            except (OSError, http.client.HTTPException) as err:
                if attempt >= self.retries or not options.get("is_idempotent", True):
                    raise GpuqConnectionError(self.origin, attempt + 1, describe(err)) from err
                self.sleep(self.backoff.delay(attempt))
                attempt += 1

    def json(self, method: str, path: str, **options: Any) -> Any:
        answer = self.send(method, path, **options)
        if not answer.body:
            return None
        try:
            return json.loads(answer.body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            raise UnexpectedResponse(self.url(path), f"the body of a {answer.status} is not JSON") from None
