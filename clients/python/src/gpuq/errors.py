"""What can go wrong talking to gpuq, as classes a caller can tell apart.

Every error is a GpuqError. ApiError and its subclasses mean the API answered with its
``{"error": {"code", "message", "details"}}`` body; GpuqConnectionError that it could not be
reached even after retrying; UnexpectedResponse that it answered something this client does not
understand; WaitTimeout that wait() gave up (the job goes on).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Dict, List, Mapping, Optional, Tuple, Type

if TYPE_CHECKING:
    from .views import Job

__all__ = [
    "ErrorDetail",
    "GpuqError",
    "ApiError",
    "ValidationError",
    "Unauthorized",
    "Forbidden",
    "NotFound",
    "Conflict",
    "PayloadTooLarge",
    "Unprocessable",
    "RateLimited",
    "ServerError",
    "Unavailable",
    "GpuqConnectionError",
    "UnexpectedResponse",
    "WaitTimeout",
    "api_error_from",
]


@dataclass(frozen=True)
class ErrorDetail:
    """One field at fault: a dotted path into the request body, and what is wrong with it."""

    path: str
    message: str


class GpuqError(Exception):
    """The base of every error this client raises.

    ``status`` is the HTTP status (None when there was no answer), ``code`` a stable code
    (the API's, or one of this client's: ``connection_failed``, ``unexpected_response``,
    ``wait_timeout``), ``details`` the fields at fault.
    """

    status: Optional[int] = None
    code: str = "gpuq_error"

    def __init__(self, message: str, *, status: Optional[int] = None, code: Optional[str] = None,
                 details: Optional[List[ErrorDetail]] = None) -> None:
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status
        if code is not None:
            self.code = code
        self.details: List[ErrorDetail] = list(details or [])

    @property
    def field(self) -> Optional[str]:
        """The first field at fault (``input.csr_constraint_matrix.indices``), when one was named."""
        return self.details[0].path if self.details else None

    def __str__(self) -> str:
        lines = [self.message]
        lines.extend(f"  {d.path}: {d.message}" for d in self.details)
        return "\n".join(lines)


class ApiError(GpuqError):
    """The API answered with an error: its status, code, message and the fields at fault."""

    def __init__(self, status: int, code: str, message: str, details: Optional[List[ErrorDetail]] = None,
                 retry_after: Optional[float] = None) -> None:
        super().__init__(message, status=status, code=code, details=details)
        #: Seconds the API asked to wait (Retry-After), on a 429 or 503.
        self.retry_after = retry_after

    def __str__(self) -> str:
        head = f"{self.message} ({self.status} {self.code})"
        return "\n".join([head, *(f"  {d.path}: {d.message}" for d in self.details)])


class ValidationError(ApiError):
    """400: the body, query or path does not match the schema; each field is in ``details``."""


class Unauthorized(ApiError):
    """401: no valid API key."""


class Forbidden(ApiError):
    """403: the key may not do that (it needs the admin role)."""


class NotFound(ApiError):
    """404: no such job, batch, artifact or route (or not the caller's)."""


class Conflict(ApiError):
    """409: the job has already ended, it has no result, or an Idempotency-Key was reused with another body."""


class PayloadTooLarge(ApiError):
    """413: the body is larger, or costs more to check, than the API takes."""


class Unprocessable(ApiError):
    """422: admission refused the job: it could never run here (see ``code``)."""


class RateLimited(ApiError):
    """429: too many requests; ``retry_after`` says for how many seconds to wait."""


class ServerError(ApiError):
    """5xx: the API (or a proxy in front of it) failed."""


class Unavailable(ServerError):
    """503: the API is not ready or cannot reach its store; retry."""


_BY_STATUS: Dict[int, Type[ApiError]] = {
    400: ValidationError,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    413: PayloadTooLarge,
    422: Unprocessable,
    429: RateLimited,
    503: Unavailable,
}


class GpuqConnectionError(GpuqError):
    """The API could not be reached (refused, reset, timed out, no such host) even after retrying."""

    code = "connection_failed"

    def __init__(self, url: str, attempts: int, reason: str) -> None:
        tries = f" (tried {attempts} times)" if attempts > 1 else ""
        super().__init__(f"cannot reach the gpuq API at {url}: {reason}{tries}")
        self.url = url
        self.attempts = attempts


class UnexpectedResponse(GpuqError):
    """The API answered, but not in a shape this client knows: most likely a version mismatch."""

    code = "unexpected_response"

    def __init__(self, url: str, problem: str) -> None:
        super().__init__(f"unexpected answer from {url}: {problem} (is this client the same version as the API?)")
        self.url = url


class WaitTimeout(GpuqError):
    """wait() gave up before the job ended; the job itself goes on."""

    code = "wait_timeout"

    def __init__(self, job_id: str, timeout: float, last_view: Optional["Job"]) -> None:
        status = f" (it is {last_view.status})" if last_view is not None else ""
        super().__init__(f"job {job_id} had not ended after {timeout:g} s{status}")
        self.job_id = job_id
        self.timeout = timeout
        #: The last view seen, if any.
        self.last_view = last_view


def api_error_from(status: int, body: bytes, retry_after: Optional[float] = None, reason: str = "") -> ApiError:
    """The API's error body as the ApiError subclass for its status; anything else (a proxy's
    HTML page) by its status alone, with the start of what it said."""
    cls = _BY_STATUS.get(status, ServerError if status >= 500 else ApiError)
    parsed = _error_envelope(body)
    if parsed is not None:
        code, message, details = parsed
        return cls(status, code, message, details, retry_after)
    snippet = body.decode("utf-8", "replace").strip()[:200]
    message = f"the API answered {status}{f' {reason}' if reason else ''}{f': {snippet}' if snippet else ''}"
    return cls(status, f"http_{status}", message, [], retry_after)


def _error_envelope(body: bytes) -> Optional[Tuple[str, str, List[ErrorDetail]]]:
    try:
        value: Any = json.loads(body.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return None
    error = value.get("error") if isinstance(value, Mapping) else None
    if not isinstance(error, Mapping) or not isinstance(error.get("code"), str) or not isinstance(error.get("message"), str):
        return None
    details = [
        ErrorDetail(str(d.get("path", "")), str(d.get("message", "")))
        for d in error.get("details") or []
        if isinstance(d, Mapping)
    ]
    return error["code"], error["message"], details
