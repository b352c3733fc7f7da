#!/usr/bin/env python3
"""The GPU model server: the gpuq inference protocol v1 (docs/inference-protocol.md) over
distilbert-base-uncased-finetuned-sst-2-english, on cuda:0 when there is a GPU.

Standard library HTTP (ThreadingHTTPServer): it listens at once and answers 503 `loading` until the
model has loaded. Each request's texts go through the model in one forward pass; one pass runs at a
time. `python server.py --self-test` loads the model and classifies two sentences, then exits.
"""
import json
import logging
import os
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MODEL_ID = os.environ.get("MODEL_ID", "distilbert/distilbert-base-uncased-finetuned-sst-2-english")
MODEL_REVISION = os.environ.get("MODEL_REVISION", "714eb0f")
MAX_TEXTS = 256
MAX_TEXT_CHARS = 10_000
# The model reads at most this many tokens of a text (about 2,000 characters); the rest is cut.
MAX_TOKENS = 512
EXAMPLE = '{"model": "default", "texts": ["…"]}'

# Error codes of the protocol and their HTTP statuses, as in apps/model-cpu/src/errors.ts.
STATUS = {
    "invalid_request": 400,
    "route_not_found": 404,
    "model_not_found": 404,
    "payload_too_large": 413,
    "unsupported_media_type": 415,
    "inference_failed": 500,
    "loading": 503,
}


class JsonFormatter(logging.Formatter):
    """One JSON object per line, like the gpuq apps' pino logs."""

    def format(self, record):
        entry = {"level": record.levelname.lower(), "time": int(record.created * 1000), "name": "model-gpu", "msg": record.getMessage()}
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            entry["err"] = self.formatException(record.exc_info)
        return json.dumps(entry)


log = logging.getLogger("model-gpu")


class Refusal(Exception):
    """A request refused with a protocol code; the message goes to the client as it is."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


class Model:
    def __init__(self):
        import torch
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        self.torch = torch
        self.device = torch.device("cuda:0" if torch.cuda.is_available() else "cpu")
        self.tokenizer = AutoTokenizer.from_pretrained(MODEL_ID, revision=MODEL_REVISION)
        self.model = AutoModelForSequenceClassification.from_pretrained(MODEL_ID, revision=MODEL_REVISION).to(self.device).eval()
        config = self.model.config
        self.labels = [config.id2label[i] for i in range(config.num_labels)]  # NEGATIVE, POSITIVE
        self.info = {
            "name": "default",
            "version": f"{MODEL_ID}@{MODEL_REVISION}",
            "labels": self.labels,
            "maxTexts": MAX_TEXTS,
            "maxTextChars": MAX_TEXT_CHARS,
        }
        # A fast tokenizer raises "Already borrowed" when two threads use it at once, and one pass
        # at a time bounds GPU memory: requests queue here, each one batched whole.
        self.lock = threading.Lock()

    def classify(self, texts):
        """One prediction per text, in order, and the milliseconds the pass took (not the wait for the lock)."""
        with self.lock, self.torch.inference_mode():
            started = time.perf_counter()
            batch = self.tokenizer(texts, padding=True, truncation=True, max_length=MAX_TOKENS, return_tensors="pt").to(self.device)
            # Softmax in float64, so that each text's probabilities sum to 1 to within 1e-15.
            rows = self.model(**batch).logits.double().softmax(dim=-1).cpu().tolist()
            inference_ms = round((time.perf_counter() - started) * 1000, 3)
        predictions = []
        for row in rows:
            best = max(range(len(row)), key=row.__getitem__)
            predictions.append({"label": self.labels[best], "score": row[best], "scores": dict(zip(self.labels, row))})
        return predictions, inference_ms


class State:
    model = None  # set once, when the model has loaded


def type_name(value):
    """What a JSON value is, in words: `null`, `an array`, `a number`."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "an array" if isinstance(value, list) else "an object"


def problems_message(problems, shown=3):
    head = ". ".join(problems[:shown])
    return f"{head}. (and {len(problems) - shown} more problems)" if len(problems) > shown else head


