"""Client: the gpuq API as Python methods, the standard library only. The same behaviour as the
TypeScript client (packages/client): submits always carry an Idempotency-Key, so retrying a
refused connection, 429 or 502–504 never makes a second job; wait() follows the event stream and
falls back to polling; errors are GpuqError subclasses carrying the API's code and fields."""
from __future__ import annotations

import http.client
import os
import shutil
import time
import urllib.parse
import uuid
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, Iterator, List, Mapping, Optional, Sequence, Tuple, Union

from ._http import Transport
from .backoff import POLL_BACKOFF, RETRY_BACKOFF, Backoff
from .errors import Conflict, UnexpectedResponse, WaitTimeout
from .inputs import Problem, fold_input, inference_input, job_request, solve_input
from .results import parse_result
from .views import Batch, BatchStatus, Job, JobPage
from .waiting import DeadlinePassed, JobEvent, stream_job_events, wait_for_job

__all__ = ["Client", "DEFAULT_URL"]

DEFAULT_URL = "http://127.0.0.1:8080"

Labels = Union[Mapping[str, str], Iterable[str], None]


def _job_path(job_id: str) -> str:
    if not isinstance(job_id, str) or not job_id:
        raise ValueError(f"a job id is a non-empty string, not {job_id!r}")
    return f"/v1/jobs/{urllib.parse.quote(job_id, safe='')}"


def _label_pairs(labels: Labels) -> List[str]:
    if labels is None:
        return []
    if isinstance(labels, Mapping):
        return [f"{k}:{v}" for k, v in labels.items()]
    if isinstance(labels, str):
        return [labels]
    return list(labels)


