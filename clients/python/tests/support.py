"""Shared by the tests: the package from src/ without installing it, a fake API (a stdlib HTTP
server whose answers each test scripts), and the job views and problems the tests use."""
from __future__ import annotations

import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import gpuq  # noqa: E402

#: Retries without waiting, so that the offline tests take no time.
NO_WAIT = gpuq.Backoff(initial_s=0.001, factor=1.0, max_s=0.001)


class Recorded:
    def __init__(self, method: str, path: str, headers: Dict[str, str], body: bytes) -> None:
        self.method = method
        self.path = path
        self.headers = headers
        self.body = body

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))


class Reply:
    """What the fake API answers: a status, headers and a body; or ``drop`` to close the socket
    without answering; or ``stream`` raw bytes written over time (an event stream)."""

    def __init__(self, status: int = 200, body: Any = None, headers: Optional[Dict[str, str]] = None,
                 drop: bool = False, stream: Optional[List[bytes]] = None) -> None:
        self.status = status
        self.body = body
        self.headers = headers or {}
        self.drop = drop
        self.stream = stream


Handler = Callable[[Recorded], Reply]


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hangs up on a kept-alive connection (as the tests make it do) is no error.
        if not isinstance(sys.exc_info()[1], (ConnectionError, OSError)):
            super().handle_error(request, client_address)


class FakeApi:
    """A local HTTP server: ``routes`` maps "METHOD /path" (query left out) to a list of replies
    given in turn (the last one repeats) or to a function of the request."""

    def __init__(self) -> None:
        self.requests: List[Recorded] = []
        self.routes: Dict[str, Any] = {}
        fake = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                recorded = Recorded(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                fake.requests.append(recorded)
                reply = fake._reply_for(recorded)
                if reply.drop:
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                if reply.stream is not None:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", reply.headers.get("Content-Type", "text/event-stream"))
                    self.send_header("Connection", "close")
                    self.end_headers()
                    for chunk in reply.stream:
                        self.wfile.write(chunk)
                        self.wfile.flush()
                    self.close_connection = True
                    return
                payload = b"" if reply.body is None else (reply.body if isinstance(reply.body, bytes) else json.dumps(reply.body).encode())
                self.send_response(reply.status)
                headers = {"Content-Type": "application/json", **reply.headers}
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_DELETE = _handle

        self.server = _QuietServer(("127.0.0.1", 0), _Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    def _reply_for(self, request: Recorded) -> Reply:
        key = f"{request.method} {request.path.split('?')[0]}"
        route = self.routes.get(key)
        if route is None:
            return Reply(404, {"error": {"code": "route_not_found", "message": f"No such route: {key}"}})
        if callable(route):
            return route(request)
        return route.pop(0) if len(route) > 1 else route[0]

    def __enter__(self) -> "FakeApi":
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()

    def client(self, **options: Any) -> gpuq.Client:
        options.setdefault("backoff", NO_WAIT)
        options.setdefault("timeout", 5)
        return gpuq.Client(self.url, options.pop("api_key", "test-key"), **options)

    def hits(self, key: str) -> List[Recorded]:
        return [r for r in self.requests if f"{r.method} {r.path.split('?')[0]}" == key]


def job_view(id: str = "solve_01kc0000000000000000000000", status: str = "queued", **fields: Any) -> Dict[str, Any]:
    """A job view as the API sends it (packages/shared/src/job.ts), with fields replaced."""
    view: Dict[str, Any] = {
        "id": id,
        "kind": id.split("_")[0],
        "tenant": "acme",
        "status": status,
        "priority": 50,
        "labels": {},
        "resources": {"vramMb": None},
        "timeoutSeconds": 600,
        "attempts": {"made": 0, "max": 3},
        "createdAt": 1_796_000_000_000,
        "startedAt": None,
        "finishedAt": None,
        "placement": None,
        "pendingReason": "waiting in the queue for the scheduler" if status == "queued" else None,
        "queuePosition": 0 if status == "queued" else None,
        "progress": None,
        "result": None,
        "error": None,
        "cost": {"gpuSeconds": 0, "cpuSeconds": 0, "usd": 0, "stages": []},
        "batchId": None,
        "cancelRequestedAt": None,
        "webhook": None,
    }
    view.update(fields)
    return view


def sse(*events: Tuple[str, Any, Optional[str]]) -> bytes:
    """Server-sent events as the API writes them: (type, data, id)."""
    out = []
    for event, data, event_id in events:
        lines = [f"event: {event}"]
        if event_id:
            lines.append(f"id: {event_id}")
        lines.append(f"data: {json.dumps(data)}")
        out.append("\n".join(lines) + "\n\n")
    return "".join(out).encode()


#: The LP of cuOpt's documentation (README's quick start): x = 1.8, y = 0, objective −0.36.
CONTRACTS_LP = {
    "csr_constraint_matrix": {"offsets": [0, 2, 4], "indices": [0, 1, 0, 1], "values": [3.0, 4.0, 2.7, 10.1]},
    "constraint_bounds": {"upper_bounds": [5.4, 4.9], "lower_bounds": ["ninf", "ninf"]},
    "objective_data": {"coefficients": [-0.2, 0.1], "scalability_factor": 1.0, "offset": 0.0},
    "variable_bounds": {"upper_bounds": ["inf", "inf"], "lower_bounds": [0.0, 0.0]},
    "maximize": False,
}

#: The Wyndor Glass LP in free MPS: the last two rows meet at windows = 6, doors = 2: objective 36.
WYNDOR_MPS = """NAME wyndor_glass
OBJSENSE MAX
ROWS
 N profit
 L plant_1
 L plant_2
 L plant_3
COLUMNS
 doors    profit 3  plant_1 1
 doors    plant_3 3
 windows  profit 5  plant_2 2
 windows  plant_3 2
RHS
 hours plant_1 4 plant_2 12
 hours plant_3 18
ENDATA
"""


def market_split_milp(time_limit_s: float, rows: int = 6, cols: int = 50, seed: int = 7) -> Dict[str, Any]:
    """A market-split MILP (test/fixtures/problems.ts): a feasible point is trivial, proving the
    optimum takes HiGHS far longer than a second, so it runs until ``time_limit``."""
    state = seed

    def random() -> float:
        nonlocal state
        state = (state * 1_103_515_245 + 12_345) % 2**31
        return state / 2**31

    offsets, indices, values, bounds = [0], [], [], []
    for i in range(rows):
        total = 0
        for j in range(cols):
            a = int(random() * 100)
            total += a
            indices.append(j)
            values.append(a)
        indices += [cols + 2 * i, cols + 2 * i + 1]
        values += [1, -1]
        offsets.append(len(indices))
        bounds.append(total // 2)
    num_vars = cols + 2 * rows
    return {
        "csr_constraint_matrix": {"offsets": offsets, "indices": indices, "values": values},
        "constraint_bounds": {"bounds": bounds, "types": ["E"] * rows},
        "objective_data": {"coefficients": [0] * cols + [1] * (2 * rows)},
        "variable_bounds": {"lower_bounds": [0] * num_vars, "upper_bounds": [1] * cols + ["inf"] * (2 * rows)},
        "variable_types": ["I"] * cols + ["C"] * (2 * rows),
        "solver_config": {"time_limit": time_limit_s},
    }
