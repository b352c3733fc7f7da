"""Offline: job views, the three kinds' results, error bodies, server-sent events and Retry-After
are read as the API writes them today, keeping what this client does not know in ``.raw``."""
from __future__ import annotations

import unittest
from datetime import datetime, timezone

from support import job_view

import gpuq
from gpuq.backoff import retry_after_seconds
from gpuq.errors import api_error_from
from gpuq.sse import SseParser

SOLVE_RESULT = {
    "solver_response": {
        "status": "Optimal",
        "solution": {
            "problem_category": "LP",
            "primal_solution": [1.8, 0],
            "dual_solution": [-0.0667, 0],
            "primal_objective": -0.36,
            "dual_objective": -0.36,
            "solver_time": 0.002,
            "solved_by_pdlp": False,
            "vars": {},
            "lp_statistics": {"primal_residual": 0, "dual_residual": 0, "gap": 0, "nb_iterations": 2},
            "reduced_cost": [0, 0.367],
            "milp_statistics": {},
        },
    },
    "total_solve_time": 0.05,
}

INFERENCE_RESULT = {
    "model": "default",
    "modelVersion": "vader-3.3.2",
    "device": "cpu",
    "predictions": [
        {"index": 0, "label": "POSITIVE", "score": 0.95, "scores": {"NEGATIVE": 0.05, "POSITIVE": 0.95}, "words": 3, "sentences": 1},
        {"index": 1, "label": "NEGATIVE", "score": 0.8, "scores": {"NEGATIVE": 0.8, "POSITIVE": 0.2}, "words": 4, "sentences": 1},
    ],
    "summary": {
        "texts": 2,
        "labels": {"NEGATIVE": 1, "POSITIVE": 1},
        "majority": {"label": "NEGATIVE", "share": 0.5, "tiedWith": ["POSITIVE"]},
        "confidence": {"mean": 0.875, "min": 0.8, "max": 0.95, "lowConfidenceTexts": 0},
        "words": 7,
        "sentences": 2,
    },
}

# As the scheduler's fold executor writes it (apps/scheduler/src/kinds/fold/boltz-outcome.ts and
# executors/docker.ts), with the scores of the stand-in Boltz (test/fakes/boltz/boltz).
FOLD_RESULT = {
    "tokens": 412,
    "confidence": {"confidence_score": 0.91, "ptm": 0.88, "iptm": 0.84, "complex_plddt": 0.92, "chains_ptm": {"0": 0.88}},
    "models": [
        {"rank": 0, "structure": "input_model_0.cif", "confidence_score": 0.91, "ptm": 0.88, "iptm": 0.84, "complex_plddt": 0.92},
        {"rank": 1, "structure": "input_model_1.cif", "confidence_score": 0.90, "ptm": 0.88, "iptm": 0.84, "complex_plddt": 0.92},
    ],
    "affinity": {"affinity_pred_value": -1.63, "affinity_probability_binary": 0.71, "affinity_pred_value1": -1.58},
    "artifacts": [{"name": "input_model_0.cif", "bytes": 52311}, {"name": "pae_input_model_0.npz", "bytes": 1024}],
}