def parse_body(raw):
    """The body's model and texts, or a Refusal naming each field at fault."""
    if not raw.strip():
        raise Refusal("invalid_request", f"the body is empty; send {EXAMPLE}")
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError) as err:
        raise Refusal("invalid_request", f"the body is not valid JSON ({err}); send {EXAMPLE}") from None
    if not isinstance(body, dict):
        raise Refusal("invalid_request", f"the body must be a JSON object such as {EXAMPLE}, not {type_name(body)}")
    problems = []
    model, texts = body.get("model"), body.get("texts")
    if "model" not in body:
        problems.append('model is required: the name of a served model, e.g. "default"')
    elif not isinstance(model, str):
        problems.append(f'model must be the name of a served model, e.g. "default", not {type_name(model)}')
    elif model == "":
        problems.append('model is empty; name a served model, e.g. "default"')
    if "texts" not in body:
        problems.append("texts is required: an array of strings")
    elif not isinstance(texts, list):
        problems.append(f"texts must be an array of strings, not {type_name(texts)}")
    elif not texts:
        problems.append("texts is empty; send at least one text")
    else:
        problems += [f"texts[{i}] must be a string, not {type_name(t)}" for i, t in enumerate(texts) if not isinstance(t, str)]
    if problems:
        raise Refusal("invalid_request", problems_message(problems))
    return model, texts


def text_problems(texts, info):
    """Characters are code points (Python's len), as the CPU server counts them."""
    problems = []
    if len(texts) > info["maxTexts"]:
        problems.append(f"texts has {len(texts)} entries; at most {info['maxTexts']} per request: split them across requests")
    for i, text in enumerate(texts):
        if not text:
            problems.append(f"texts[{i}] is empty; send 1 to {info['maxTextChars']} characters")
        elif len(text) > info["maxTextChars"]:
            problems.append(f"texts[{i}] has {len(text)} characters; at most {info['maxTextChars']}")
    return problems


def classify(raw):
    model_name, texts = parse_body(raw)
    model = State.model
    if model is None:
        raise Refusal("loading", "the models are still loading; retry when GET /health answers 200")
    if model_name != model.info["name"]:
        raise Refusal("model_not_found", f'no model named {json.dumps(model_name[:100], ensure_ascii=False)}; this server serves "{model.info["name"]}"')
    problems = text_problems(texts, model.info)
    if problems:
        raise Refusal("invalid_request", problems_message(problems))
    # An unpaired surrogate ("\ud800" in the JSON) cannot reach the tokenizer: it becomes "?".
    texts = [t.encode("utf-8", "replace").decode("utf-8") for t in texts]
    try:
        predictions, inference_ms = model.classify(texts)
    except Exception:
        log.exception("inference failed", extra={"fields": {"texts": len(texts)}})
        raise Refusal("inference_failed", "the model failed on this request; the cause is in the server log. Retry, and report it if it persists.") from None
    if len(predictions) != len(texts):
        log.error("the model returned %d predictions for %d texts", len(predictions), len(texts))
        raise Refusal("inference_failed", "the model failed on this request; the cause is in the server log. Retry, and report it if it persists.")
    return {"model": model.info["name"], "version": model.info["version"], "device": str(model.device), "predictions": predictions, "inferenceMs": inference_ms}


