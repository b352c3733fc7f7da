"""gpuq: a Python client for the gpuq GPU job scheduler (standard library only).

    import gpuq
    client = gpuq.Client()                      # GPUQ_URL, GPUQ_API_KEY
    job = client.submit_solve(open("model.mps").read())
    done = client.wait(job.id)
    print(done.status, done.result.objective)
"""
from ._http import __version__
from .backoff import POLL_BACKOFF, RETRY_BACKOFF, Backoff
from .client import DEFAULT_URL, Client
from .errors import (
    ApiError,
    Conflict,
    ErrorDetail,
    Forbidden,
    GpuqConnectionError,
    GpuqError,
    NotFound,
    PayloadTooLarge,
    RateLimited,
    ServerError,
    Unauthorized,
    Unavailable,
    UnexpectedResponse,
    Unprocessable,
    ValidationError,
    WaitTimeout,
)
from .inputs import dna, fold_input, inference_input, job_request, ligand, protein, rna, solve_input
from .results import (
    ArtifactInfo,
    FoldAffinity,
    FoldModel,
    FoldResult,
    InferenceResult,
    InferenceSummary,
    Prediction,
    SolveResult,
    parse_result,
)
from .views import (
    TERMINAL_STATUSES,
    Attempts,
    Batch,
    BatchStatus,
    Cost,
    CostStage,
    Job,
    JobFailure,
    JobPage,
    Placement,
    Webhook,
    WebhookDelivery,
)
from .waiting import JobEvent

__all__ = [
    "__version__",
    "Client",
    "DEFAULT_URL",
    "Backoff",
    "RETRY_BACKOFF",
    "POLL_BACKOFF",
    # errors
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
    "ErrorDetail",
    # requests
    "job_request",
    "solve_input",
    "inference_input",
    "fold_input",
    "protein",
    "dna",
    "rna",
    "ligand",
    # views and results
    "TERMINAL_STATUSES",
    "Job",
    "JobPage",
    "JobEvent",
    "JobFailure",
    "Attempts",
    "Placement",
    "Cost",
    "CostStage",
    "Webhook",
    "WebhookDelivery",
    "Batch",
    "BatchStatus",
    "SolveResult",
    "InferenceResult",
    "InferenceSummary",
    "Prediction",
    "FoldResult",
    "FoldModel",
    "FoldAffinity",
    "ArtifactInfo",
    "parse_result",
]