class JobViewTest(unittest.TestCase):
    def test_reads_a_queued_view_with_its_pending_reason_and_position(self) -> None:
        job = gpuq.Job.from_json(job_view(labels={"team": "nlp"}))
        self.assertEqual(job.status, "queued")
        self.assertFalse(job.is_done)
        self.assertEqual(job.pending_reason, "waiting in the queue for the scheduler")
        self.assertEqual(job.queue_position, 0)
        self.assertEqual(job.labels, {"team": "nlp"})
        self.assertEqual(job.attempts, gpuq.Attempts(made=0, max=3))
        self.assertIsNone(job.result)
        self.assertEqual(job.created, datetime.fromtimestamp(1_796_000_000, tz=timezone.utc))

    def test_reads_a_succeeded_solve_with_placement_cost_and_a_typed_result(self) -> None:
        view = job_view(
            status="succeeded",
            startedAt=1_796_000_000_100,
            finishedAt=1_796_000_000_400,
            attempts={"made": 1, "max": 3},
            placement={"gpu": None, "vramMb": 0, "server": "solver-cpu", "box": "box-1"},
            result=SOLVE_RESULT,
            cost={"gpuSeconds": 0, "cpuSeconds": 0.3, "usd": 0.0000125, "stages": []},
        )
        job = gpuq.Job.from_json(view)
        self.assertTrue(job.is_done)
        self.assertEqual(job.placement, gpuq.Placement(gpu=None, vram_mb=0, server="solver-cpu", box="box-1"))
        self.assertAlmostEqual(job.cost.cpu_seconds, 0.3)
        self.assertIsInstance(job.result, gpuq.SolveResult)
        self.assertEqual(job.result.status, "Optimal")
        self.assertAlmostEqual(job.result.objective, -0.36)
        self.assertEqual(job.result.primal_solution, [1.8, 0])
        self.assertEqual(job.result.problem_category, "LP")
        self.assertAlmostEqual(job.result.total_solve_time_s, 0.05)
        self.assertEqual(job.result.raw["solver_response"]["solution"]["lp_statistics"]["nb_iterations"], 2)

    def test_reads_a_failed_view_error_and_webhook_deliveries(self) -> None:
        view = job_view(
            status="failed",
            error={"code": "timed_out", "message": "timed out after 1 s"},
            webhook={"url": "https://hooks.example.com/gpuq", "deliveries": [{"at": 1, "attempt": 1, "status": None, "error": "refused"}]},
        )
        job = gpuq.Job.from_json(view)
        self.assertEqual(job.error, gpuq.JobFailure("timed_out", "timed out after 1 s"))
        assert job.webhook is not None
        self.assertEqual(job.webhook.deliveries[0].status, None)
        self.assertEqual(job.webhook.deliveries[0].error, "refused")

    def test_keeps_fields_a_newer_api_adds_in_raw(self) -> None:
        job = gpuq.Job.from_json(job_view(logsUrl="/v1/jobs/x/logs"))
        self.assertEqual(job.raw["logsUrl"], "/v1/jobs/x/logs")

    def test_refuses_something_that_is_not_a_job_view(self) -> None:
        with self.assertRaises(gpuq.UnexpectedResponse):
            gpuq.Job.from_json({"jobs": []}, "http://api/v1/jobs/x")


class ResultTest(unittest.TestCase):
    def test_an_inference_result_has_predictions_in_order_and_a_summary(self) -> None:
        result = gpuq.parse_result("inference", INFERENCE_RESULT)
        self.assertIsInstance(result, gpuq.InferenceResult)
        self.assertEqual(result.labels, ["POSITIVE", "NEGATIVE"])
        self.assertEqual(result.predictions[0].scores["POSITIVE"], 0.95)
        self.assertEqual(result.predictions[1].words, 4)
        self.assertEqual(result.summary.labels, {"NEGATIVE": 1, "POSITIVE": 1})
        self.assertEqual((result.summary.majority_label, result.summary.majority_share), ("NEGATIVE", 0.5))
        self.assertEqual(result.summary.majority_tied_with, ["POSITIVE"])
        self.assertEqual(result.summary.low_confidence_texts, 0)
        self.assertEqual(result.model_version, "vader-3.3.2")

    def test_a_fold_result_has_confidence_models_affinity_and_artifacts(self) -> None:
        result = gpuq.parse_result("fold", FOLD_RESULT)
        self.assertIsInstance(result, gpuq.FoldResult)
        self.assertEqual(result.tokens, 412)
        self.assertEqual(result.confidence.confidence_score, 0.91)
        self.assertEqual(result.confidence.raw["chains_ptm"], {"0": 0.88})
        self.assertEqual([m.rank for m in result.models], [0, 1])
        self.assertEqual(result.models[1].structure, "input_model_1.cif")
        assert result.affinity is not None
        self.assertEqual(result.affinity.affinity_probability_binary, 0.71)
        self.assertEqual(result.affinity.raw["affinity_pred_value1"], -1.58)
        self.assertEqual(result.artifacts[0], gpuq.ArtifactInfo("input_model_0.cif", 52311))

    def test_a_batch_lp_result_has_one_response_per_problem(self) -> None:
        first = SOLVE_RESULT["solver_response"]
        second = {"status": "PrimalInfeasible", "solution": {}}
        result = gpuq.parse_result("solve", {"solver_response": [first, second], "total_solve_time": 0.1})
        self.assertEqual([r.status for r in result.responses], ["Optimal", "PrimalInfeasible"])
        self.assertAlmostEqual(result.objective, -0.36)
        self.assertIsNone(result.responses[1].objective)

    def test_a_vrp_result_is_kept_whole_in_raw(self) -> None:
        vrp = {"solver_response": {"status": 0, "num_vehicles": 2, "solution_cost": 14.0, "vehicle_data": {}}}
        result = gpuq.parse_result("solve", vrp)
        self.assertEqual(result.status, 0)
        self.assertIsNone(result.objective)
        self.assertEqual(result.raw["solver_response"]["solution_cost"], 14.0)

    def test_an_unknown_kind_or_no_result_is_returned_as_is(self) -> None:
        self.assertEqual(gpuq.parse_result("render", {"frames": 3}), {"frames": 3})
        self.assertIsNone(gpuq.parse_result("solve", None))