class Handler(BaseHTTPRequestHandler):
    server_version = "gpuq-model-gpu/1"
    timeout = 60  # seconds a client may take to send its request

    def send_json(self, status, body):
        data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def refuse(self, code, message):
        self.send_json(STATUS[code], {"error": {"code": code, "message": message}})

    def route_not_found(self):
        path = self.path.split("?")[0]
        self.refuse("route_not_found", f"no route {self.command} {path}; this server serves GET /health and POST /v1/classify")

    def do_GET(self):
        if self.path.split("?")[0] != "/health":
            return self.route_not_found()
        model = State.model
        if model is None:
            return self.send_json(503, {"status": "loading"})
        self.send_json(200, {"status": "ok", "device": str(model.device), "models": [model.info]})

    def do_POST(self):
        if self.path.split("?")[0] != "/v1/classify":
            return self.route_not_found()
        try:
            self.send_json(200, classify(self.read_body()))
        except Refusal as refusal:
            self.refuse(refusal.code, refusal.message)
        except Exception:
            log.exception("request failed")
            self.refuse("inference_failed", "the model failed on this request; the cause is in the server log. Retry, and report it if it persists.")

    do_PUT = do_DELETE = do_PATCH = do_OPTIONS = route_not_found

    def read_body(self):
        """The body's bytes, or a Refusal. A body refused unread is drained first (up to a bound):
        closing the connection with it unread makes the client see a reset instead of the reply."""
        content_type = self.headers.get("Content-Type")
        length_header = self.headers.get("Content-Length")
        if length_header is None and "Transfer-Encoding" in self.headers:
            raise Refusal("invalid_request", "send the body with a Content-Length header; this server does not read chunked bodies")
        try:
            length = int(length_header or "0")
        except ValueError:
            length = -1
        if length < 0:
            raise Refusal("invalid_request", f"the Content-Length header is not a byte count: {length_header}")
        if content_type is None and length == 0:
            raise Refusal("invalid_request", f"the body is empty; send {EXAMPLE}")
        if content_type is None or content_type.split(";")[0].strip().lower() != "application/json":
            self.drain(length)
            suffix = f", not {content_type}" if content_type else ""
            raise Refusal("unsupported_media_type", f"send the body as JSON with content-type: application/json{suffix}")
        if length > self.server.max_body_bytes:
            self.drain(length)
            raise Refusal("payload_too_large", f"the body is larger than {self.server.max_body_bytes / 1024 / 1024:g} MiB, the most this server accepts; send fewer texts per request")
        raw = self.rfile.read(length)
        if len(raw) < length:
            raise Refusal("invalid_request", "the body ended before its Content-Length")
        return raw

    def drain(self, length, limit=256 * 1024 * 1024):
        left = min(length, limit)
        while left > 0:
            chunk = self.rfile.read(min(left, 1024 * 1024))
            if not chunk:
                return
            left -= len(chunk)

    def log_message(self, format, *args):
        pass  # the scheduler calls once per job stage: a line per request would say nothing new


class Server(ThreadingHTTPServer):
    daemon_threads = False  # server_close() waits for requests in flight
    max_body_bytes = int(os.environ.get("MODEL_MAX_BODY_MB", "32")) * 1024 * 1024


def self_test():
    model = Model()
    predictions, _ = model.classify(["I loved this film, it was wonderful.", "Not good at all, a waste of money."])
    got = [p["label"] for p in predictions]
    print(json.dumps({"device": str(model.device), "version": model.info["version"], "labels": got}))
    return 0 if got == ["POSITIVE", "NEGATIVE"] else 1


def main():
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter())
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "info").upper(), handlers=[handler])
    if "--self-test" in sys.argv[1:]:
        return self_test()
    host, port = os.environ.get("MODEL_HOST", "127.0.0.1"), int(os.environ.get("MODEL_PORT", "5100"))
    server = Server((host, port), Handler)
    # SIGTERM stops the server as Ctrl-C does: the KeyboardInterrupt lands in the main thread.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    threading.Thread(target=server.serve_forever, name="http", daemon=True).start()
    log.info("listening; loading the model", extra={"fields": {"url": f"http://{host}:{port}", "model": MODEL_ID}})
    code = 0
    try:
        State.model = Model()
        log.info("model-gpu ready", extra={"fields": {"device": str(State.model.device), "version": State.model.info["version"]}})
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        log.info("shutting down")
    except Exception:
        log.exception("the model did not load")
        code = 1
    finally:
        server.shutdown()
        server.server_close()
    log.info("shut down")
    return code


if __name__ == "__main__":
    sys.exit(main())
