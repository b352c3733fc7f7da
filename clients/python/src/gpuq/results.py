"""Typed results of the three kinds, parsed from what the API returns today. Each keeps the whole
JSON it came from in ``.raw``, so a field a newer server adds is never lost.

- solve: the cuOpt server's ``{"solver_response": {"status", "solution": {...}}, "total_solve_time"}``
  (a list of solver responses for a batch LP; a VRP's response is kept as it is, in ``raw``);
- inference: the pipeline's predictions and summary (packages/shared/src/kinds/inference.ts);
- fold: Boltz-2's top confidence, every model's scores, the affinity and the artifacts kept.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Mapping, Optional, Union

__all__ = [
    "SolveResult",
    "Prediction",
    "InferenceSummary",
    "InferenceResult",
    "FoldModel",
    "FoldAffinity",
    "ArtifactInfo",
    "FoldResult",
    "Result",
    "parse_result",
]


def _map(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _list(value: Any) -> List[Any]:
    return list(value) if isinstance(value, list) else []


def _float(value: Any) -> Optional[float]:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _floats(value: Any) -> Optional[List[float]]:
    """A list of numbers as floats (JSON writes 2.0 as 2); None when it is not a list."""
    if not isinstance(value, list):
        return None
    return [float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else v for v in value]


@dataclass
class SolveResult:
    """An LP or MILP's answer. ``status`` is cuOpt's (``Optimal``, ``PrimalInfeasible``, …): a solve
    that finishes succeeds whatever the solver concluded, so check it."""

    status: Union[str, int, None]
    objective: Optional[float]
    primal_solution: List[float]
    dual_solution: Optional[List[float]]
    reduced_cost: Optional[List[float]]
    #: Each variable's value by name, when the problem named them.
    vars: Dict[str, float]
    #: ``LP``, ``MIP`` or ``IP``.
    problem_category: Optional[str]
    solver_time_s: Optional[float]
    total_solve_time_s: Optional[float]
    #: Every response of a batch LP (the first is the one described by the fields above).
    responses: List["SolveResult"] = field(default_factory=list, repr=False)
    raw: Any = field(default=None, repr=False)

    @classmethod
    def from_json(cls, value: Any) -> "SolveResult":
        body = _map(value)
        response = body.get("solver_response")
        if isinstance(response, list):
            members = [cls._from_response(r, body.get("total_solve_time"), r) for r in response]
            first = cls._from_response(response[0] if response else {}, body.get("total_solve_time"), value)
            first.responses = members
            return first
        result = cls._from_response(response, body.get("total_solve_time"), value)
        result.responses = [result]
        return result

    @classmethod
    def _from_response(cls, response: Any, total: Any, raw: Any) -> "SolveResult":
        response = _map(response)
        solution = _map(response.get("solution"))
        status = response.get("status")
        return cls(
            status=status if isinstance(status, (str, int)) else None,
            objective=_float(solution.get("primal_objective")),
            primal_solution=_floats(solution.get("primal_solution")) or [],
            dual_solution=_floats(solution.get("dual_solution")),
            reduced_cost=_floats(solution.get("reduced_cost")),
            vars={str(k): float(v) for k, v in _map(solution.get("vars")).items() if _float(v) is not None},
            problem_category=solution.get("problem_category") if isinstance(solution.get("problem_category"), str) else None,
            solver_time_s=_float(solution.get("solver_time")),
            total_solve_time_s=_float(total),
            raw=raw,
        )


@dataclass
class Prediction:
    """One text's label, the probability of that label, and every label's probability."""

    index: int
    label: str
    score: float
    scores: Dict[str, float]
    words: Optional[int] = None
    sentences: Optional[int] = None
    raw: Any = field(default=None, repr=False)

    @classmethod
    def from_json(cls, value: Any) -> "Prediction":
        p = _map(value)
        return cls(
            index=int(p.get("index", 0)),
            label=str(p.get("label", "")),
            score=float(p.get("score", 0.0)),
            scores={str(k): float(v) for k, v in _map(p.get("scores")).items()},
            words=p.get("words"),
            sentences=p.get("sentences"),
            raw=value,
        )


@dataclass
class InferenceSummary:
    texts: int
    #: Texts per label.
    labels: Dict[str, int]
    #: The label most texts got (ties: the first in label order).
    majority_label: Optional[str]
    #: Its share of the texts, 0 to 1.
    majority_share: Optional[float]
    #: On a tie, the other labels as many texts got (empty from servers before 0.4).
    majority_tied_with: List[str]
    confidence_mean: Optional[float]
    confidence_min: Optional[float]
    confidence_max: Optional[float]
    #: Texts whose score is below the server's ``lowConfidenceBelow``.
    low_confidence_texts: Optional[int]
    raw: Any = field(default=None, repr=False)

    @classmethod
    def from_json(cls, value: Any) -> "InferenceSummary":
        s = _map(value)
        majority = _map(s.get("majority"))
        confidence = _map(s.get("confidence"))
        return cls(
            texts=int(s.get("texts", 0)),
            labels={str(k): int(v) for k, v in _map(s.get("labels")).items()},
            majority_label=majority.get("label"),
            majority_share=_float(majority.get("share")),
            majority_tied_with=[str(label) for label in _list(majority.get("tiedWith"))],
            confidence_mean=_float(confidence.get("mean")),
            confidence_min=_float(confidence.get("min")),
            confidence_max=_float(confidence.get("max")),
            low_confidence_texts=confidence.get("lowConfidenceTexts"),
            raw=value,
        )


@dataclass
class InferenceResult:
    model: str
    model_version: Optional[str]
    #: Where the model ran (``cpu``, ``cuda:0``).
    device: Optional[str]
    #: One per text, at the text's index.
    predictions: List[Prediction]
    summary: InferenceSummary
    raw: Any = field(default=None, repr=False)

    @property
    def labels(self) -> List[str]:
        """Each text's label, in the order the texts were given."""
        return [p.label for p in sorted(self.predictions, key=lambda p: p.index)]

    @classmethod
    def from_json(cls, value: Any) -> "InferenceResult":
        r = _map(value)
        return cls(
            model=str(r.get("model", "")),
            model_version=r.get("modelVersion"),
            device=r.get("device"),
            predictions=[Prediction.from_json(p) for p in _list(r.get("predictions"))],
            summary=InferenceSummary.from_json(r.get("summary")),
            raw=value,
        )


