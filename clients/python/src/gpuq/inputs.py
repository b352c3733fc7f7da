"""Job requests as the API takes them (POST /v1/jobs), built from Python values. Nothing here talks
to the server, so a request can be built and checked offline; the API checks it again, naming
each field it refuses."""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Union

__all__ = [
    "job_request",
    "solve_input",
    "inference_input",
    "fold_input",
    "protein",
    "dna",
    "rna",
    "ligand",
]

Problem = Union[Mapping[str, Any], str, "os.PathLike[str]"]


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def job_request(
    kind: str,
    input: Mapping[str, Any],
    *,
    resources: Optional[Mapping[str, Any]] = None,
    priority: Optional[int] = None,
    timeout_seconds: Optional[int] = None,
    max_attempts: Optional[int] = None,
    labels: Optional[Mapping[str, str]] = None,
    webhook_url: Optional[str] = None,
) -> Dict[str, Any]:
    """The body of POST /v1/jobs: the kind, its input, and the envelope's fields that are set.
    ``resources`` is ``{"vramMb": 8192}``; ``priority`` 0 to 100 (higher first; the API's default
    is 50)."""
    if not isinstance(input, Mapping):
        raise TypeError(f"input must be a mapping (the {kind} kind's JSON), not {type(input).__name__}")
    request: Dict[str, Any] = {"kind": kind, "input": dict(input)}
    if resources is not None:
        request["resources"] = {_camel(k): v for k, v in resources.items()}
    if priority is not None:
        request["priority"] = priority
    if timeout_seconds is not None:
        request["timeoutSeconds"] = timeout_seconds
    if max_attempts is not None:
        request["maxAttempts"] = max_attempts
    if labels is not None:
        request["labels"] = {str(k): str(v) for k, v in labels.items()}
    if webhook_url is not None:
        request["webhook"] = {"url": webhook_url}
    return request


def solve_input(problem: Problem, *, solver_config: Optional[Mapping[str, Any]] = None) -> Dict[str, Any]:
    """A solve job's input from an LP/MILP/VRP in cuOpt's JSON (a mapping), an MPS file's text
    (a string with a newline in it), or an MPS file (a path, or a string naming a file that exists).
    ``solver_config`` (cuOpt's: ``{"time_limit": 10}``) is added to it."""
    if isinstance(problem, Mapping):
        result = dict(problem)
    elif isinstance(problem, os.PathLike) or (isinstance(problem, str) and "\n" not in problem and os.path.isfile(problem)):
        result = {"format": "mps", "mps": Path(problem).read_text(encoding="utf-8")}
    elif isinstance(problem, str):
        result = {"format": "mps", "mps": problem}
    else:
        raise TypeError(f"a solve problem is cuOpt's JSON (a mapping), MPS text or an MPS file's path, not {type(problem).__name__}")
    if solver_config is not None:
        result["solver_config"] = {**result.get("solver_config", {}), **solver_config}
    return result


def inference_input(texts: Union[str, Iterable[str]], model: Optional[str] = None) -> Dict[str, Any]:
    """An inference job's input: the texts to classify, in order, and the model (the server's
    ``default`` when None)."""
    items = [texts] if isinstance(texts, str) else list(texts)
    for i, text in enumerate(items):
        if not isinstance(text, str):
            raise TypeError(f"texts[{i}] must be a string, not {type(text).__name__}")
    result: Dict[str, Any] = {"texts": items}
    if model is not None:
        result["model"] = model
    return result


def _entity(kind: str, id: Union[str, Sequence[str]], fields: Mapping[str, Any]) -> Dict[str, Any]:
    body: Dict[str, Any] = {"id": id if isinstance(id, str) else list(id)}
    body.update({k: v for k, v in fields.items() if v is not None})
    return {kind: body}


def protein(id: Union[str, Sequence[str]], sequence: str, *, msa: Optional[str] = None, **fields: Any) -> Dict[str, Any]:
    """A protein chain (several ids: copies). ``msa`` is ``"empty"`` (single-sequence mode), an
    alignment's text (a3m/csv, uploaded with the job), or None to let ``use_msa_server`` make one."""
    return _entity("protein", id, {"sequence": sequence, "msa": msa, **fields})


def dna(id: Union[str, Sequence[str]], sequence: str, **fields: Any) -> Dict[str, Any]:
    return _entity("dna", id, {"sequence": sequence, **fields})


def rna(id: Union[str, Sequence[str]], sequence: str, **fields: Any) -> Dict[str, Any]:
    return _entity("rna", id, {"sequence": sequence, **fields})


def ligand(id: Union[str, Sequence[str]], *, smiles: Optional[str] = None, ccd: Union[str, Sequence[str], None] = None) -> Dict[str, Any]:
    """A ligand by SMILES or by CCD code(s): one of the two, not both."""
    if (smiles is None) == (ccd is None):
        raise ValueError("a ligand takes smiles or ccd, one of the two")
    return _entity("ligand", id, {"smiles": smiles, "ccd": ccd if ccd is None or isinstance(ccd, str) else list(ccd)})


_FOLD_OPTION = re.compile(r"^[a-z][a-zA-Z_]*$")


def fold_input(
    sequences: Union[Mapping[str, Any], Sequence[Mapping[str, Any]]],
    *,
    affinity_binder: Optional[str] = None,
    options: Optional[Mapping[str, Any]] = None,
    constraints: Optional[Sequence[Mapping[str, Any]]] = None,
    templates: Optional[Sequence[Mapping[str, Any]]] = None,
) -> Dict[str, Any]:
    """A fold job's input: Boltz-2's YAML as JSON. Give either a whole input (a mapping with
    ``sequences``, as Boltz's YAML loads) or the sequences (``protein(…)``, ``ligand(…)``), with the
    ligand whose affinity to predict and options in either spelling (``diffusion_samples`` or
    ``diffusionSamples``; also ``recycling_steps``, ``sampling_steps``, ``output_format``, ``seed``,
    ``use_potentials``, ``use_msa_server``)."""
    if isinstance(sequences, Mapping):
        result = dict(sequences)
        if "sequences" not in result:
            raise ValueError("a fold input needs sequences: [{protein: …}, {ligand: …}, …]")
    else:
        result = {"sequences": [dict(s) for s in sequences]}
    if affinity_binder is not None:
        result["properties"] = [*result.get("properties", []), {"affinity": {"binder": affinity_binder}}]
    if constraints is not None:
        result["constraints"] = list(constraints)
    if templates is not None:
        result["templates"] = list(templates)
    if options is not None:
        merged = dict(result.get("options", {}))
        for name, value in options.items():
            if not _FOLD_OPTION.match(name):
                raise ValueError(f"not a fold option name: {name!r}")
            merged[_camel(name)] = value
        result["options"] = merged
    return result