class Client:
    """A client for one gpuq API.

    ``url`` and ``api_key`` default to the ``GPUQ_URL`` and ``GPUQ_API_KEY`` environment variables
    (and ``http://127.0.0.1:8080``, no key). ``timeout`` bounds each HTTP request, in seconds;
    ``retries`` is how many times a request that failed for a passing reason is tried again.
    """

    def __init__(
        self,
        url: Optional[str] = None,
        api_key: Optional[str] = None,
        *,
        timeout: float = 30.0,
        retries: int = 3,
        backoff: Backoff = RETRY_BACKOFF,
        max_retry_after: float = 60.0,
    ) -> None:
        self.url = (url or os.environ.get("GPUQ_URL") or DEFAULT_URL).rstrip("/")
        key = api_key if api_key is not None else os.environ.get("GPUQ_API_KEY")
        self._transport = Transport(self.url, key, timeout=timeout, retries=retries, backoff=backoff, max_retry_after=max_retry_after)

    def __repr__(self) -> str:
        return f"Client(url={self.url!r}, api_key={'***' if self._transport.api_key else None})"

    # Submitting

    def submit(
        self,
        kind: str,
        input: Mapping[str, Any],
        *,
        resources: Optional[Mapping[str, Any]] = None,
        priority: Optional[int] = None,
        timeout_seconds: Optional[int] = None,
        max_attempts: Optional[int] = None,
        labels: Optional[Mapping[str, str]] = None,
        webhook_url: Optional[str] = None,
        idempotency_key: Optional[str] = None,
    ) -> Job:
        """Submits a job; returns its view once the API has stored it (status ``queued``).

        Safe to retry: one Idempotency-Key (a new UUID unless given) goes with every try of this
        call, and the same key with the same body answers with the job the first try created.
        """
        body = job_request(
            kind, input, resources=resources, priority=priority, timeout_seconds=timeout_seconds,
            max_attempts=max_attempts, labels=labels, webhook_url=webhook_url,
        )
        key = idempotency_key or str(uuid.uuid4())
        return Job.from_json(self._transport.json("POST", "/v1/jobs", body=body, headers={"Idempotency-Key": key}), self.url)

    def submit_solve(self, problem: Problem, *, solver_config: Optional[Mapping[str, Any]] = None, **options: Any) -> Job:
        """An LP, MILP or VRP in cuOpt's JSON (a dict), an MPS file's text, or an MPS file's path.
        ``options`` are submit()'s (priority, labels, timeout_seconds, idempotency_key, …)."""
        return self.submit("solve", solve_input(problem, solver_config=solver_config), **options)

    def submit_inference(self, texts: Union[str, Iterable[str]], model: Optional[str] = None, **options: Any) -> Job:
        """Texts to classify, in order; ``model`` is one the server serves (``default`` when None)."""
        return self.submit("inference", inference_input(texts, model), **options)

    def submit_fold(
        self,
        sequences: Union[Mapping[str, Any], Sequence[Mapping[str, Any]]],
        *,
        affinity_binder: Optional[str] = None,
        fold_options: Optional[Mapping[str, Any]] = None,
        **options: Any,
    ) -> Job:
        """A Boltz-2 prediction: a whole input (Boltz's YAML as a dict) or the sequences
        (``gpuq.protein(…)``, ``gpuq.ligand(…)``); see ``gpuq.fold_input``."""
        return self.submit("fold", fold_input(sequences, affinity_binder=affinity_binder, options=fold_options), **options)

    def submit_batch(self, jobs: Iterable[Mapping[str, Any]]) -> Batch:
        """Many jobs at once (each a ``gpuq.job_request(…)`` dict): all are stored, or none.

        The API does not deduplicate batches, so this is retried only where it certainly stored
        nothing (a refused connection, 429, 503), never after a reset or a proxy's 502/504.
        """
        body = {"jobs": [dict(job) for job in jobs]}
        return Batch.from_json(self._transport.json("POST", "/v1/batches", body=body, is_idempotent=False), self.url)

    def get_batch(self, batch_id: str) -> BatchStatus:
        """A batch's jobs counted by status, and whether every one has ended."""
        path = f"/v1/batches/{urllib.parse.quote(batch_id, safe='')}"
        return BatchStatus.from_json(self._transport.json("GET", path), self.url)

    # Reading

    def get(self, job_id: str) -> Job:
        return Job.from_json(self._transport.json("GET", _job_path(job_id)), self.url)

    def wait(
        self,
        job_id: str,
        timeout: Optional[float] = None,
        *,
        on_progress: Optional[Callable[[Job], None]] = None,
        use_events: bool = True,
        poll_backoff: Backoff = POLL_BACKOFF,
    ) -> Job:
        """Returns the job's final view once it has ended, whatever its status.

        Follows its event stream (GET /v1/jobs/:id/events), or polls GET /v1/jobs/:id with backoff
        when the API has no usable stream or ``use_events`` is False. ``on_progress`` is called
        with each view that differs from the last. Raises WaitTimeout after ``timeout`` seconds
        (the job goes on).
        """
        return wait_for_job(self, job_id, timeout=timeout, on_progress=on_progress, use_events=use_events, poll_backoff=poll_backoff)

    def events(self, job_id: str, *, timeout: Optional[float] = None, max_reconnects: int = 5) -> Iterator[JobEvent]:
        """The job's changes as they happen: a ``job`` event with each new view, then ``end``.
        Reopens a broken stream (with Last-Event-ID) up to ``max_reconnects`` times in a row."""
        deadline = None if timeout is None else time.monotonic() + timeout
        try:
            yield from stream_job_events(self._transport, job_id, max_reconnects=max_reconnects, deadline=deadline)
        except DeadlinePassed:
            raise WaitTimeout(job_id, timeout or 0.0, None) from None

    def result(self, job_id: str, kind: Optional[str] = None) -> Any:
        """A succeeded job's result alone, as its kind's dataclass (SolveResult, InferenceResult,
        FoldResult; the kind is read from the id's prefix unless given). Conflict
        (``job_not_succeeded``) when it has not succeeded."""
        value = self._transport.json("GET", f"{_job_path(job_id)}/result")
        return parse_result(kind or job_id.split("_", 1)[0], value)

    def list_page(
        self,
        *,
        status: Optional[str] = None,
        kind: Optional[str] = None,
        labels: Labels = None,
        limit: Optional[int] = None,
        cursor: Optional[str] = None,
    ) -> JobPage:
        """One page of the caller's jobs, newest first (``limit`` per page, 1 to 100; the API's
        default is 20). ``labels`` is a dict, or ``key:value`` strings: a job must have them all."""
        query: List[Any] = [("status", status), ("kind", kind), ("limit", limit), ("cursor", cursor)]
        query.extend(("label", pair) for pair in _label_pairs(labels))
        return JobPage.from_json(self._transport.json("GET", "/v1/jobs", query=query), self.url)

    def list(
        self,
        *,
        status: Optional[str] = None,
        kind: Optional[str] = None,
        labels: Labels = None,
        limit: Optional[int] = None,
        page_size: int = 100,
    ) -> Iterator[Job]:
        """Every matching job, newest first, page after page (following ``nextCursor``); at most
        ``limit`` of them when given."""
        cursor: Optional[str] = None
        count = 0
        while True:
            size = page_size if limit is None else max(1, min(page_size, limit - count))
            page = self.list_page(status=status, kind=kind, labels=labels, limit=size, cursor=cursor)
            for job in page.jobs:
                if limit is not None and count >= limit:
                    return
                count += 1
                yield job
            cursor = page.next_cursor
            if not cursor or (limit is not None and count >= limit):
                return

    # Changing

    def cancel(self, job_id: str) -> Job:
        """Cancels a job: a queued one never runs, a running one stops within a second. Cancelling
        one already cancelled returns its view; one that ended otherwise raises Conflict."""
        try:
            return Job.from_json(self._transport.json("DELETE", _job_path(job_id)), self.url)
        except Conflict as err:
            if err.code != "job_finished":
                raise
            view = self.get(job_id)
            if view.status == "cancelled":
                return view
            raise

    # Files

    def artifact(self, job_id: str, name: str) -> bytes:
        """One of a job's files (a fold's structures, confidences, matrices), whole."""
        with self._open_artifact(job_id, name) as response:
            body: bytes = response.read()
        return body

    def save_artifact(self, job_id: str, name: str, path: Union[str, "os.PathLike[str]"]) -> Path:
        """Streams one of a job's files to ``path`` (a directory: the file keeps its name there);
        returns where it was written."""
        target = Path(path)
        if target.is_dir():
            target = target / name
        # Written beside it first: a download cut short never leaves a truncated file under its name.
        partial = target.with_name(f".{target.name}.part")
        try:
            with self._open_artifact(job_id, name) as response, open(partial, "wb") as out:
                shutil.copyfileobj(response, out, 1 << 20)
            os.replace(partial, target)
        finally:
            if partial.exists():
                partial.unlink()
        return target

    # The worker's output and a MILP's best answer

    def logs(self, job_id: str, offset: int = 0) -> Tuple[str, int]:
        """The worker's own output for a job (the solver's log, a fold container's output, a
        program's stderr) from byte ``offset``; returns the text and the offset to read from next."""
        with self._transport.open("GET", f"{_job_path(job_id)}/logs", query={"offset": str(offset)}, accept="text/plain") as response:
            body: bytes = response.read()
            header = response.headers.get("gpuq-log-offset")
        return body.decode("utf-8", errors="replace"), int(header) if header is not None else offset + len(body)

    def incumbent(self, job_id: str) -> Optional[Dict[str, Any]]:
        """A MILP solve's best solution so far (``solution``, ``cost``, ``foundAt``), also once it was
        cancelled or timed out; None while it has none."""
        value = self.request("GET", f"{_job_path(job_id)}/incumbent")
        if not isinstance(value, dict) or "incumbent" not in value:
            raise UnexpectedResponse(self.url + f"{_job_path(job_id)}/incumbent", "expected {incumbent: ...}")
        incumbent = value["incumbent"]
        return incumbent if isinstance(incumbent, dict) else None

    def _open_artifact(self, job_id: str, name: str) -> "http.client.HTTPResponse":
        path = f"{_job_path(job_id)}/artifacts/{urllib.parse.quote(name, safe='')}"
        return self._transport.open("GET", path, accept="*/*")

    # Anything else

    def request(self, method: str, path: str, *, query: Any = None, body: Any = None) -> Any:
        """Any other route (``/v1/gpus``, ``/v1/system/status``), as parsed JSON."""
        if not path.startswith("/"):
            raise ValueError("path starts with /")
        return self._transport.json(method, path, query=query, body=body, is_idempotent=method in ("GET", "HEAD", "DELETE", "PUT"))

    def gpus(self) -> Dict[str, Any]:
        """Every box's GPUs and solve servers, as their schedulers publish them (GET /v1/gpus)."""
        value = self.request("GET", "/v1/gpus")
        if not isinstance(value, dict):
            raise UnexpectedResponse(self.url + "/v1/gpus", "expected {boxes: [...]}")
        return value

