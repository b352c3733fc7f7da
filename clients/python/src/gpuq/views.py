"""The API's answers as dataclasses: the job view (GET /v1/jobs/:id), a page of jobs, a batch.
Names follow Python (``created_at``, ``pending_reason``); times stay epoch milliseconds as the API
sends them, with ``datetime`` properties beside. Each keeps its JSON in ``.raw``."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Dict, List, Mapping, Optional

from .errors import UnexpectedResponse
from .results import parse_result

__all__ = [
    "TERMINAL_STATUSES",
    "Attempts",
    "Placement",
    "JobFailure",
    "CostStage",
    "Cost",
    "WebhookDelivery",
    "Webhook",
    "Job",
    "JobPage",
    "Batch",
    "BatchStatus",
]

TERMINAL_STATUSES = frozenset({"succeeded", "failed", "cancelled"})


def _map(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _datetime(ms: Optional[int]) -> Optional[datetime]:
    return None if ms is None else datetime.fromtimestamp(ms / 1000, tz=timezone.utc)


@dataclass
class Attempts:
    made: int
    max: int


@dataclass
class Placement:
    """Where the job runs or ran: a GPU and the VRAM reserved, or a solve server."""

    #: None on a CPU solve server, or a cuOpt server with several GPUs.
    gpu: Optional[str]
    vram_mb: int
    server: Optional[str] = None
    box: Optional[str] = None

    @classmethod
    def from_json(cls, value: Any) -> Optional["Placement"]:
        if not isinstance(value, Mapping):
            return None
        return cls(value.get("gpu"), int(value.get("vramMb", 0)), value.get("server"), value.get("box"))


@dataclass
class JobFailure:
    """Why a job failed or was cancelled: ``invalid_input``, ``worker_error``, ``timed_out``,
    ``gpu_out_of_memory``, ``cancelled``, … and a message a person can act on."""

    code: str
    message: str


@dataclass
class CostStage:
    name: str
    device: str
    gpu: Optional[str]
    started_at: int
    seconds: float
    gpu_seconds: float
    cpu_seconds: float
    usd: float


@dataclass
class Cost:
    gpu_seconds: float
    cpu_seconds: float
    usd: float
    #: A pipeline job's stages (inference: preprocess, inference, postprocess), each timed and costed.
    stages: List[CostStage]

    @classmethod
    def from_json(cls, value: Any) -> "Cost":
        c = _map(value)
        stages = [
            CostStage(
                name=str(s.get("name", "")),
                device=str(s.get("device", "")),
                gpu=s.get("gpu"),
                started_at=int(s.get("startedAt", 0)),
                seconds=float(s.get("seconds", 0)),
                gpu_seconds=float(s.get("gpuSeconds", 0)),
                cpu_seconds=float(s.get("cpuSeconds", 0)),
                usd=float(s.get("usd", 0)),
            )
            for s in c.get("stages") or []
            if isinstance(s, Mapping)
        ]
        return cls(float(c.get("gpuSeconds", 0)), float(c.get("cpuSeconds", 0)), float(c.get("usd", 0)), stages)


@dataclass
class WebhookDelivery:
    at: int
    attempt: int
    #: The HTTP status the webhook answered, or None when it could not be reached.
    status: Optional[int]
    error: Optional[str] = None


@dataclass
class Webhook:
    url: str
    deliveries: List[WebhookDelivery]


@dataclass
class Job:
    """A job as the API shows it. ``result`` is the kind's typed result (SolveResult,
    InferenceResult, FoldResult) once it succeeded; ``progress`` is as the API sends it (a MILP's
    ``{"incumbents", "bestObjective", "gap", …}``)."""

    id: str
    kind: str
    tenant: str
    #: ``queued``, ``running``, ``succeeded``, ``failed`` or ``cancelled``.
    status: str
    priority: int
    labels: Dict[str, str]
    #: The VRAM the request declared, or None (the kind's figure is used).
    vram_mb: Optional[int]
    timeout_seconds: int
    attempts: Attempts
    created_at: int
    started_at: Optional[int]
    finished_at: Optional[int]
    placement: Optional[Placement]
    #: While queued: why the job is not running yet, in plain words.
    pending_reason: Optional[str]
    #: While queued: how many jobs will be placed before it (0: it is next).
    queue_position: Optional[int]
    progress: Any
    result: Any
    error: Optional[JobFailure]
    cost: Cost
    batch_id: Optional[str]
    cancel_requested_at: Optional[int]
    webhook: Optional[Webhook]
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def is_done(self) -> bool:
        """The job has ended: succeeded, failed or cancelled."""
        return self.status in TERMINAL_STATUSES

    @property
    def created(self) -> datetime:
        return _datetime(self.created_at)  # type: ignore[return-value]

    @property
    def started(self) -> Optional[datetime]:
        return _datetime(self.started_at)

    @property
    def finished(self) -> Optional[datetime]:
        return _datetime(self.finished_at)

    @classmethod
    def from_json(cls, value: Any, url: str = "the API") -> "Job":
        if not isinstance(value, Mapping) or not isinstance(value.get("id"), str) or not isinstance(value.get("status"), str):
            raise UnexpectedResponse(url, "expected a job view (an object with id and status)")
        v = value
        attempts = _map(v.get("attempts"))
        error = v.get("error")
        webhook = v.get("webhook")
        kind = str(v.get("kind", ""))
        return cls(
            id=v["id"],
            kind=kind,
            tenant=str(v.get("tenant", "")),
            status=v["status"],
            priority=int(v.get("priority", 0)),
            labels=dict(_map(v.get("labels"))),
            vram_mb=_map(v.get("resources")).get("vramMb"),
            timeout_seconds=int(v.get("timeoutSeconds", 0)),
            attempts=Attempts(int(attempts.get("made", 0)), int(attempts.get("max", 0))),
            created_at=int(v.get("createdAt", 0)),
            started_at=v.get("startedAt"),
            finished_at=v.get("finishedAt"),
            placement=Placement.from_json(v.get("placement")),
            pending_reason=v.get("pendingReason"),
            queue_position=v.get("queuePosition"),
            progress=v.get("progress"),
            result=parse_result(kind, v.get("result")),
            error=JobFailure(str(error.get("code", "")), str(error.get("message", ""))) if isinstance(error, Mapping) else None,
            cost=Cost.from_json(v.get("cost")),
            batch_id=v.get("batchId"),
            cancel_requested_at=v.get("cancelRequestedAt"),
            webhook=Webhook(
                str(webhook.get("url", "")),
                [WebhookDelivery(int(d.get("at", 0)), int(d.get("attempt", 0)), d.get("status"), d.get("error")) for d in webhook.get("deliveries") or []],
            )
            if isinstance(webhook, Mapping)
            else None,
            raw=dict(v),
        )


@dataclass
class JobPage:
    jobs: List[Job]
    #: Pass it as ``cursor`` for the next page; None on the last one.
    next_cursor: Optional[str]

    @classmethod
    def from_json(cls, value: Any, url: str = "the API") -> "JobPage":
        if not isinstance(value, Mapping) or not isinstance(value.get("jobs"), list):
            raise UnexpectedResponse(url, "expected a page of jobs ({jobs, nextCursor})")
        return cls([Job.from_json(j, url) for j in value["jobs"]], value.get("nextCursor"))


@dataclass
class Batch:
    """A submitted batch: its id, and each job's view as stored."""

    id: str
    jobs: List[Job]

    @classmethod
    def from_json(cls, value: Any, url: str = "the API") -> "Batch":
        if not isinstance(value, Mapping) or not isinstance(value.get("id"), str):
            raise UnexpectedResponse(url, "expected a batch ({id, jobs})")
        return cls(value["id"], [Job.from_json(j, url) for j in value.get("jobs") or []])


@dataclass
class BatchStatus:
    """GET /v1/batches/:id: the batch's jobs counted by status."""

    id: str
    created_at: int
    total: int
    #: Jobs per status: queued, running, succeeded, failed, cancelled.
    counts: Dict[str, int]
    #: Every job has ended.
    is_done: bool
    #: Each job's id and status.
    jobs: List[Dict[str, str]]
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, value: Any, url: str = "the API") -> "BatchStatus":
        if not isinstance(value, Mapping) or not isinstance(value.get("id"), str):
            raise UnexpectedResponse(url, "expected a batch view ({id, counts, isDone, jobs})")
        return cls(
            id=value["id"],
            created_at=int(value.get("createdAt", 0)),
            total=int(value.get("total", 0)),
            counts={str(k): int(n) for k, n in _map(value.get("counts")).items()},
            is_done=bool(value.get("isDone")),
            jobs=[dict(j) for j in value.get("jobs") or [] if isinstance(j, Mapping)],
            raw=dict(value),
        )
