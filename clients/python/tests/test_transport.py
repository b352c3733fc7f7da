"""Offline, against a fake API on a local port: retries keep one Idempotency-Key, Retry-After is
honoured, a batch is never sent twice where it may have been stored, wait() falls back to polling
and reopens a broken event stream with Last-Event-ID, cancel and list behave as documented."""
from __future__ import annotations

import socket
import tempfile
import time
import unittest
from pathlib import Path

from support import FakeApi, Recorded, Reply, job_view, sse

import gpuq

JOB_ID = "solve_01kc0000000000000000000000"
EVENTS = f"GET /v1/jobs/{JOB_ID}/events"
VIEW = f"GET /v1/jobs/{JOB_ID}"


def unused_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


class RetryTest(unittest.TestCase):
    def test_a_submit_retried_after_a_503_and_a_reset_keeps_one_idempotency_key(self) -> None:
        with FakeApi() as api:
            api.routes["POST /v1/jobs"] = [
                Reply(503, {"error": {"code": "redis_unavailable", "message": "The job store is unreachable"}}),
                Reply(drop=True),
                Reply(202, job_view()),
            ]
            job = api.client().submit("solve", {"objective_data": {"coefficients": [1]}})
            self.assertEqual(job.id, JOB_ID)
            keys = [r.headers.get("idempotency-key") for r in api.hits("POST /v1/jobs")]
            self.assertEqual(len(keys), 3)
            self.assertEqual(len(set(keys)), 1)
            self.assertRegex(keys[0] or "", r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-")

    def test_each_submit_call_has_its_own_key_unless_one_is_given(self) -> None:
        with FakeApi() as api:
            api.routes["POST /v1/jobs"] = [Reply(202, job_view())]
            client = api.client()
            client.submit("solve", {})
            client.submit("solve", {})
            client.submit("solve", {}, idempotency_key="my-key")
            keys = [r.headers.get("idempotency-key") for r in api.hits("POST /v1/jobs")]
            self.assertNotEqual(keys[0], keys[1])
            self.assertEqual(keys[2], "my-key")

    def test_sends_the_key_as_a_bearer_token_and_json(self) -> None:
        with FakeApi() as api:
            api.routes["POST /v1/jobs"] = [Reply(202, job_view())]
            api.client(api_key="s3cret").submit_inference(["Great."])
            request = api.hits("POST /v1/jobs")[0]
            self.assertEqual(request.headers["authorization"], "Bearer s3cret")
            self.assertEqual(request.headers["content-type"], "application/json")
            self.assertEqual(request.json(), {"kind": "inference", "input": {"texts": ["Great."]}})

    def test_honours_retry_after_on_a_429(self) -> None:
        with FakeApi() as api:
            limited = {"error": {"code": "rate_limited", "message": "Too many requests"}}
            api.routes[VIEW] = [Reply(429, limited, {"Retry-After": "1"}), Reply(200, job_view())]
            started = time.monotonic()
            api.client().get(JOB_ID)
            self.assertGreaterEqual(time.monotonic() - started, 0.9)
            self.assertEqual(len(api.hits(VIEW)), 2)

    def test_a_retry_after_longer_than_allowed_raises_rate_limited_at_once(self) -> None:
        with FakeApi() as api:
            api.routes[VIEW] = [Reply(429, {"error": {"code": "rate_limited", "message": "Too many requests"}}, {"Retry-After": "120"})]
            with self.assertRaises(gpuq.RateLimited) as caught:
                api.client(max_retry_after=60).get(JOB_ID)
            self.assertEqual(caught.exception.retry_after, 120.0)
            self.assertEqual(len(api.hits(VIEW)), 1)

    def test_gives_up_after_the_retries_with_the_last_error(self) -> None:
        with FakeApi() as api:
            api.routes[VIEW] = [Reply(502, b"bad gateway", {"Content-Type": "text/plain"})]
            with self.assertRaises(gpuq.ServerError) as caught:
                api.client(retries=2).get(JOB_ID)
            self.assertEqual(caught.exception.code, "http_502")
            self.assertEqual(len(api.hits(VIEW)), 3)

    def test_does_not_retry_a_4xx(self) -> None:
        with FakeApi() as api:
            api.routes[VIEW] = [Reply(404, {"error": {"code": "job_not_found", "message": f"no job with id {JOB_ID}"}})]
            with self.assertRaises(gpuq.NotFound) as caught:
                api.client().get(JOB_ID)
            self.assertEqual((caught.exception.status, caught.exception.code), (404, "job_not_found"))
            self.assertEqual(len(api.hits(VIEW)), 1)

    def test_a_batch_is_not_sent_again_after_a_502_or_a_reset_but_is_after_a_503(self) -> None:
        with FakeApi() as api:
            client = api.client()
            api.routes["POST /v1/batches"] = [Reply(502, b"bad gateway")]
            with self.assertRaises(gpuq.ServerError):
                client.submit_batch([gpuq.job_request("solve", {})])
            self.assertEqual(len(api.hits("POST /v1/batches")), 1)
            api.routes["POST /v1/batches"] = [Reply(drop=True)]
            with self.assertRaises(gpuq.GpuqConnectionError):
                client.submit_batch([gpuq.job_request("solve", {})])
            self.assertEqual(len(api.hits("POST /v1/batches")), 2)
            api.routes["POST /v1/batches"] = [Reply(503, {"error": {"code": "not_ready", "message": "Not ready"}}), Reply(202, {"id": "batch_1", "jobs": [job_view()]})]
            batch = client.submit_batch([gpuq.job_request("solve", {})])
            self.assertEqual((batch.id, [j.id for j in batch.jobs]), ("batch_1", [JOB_ID]))

    def test_an_api_that_is_not_there_is_a_connection_error_after_the_retries(self) -> None:
        url = unused_port_url()
        client = gpuq.Client(url, backoff=gpuq.Backoff(0.001, 1, 0.001))
        with self.assertRaises(gpuq.GpuqConnectionError) as caught:
            client.get(JOB_ID)
        self.assertEqual(str(caught.exception), f"cannot reach the gpuq API at {url}: connection refused (tried 4 times)")

    def test_reads_url_and_key_from_the_environment(self) -> None:
        from unittest import mock

        with mock.patch.dict("os.environ", {"GPUQ_URL": "http://gpuq.example:9000/", "GPUQ_API_KEY": "k"}):
            client = gpuq.Client()
        self.assertEqual(client.url, "http://gpuq.example:9000")
        self.assertEqual(repr(client), "Client(url='http://gpuq.example:9000', api_key=***)")


class WaitTest(unittest.TestCase):
    def test_waits_by_events_and_reports_each_new_view(self) -> None:
        with FakeApi() as api:
            running = job_view(status="running")
            done = job_view(status="succeeded", result={"solver_response": {"status": "Optimal", "solution": {"primal_objective": 2}}})
            api.routes[EVENTS] = [Reply(stream=[sse(("job", job_view(), "a"), ("job", running, "b")), sse(("job", running, "b"), ("job", done, "c"), ("end", {"id": JOB_ID, "status": "succeeded"}, None))])]
            seen = []
            job = api.client().wait(JOB_ID, on_progress=lambda v: seen.append(v.status))
            self.assertEqual(job.status, "succeeded")
            self.assertEqual(job.result.objective, 2)
            self.assertEqual(seen, ["queued", "running", "succeeded"])
            self.assertEqual(api.hits(VIEW), [])
            self.assertEqual(api.hits(EVENTS)[0].headers["accept"], "text/event-stream")

    def test_reopens_a_broken_stream_with_last_event_id(self) -> None:
        with FakeApi() as api:
            def events(request: Recorded) -> Reply:
                if "last-event-id" not in request.headers:
                    return Reply(stream=[sse(("job", job_view(status="running"), "view-1"))])
                return Reply(stream=[sse(("job", job_view(status="succeeded"), "view-2"), ("end", {"id": JOB_ID, "status": "succeeded"}, None))])

            api.routes[EVENTS] = events
            job = api.client().wait(JOB_ID)
            self.assertEqual(job.status, "succeeded")
            self.assertEqual([r.headers.get("last-event-id") for r in api.hits(EVENTS)], [None, "view-1"])

    def test_falls_back_to_polling_when_the_stream_is_missing_or_not_a_stream(self) -> None:
        for name, reply in [
            ("no route", Reply(404, {"error": {"code": "route_not_found", "message": "No such route"}})),
            ("a buffering proxy", Reply(200, {"not": "a stream"})),
            ("a 500", Reply(500, {"error": {"code": "internal_error", "message": "oops"}})),
        ]:
            with self.subTest(name), FakeApi() as api:
                api.routes[EVENTS] = [reply]
                api.routes[VIEW] = [Reply(200, job_view()), Reply(200, job_view(status="running")), Reply(200, job_view(status="failed", error={"code": "worker_error", "message": "boom"}))]
                job = api.client(retries=0).wait(JOB_ID, poll_backoff=gpuq.Backoff(0.01, 1, 0.01))
                self.assertEqual(job.status, "failed")
                self.assertEqual(job.error, gpuq.JobFailure("worker_error", "boom"))
                self.assertEqual(len(api.hits(VIEW)), 3)

    def test_polls_only_when_told_to(self) -> None:
        with FakeApi() as api:
            api.routes[VIEW] = [Reply(200, job_view()), Reply(200, job_view(status="cancelled", error={"code": "cancelled", "message": "cancelled on request"}))]
            job = api.client().wait(JOB_ID, use_events=False, poll_backoff=gpuq.Backoff(0.01, 1, 0.01))
            self.assertEqual(job.status, "cancelled")
            self.assertEqual(api.hits(EVENTS), [])

    def test_a_404_while_waiting_is_not_found_not_a_fallback(self) -> None:
        with FakeApi() as api:
            api.routes[EVENTS] = [Reply(404, {"error": {"code": "job_not_found", "message": "no job"}})]
            with self.assertRaises(gpuq.NotFound):
                api.client().wait(JOB_ID)

    def test_gives_up_at_the_timeout_with_the_last_view_seen(self) -> None:
        for use_events in (True, False):
            with self.subTest(use_events=use_events), FakeApi() as api:
                # A stream that says the job runs, and breaks; opened again, it says the same.
                api.routes[EVENTS] = [Reply(stream=[sse(("job", job_view(status="running"), "a"))])]
                api.routes[VIEW] = [Reply(200, job_view(status="running"))]
                started = time.monotonic()
                with self.assertRaises(gpuq.WaitTimeout) as caught:
                    api.client().wait(JOB_ID, timeout=0.5, use_events=use_events, poll_backoff=gpuq.Backoff(0.05, 1, 0.05))
                self.assertLess(time.monotonic() - started, 3)
                assert caught.exception.last_view is not None
                self.assertEqual(caught.exception.last_view.status, "running")


class CancelListFilesTest(unittest.TestCase):
    def test_cancelling_a_cancelled_job_returns_its_view_and_an_ended_one_raises_conflict(self) -> None:
        with FakeApi() as api:
            finished = {"error": {"code": "job_finished", "message": "The job has already finished."}}
            api.routes[f"DELETE /v1/jobs/{JOB_ID}"] = [Reply(409, finished)]
            api.routes[VIEW] = [Reply(200, job_view(status="cancelled")), Reply(200, job_view(status="succeeded"))]
            client = api.client()
            self.assertEqual(client.cancel(JOB_ID).status, "cancelled")
            with self.assertRaises(gpuq.Conflict) as caught:
                client.cancel(JOB_ID)
            self.assertEqual(caught.exception.code, "job_finished")

    def test_list_follows_next_cursor_and_sends_each_label(self) -> None:
        with FakeApi() as api:
            ids = [f"solve_01kc000000000000000000000{n}" for n in range(3)]
            api.routes["GET /v1/jobs"] = [
                Reply(200, {"jobs": [job_view(ids[0]), job_view(ids[1])], "nextCursor": "c1"}),
                Reply(200, {"jobs": [job_view(ids[2])], "nextCursor": None}),
            ]
            jobs = list(api.client().list(labels={"team": "nlp", "run": "7"}, status="queued", page_size=2))
            self.assertEqual([j.id for j in jobs], ids)
            paths = [r.path for r in api.hits("GET /v1/jobs")]
            self.assertEqual(paths, ["/v1/jobs?status=queued&limit=2&label=team%3Anlp&label=run%3A7", "/v1/jobs?status=queued&limit=2&cursor=c1&label=team%3Anlp&label=run%3A7"])

    def test_list_stops_at_its_limit(self) -> None:
        with FakeApi() as api:
            api.routes["GET /v1/jobs"] = [Reply(200, {"jobs": [job_view(), job_view()], "nextCursor": "more"})]
            self.assertEqual(len(list(api.client().list(limit=2))), 2)
            self.assertEqual(len(api.hits("GET /v1/jobs")), 1)
            self.assertIn("limit=2", api.hits("GET /v1/jobs")[0].path)

    def test_an_artifact_comes_back_whole_and_is_saved_under_its_name(self) -> None:
        with FakeApi() as api:
            route = f"GET /v1/jobs/{JOB_ID}/artifacts/model_0.cif"
            api.routes[route] = [Reply(200, b"data_model\n" * 1000, {"Content-Type": "chemical/x-cif"})]
            client = api.client()
            self.assertEqual(client.artifact(JOB_ID, "model_0.cif"), b"data_model\n" * 1000)
            with tempfile.TemporaryDirectory() as dir:
                path = client.save_artifact(JOB_ID, "model_0.cif", dir)
                self.assertEqual(path, Path(dir) / "model_0.cif")
                self.assertEqual(path.read_bytes(), b"data_model\n" * 1000)
                self.assertEqual(sorted(p.name for p in Path(dir).iterdir()), ["model_0.cif"])

    def test_result_is_typed_by_the_kind_in_the_job_id(self) -> None:
        with FakeApi() as api:
            infer_id = "inference_01kc0000000000000000000000"
            api.routes[f"GET /v1/jobs/{infer_id}/result"] = [Reply(200, {"model": "default", "predictions": [], "summary": {"texts": 0, "labels": {}}})]
            self.assertIsInstance(api.client().result(infer_id), gpuq.InferenceResult)


if __name__ == "__main__":
    unittest.main()