class ErrorBodyTest(unittest.TestCase):
    def test_a_400_is_a_validation_error_with_each_field(self) -> None:
        body = b'{"error": {"code": "validation_failed", "message": "The request is not valid; see details for each field.", "details": [{"path": "input.csr_constraint_matrix.indices", "message": "indices[3] = 9 is out of range"}]}}'
        error = api_error_from(400, body)
        self.assertIsInstance(error, gpuq.ValidationError)
        self.assertIsInstance(error, gpuq.GpuqError)
        self.assertEqual((error.status, error.code), (400, "validation_failed"))
        self.assertEqual(error.field, "input.csr_constraint_matrix.indices")
        self.assertEqual(error.details, [gpuq.ErrorDetail("input.csr_constraint_matrix.indices", "indices[3] = 9 is out of range")])
        self.assertIn("(400 validation_failed)\n  input.csr_constraint_matrix.indices: indices[3] = 9 is out of range", str(error))

    def test_each_status_has_its_class(self) -> None:
        cases = {401: gpuq.Unauthorized, 403: gpuq.Forbidden, 404: gpuq.NotFound, 409: gpuq.Conflict, 413: gpuq.PayloadTooLarge,
                 422: gpuq.Unprocessable, 429: gpuq.RateLimited, 500: gpuq.ServerError, 503: gpuq.Unavailable}
        for status, cls in cases.items():
            with self.subTest(status=status):
                self.assertIsInstance(api_error_from(status, b'{"error": {"code": "x", "message": "m"}}'), cls)

    def test_a_429_carries_retry_after(self) -> None:
        error = api_error_from(429, b'{"error": {"code": "rate_limited", "message": "Too many requests"}}', retry_after=7.0)
        self.assertIsInstance(error, gpuq.RateLimited)
        self.assertEqual(error.retry_after, 7.0)

    def test_a_proxy_page_becomes_an_error_by_its_status(self) -> None:
        error = api_error_from(502, b"<html>Bad Gateway</html>", reason="Bad Gateway")
        self.assertIsInstance(error, gpuq.ServerError)
        self.assertEqual(error.code, "http_502")
        self.assertEqual(error.message, "the API answered 502 Bad Gateway: <html>Bad Gateway</html>")


class RetryAfterTest(unittest.TestCase):
    def test_reads_seconds_and_http_dates_and_ignores_the_rest(self) -> None:
        self.assertEqual(retry_after_seconds("3"), 3.0)
        now = datetime(2026, 10, 21, 7, 28, 0, tzinfo=timezone.utc).timestamp()
        self.assertEqual(retry_after_seconds("Wed, 21 Oct 2026 07:28:05 GMT", now=now), 5.0)
        self.assertEqual(retry_after_seconds("Wed, 21 Oct 2026 07:27:00 GMT", now=now), 0.0)
        for header in (None, "", "-1", "soon"):
            self.assertIsNone(retry_after_seconds(header))

    def test_backoff_doubles_up_to_its_cap_less_jitter(self) -> None:
        self.assertEqual([gpuq.RETRY_BACKOFF.delay(n, random=lambda: 0) for n in range(7)], [0.2, 0.4, 0.8, 1.6, 3.2, 5.0, 5.0])
        self.assertEqual(gpuq.RETRY_BACKOFF.delay(0, random=lambda: 1), 0.1)
        self.assertAlmostEqual(gpuq.POLL_BACKOFF.delay(2), 0.5625)


class SseParserTest(unittest.TestCase):
    def test_events_split_anywhere_with_any_line_ending(self) -> None:
        text = '\ufeff: keep-alive\r\nevent: job\r\nid: abc\r\ndata: {"a":\r\ndata: 1}\r\n\r\nevent: end\rdata: {}\r\r'
        for cut in range(len(text)):
            with self.subTest(cut=cut):
                parser = SseParser()
                events = parser.feed(text[:cut]) + parser.feed(text[cut:])
                self.assertEqual([(e.event, e.data) for e in events], [("job", '{"a":\n1}'), ("end", "{}")])
                self.assertEqual(parser.last_event_id, "abc")

    def test_keeps_retry_and_drops_an_event_cut_off_before_its_blank_line(self) -> None:
        parser = SseParser()
        events = parser.feed("retry: 1500\ndata: whole\n\ndata: cut")
        self.assertEqual([e.data for e in events], ["whole"])
        self.assertEqual(events[0].event, "message")
        self.assertEqual(parser.retry_s, 1.5)


if __name__ == "__main__":
    unittest.main()