@dataclass
class FoldModel:
    """One of Boltz-2's models (``diffusionSamples`` of them), rank 0 the most confident."""

    rank: int
    #: The structure file's name, also an artifact of the job.
    structure: Optional[str]
    confidence_score: Optional[float]
    ptm: Optional[float]
    iptm: Optional[float]
    complex_plddt: Optional[float]
    raw: Any = field(default=None, repr=False)

    @classmethod
    def from_json(cls, value: Any, rank: int = 0) -> "FoldModel":
        m = _map(value)
        return cls(
            rank=int(m.get("rank", rank)),
            structure=m.get("structure"),
            confidence_score=_float(m.get("confidence_score")),
            ptm=_float(m.get("ptm")),
            iptm=_float(m.get("iptm")),
            complex_plddt=_float(m.get("complex_plddt")),
            raw=value,
        )


@dataclass
class FoldAffinity:
    """Boltz-2's affinity for the binder: the predicted value (log10 IC50, µM) and the
    probability that it binds; the ensemble members' (``…1``, ``…2``) are in ``raw``."""

    affinity_pred_value: Optional[float]
    affinity_probability_binary: Optional[float]
    raw: Any = field(default=None, repr=False)

    @classmethod
    def from_json(cls, value: Any) -> "FoldAffinity":
        a = _map(value)
        return cls(_float(a.get("affinity_pred_value")), _float(a.get("affinity_probability_binary")), raw=value)


@dataclass
class ArtifactInfo:
    """A file the job kept: fetch it with ``Client.artifact(job_id, name)``."""

    name: str
    bytes: Optional[int] = None


@dataclass
class FoldResult:
    tokens: Optional[int]
    #: The top model's scores (``confidence_score``, ``ptm``, ``iptm``, ``complex_plddt``, …).
    confidence: FoldModel
    models: List[FoldModel]
    #: When the input asked for it (``properties: [{"affinity": {"binder": …}}]``).
    affinity: Optional[FoldAffinity]
    artifacts: List[ArtifactInfo]
    raw: Any = field(default=None, repr=False)

    @classmethod
    def from_json(cls, value: Any) -> "FoldResult":
        r = _map(value)
        artifacts = []
        for a in _list(r.get("artifacts")):
            if isinstance(a, str):
                artifacts.append(ArtifactInfo(a.rsplit("/", 1)[-1]))
            elif isinstance(a, Mapping):
                artifacts.append(ArtifactInfo(str(a.get("name", "")), a.get("bytes")))
        affinity = r.get("affinity")
        return cls(
            tokens=r.get("tokens"),
            confidence=FoldModel.from_json(r.get("confidence")),
            models=[FoldModel.from_json(m, i) for i, m in enumerate(_list(r.get("models")))],
            affinity=FoldAffinity.from_json(affinity) if isinstance(affinity, Mapping) else None,
            artifacts=artifacts,
            raw=value,
        )


Result = Union[SolveResult, InferenceResult, FoldResult]

_PARSERS: Dict[str, Callable[[Any], Any]] = {
    "solve": SolveResult.from_json,
    "inference": InferenceResult.from_json,
    "fold": FoldResult.from_json,
}


def parse_result(kind: str, value: Any) -> Any:
    """A kind's result as its dataclass; a kind this client does not know, or no result, as is."""
    parser = _PARSERS.get(kind)
    if parser is None or not isinstance(value, Mapping):
        return value
    return parser(value)
