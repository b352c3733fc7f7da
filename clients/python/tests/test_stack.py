"""Against a real gpuq (API, scheduler, solver-cpu, model-cpu): test/python-client.test.ts starts
one and runs these with GPUQ_URL and GPUQ_API_KEY set. Without GPUQ_URL they are skipped.

Optional: GPUQ_TEST_ARTIFACTS_DIR (the stack's artifactsDir, to put a file where the API serves
it), GPUQ_TEST_OTHER_API_KEY (another tenant's key, who must not see this tenant's jobs)."""
from __future__ import annotations

import os
import sys
import tempfile
import time
import unittest
import uuid
from pathlib import Path

from support import CONTRACTS_LP, WYNDOR_MPS, market_split_milp

import gpuq

URL = os.environ.get("GPUQ_URL")
SKIP_REASON = "GPUQ_URL is not set: these tests need a running gpuq (test/python-client.test.ts starts one)"
if not URL:
    sys.stderr.write(f"test_stack skipped: {SKIP_REASON}\n")


@unittest.skipUnless(URL, SKIP_REASON)
class StackTest(unittest.TestCase):
    client: gpuq.Client

    @classmethod
    def setUpClass(cls) -> None:
        cls.client = gpuq.Client()  # GPUQ_URL and GPUQ_API_KEY

    def wait_for_status(self, job_id: str, status: str, timeout: float = 15) -> gpuq.Job:
        deadline = time.monotonic() + timeout
        while True:
            view = self.client.get(job_id)
            if view.status == status or view.is_done or time.monotonic() > deadline:
                return view
            time.sleep(0.05)

    def test_the_readme_lp_succeeds_with_its_objective_by_events(self) -> None:
        job = self.client.submit_solve(CONTRACTS_LP)
        self.assertEqual(job.status, "queued")
        self.assertTrue(job.id.startswith("solve_"))
        seen = []
        done = self.client.wait(job.id, timeout=30, on_progress=lambda v: seen.append(v.status))
        self.assertEqual(done.status, "succeeded", done.error)
        self.assertIsInstance(done.result, gpuq.SolveResult)
        self.assertEqual(done.result.status, "Optimal")
        self.assertAlmostEqual(done.result.objective, -0.36, places=6)
        self.assertAlmostEqual(done.result.primal_solution[0], 1.8, places=6)
        self.assertEqual(seen[-1], "succeeded")
        self.assertEqual(done.attempts.made, 1)
        assert done.placement is not None and done.finished_at is not None and done.started_at is not None
        self.assertEqual(done.placement.server, "solver-cpu")
        self.assertGreaterEqual(done.finished_at, done.started_at)
        self.assertEqual(self.client.result(job.id).raw, done.result.raw)

    def test_an_mps_lp_succeeds_by_polling(self) -> None:
        job = self.client.submit_solve(WYNDOR_MPS, labels={"format": "mps"})
        done = self.client.wait(job.id, timeout=30, use_events=False)
        self.assertEqual(done.status, "succeeded", done.error)
        self.assertEqual(done.result.status, "Optimal")
        self.assertAlmostEqual(done.result.objective, 36.0, places=6)
        self.assertEqual([round(x, 6) for x in done.result.primal_solution], [2.0, 6.0])

    def test_an_mps_file_with_an_error_names_the_field_and_line(self) -> None:
        with self.assertRaises(gpuq.ValidationError) as caught:
            self.client.submit_solve("NAME bad\nROWS\n N obj\nCOLUMNS\n x obj 1 nowhere 2\nENDATA\n")
        self.assertEqual(caught.exception.code, "validation_failed")
        self.assertEqual(caught.exception.field, "input.mps")
        self.assertRegex(caught.exception.details[0].message, r"^line 5: ")

    def test_an_inference_job_classifies_each_text_and_costs_each_stage(self) -> None:
        job = self.client.submit_inference(["A wonderful film.", "Not good at all."])
        done = self.client.wait(job.id, timeout=30)
        self.assertEqual(done.status, "succeeded", done.error)
        result = done.result
        self.assertIsInstance(result, gpuq.InferenceResult)
        self.assertEqual(result.labels, ["POSITIVE", "NEGATIVE"])
        self.assertEqual(result.summary.labels, {"NEGATIVE": 1, "POSITIVE": 1})
        self.assertEqual(result.summary.texts, 2)
        self.assertEqual([s.name for s in done.cost.stages], ["preprocess", "inference", "postprocess"])
        self.assertEqual([s.device for s in done.cost.stages], ["cpu", "gpu", "cpu"])

    def test_a_wait_times_out_on_a_running_milp_which_cancel_then_stops(self) -> None:
        job = self.client.submit_solve(market_split_milp(30))
        self.assertEqual(self.wait_for_status(job.id, "running").status, "running")
        for use_events in (True, False):
            started = time.monotonic()
            with self.assertRaises(gpuq.WaitTimeout) as caught:
                self.client.wait(job.id, timeout=0.5, use_events=use_events)
            self.assertLess(time.monotonic() - started, 2.5)
            assert caught.exception.last_view is not None
            self.assertEqual(caught.exception.last_view.status, "running")
        self.client.cancel(job.id)
        done = self.client.wait(job.id, timeout=15)
        self.assertEqual(done.status, "cancelled")
        assert done.error is not None
        self.assertEqual(done.error.code, "cancelled")
        self.assertEqual(self.client.cancel(job.id).status, "cancelled")

    def test_the_solver_log_and_a_cancelled_milps_best_solution(self) -> None:
        job = self.client.submit_solve(market_split_milp(30))
        deadline = time.monotonic() + 30
        while self.client.incumbent(job.id) is None and time.monotonic() < deadline:
            time.sleep(0.1)
        self.client.cancel(job.id)
        self.assertEqual(self.client.wait(job.id, timeout=15).status, "cancelled")
        best = self.client.incumbent(job.id)
        assert best is not None
        self.assertIsInstance(best["cost"], (int, float))
        self.assertGreater(len(best["solution"]), 0)
        text, offset = self.client.logs(job.id)
        self.assertGreater(len(text), 0)
        self.assertEqual(offset, len(text.encode("utf-8")))
        self.assertEqual(self.client.logs(job.id, offset), ("", offset))
        lp = self.client.wait(self.client.submit_solve(CONTRACTS_LP).id, timeout=30)
        self.assertIsNone(self.client.incumbent(lp.id))

    def test_cancelling_a_job_that_succeeded_is_a_conflict(self) -> None:
        done = self.client.wait(self.client.submit_solve(CONTRACTS_LP).id, timeout=30)
        with self.assertRaises(gpuq.Conflict) as caught:
            self.client.cancel(done.id)
        self.assertEqual((caught.exception.status, caught.exception.code), (409, "job_finished"))

    def test_lists_by_label_page_after_page_newest_first(self) -> None:
        run = uuid.uuid4().hex[:8]
        ids = [self.client.submit_solve(CONTRACTS_LP, labels={"run": run}).id for _ in range(3)]
        listed = [j.id for j in self.client.list(labels={"run": run}, page_size=2)]
        self.assertEqual(listed, ids[::-1])
        page = self.client.list_page(labels=[f"run:{run}"], limit=2)
        self.assertEqual([j.id for j in page.jobs], ids[:0:-1])
        self.assertIsNotNone(page.next_cursor)
        self.assertEqual([j.id for j in self.client.list(labels={"run": run}, limit=1)], [ids[2]])
        self.assertEqual(list(self.client.list(labels={"run": run}, kind="inference")), [])

    def test_a_validation_error_carries_its_code_and_field(self) -> None:
        with self.assertRaises(gpuq.ValidationError) as caught:
            self.client.submit_solve(CONTRACTS_LP, priority=101)
        error = caught.exception
        self.assertEqual((error.status, error.code, error.field), (400, "validation_failed", "priority"))
        self.assertTrue(error.details[0].message)

    def test_the_same_idempotency_key_gives_the_same_job(self) -> None:
        key = str(uuid.uuid4())
        first = self.client.submit_solve(CONTRACTS_LP, idempotency_key=key)
        second = self.client.submit_solve(CONTRACTS_LP, idempotency_key=key)
        self.assertEqual(second.id, first.id)
        with self.assertRaises(gpuq.Conflict) as caught:
            self.client.submit_solve(WYNDOR_MPS, idempotency_key=key)
        self.assertEqual(caught.exception.code, "idempotency_key_reused")

    def test_a_batch_is_stored_whole_and_counted_until_done(self) -> None:
        batch = self.client.submit_batch([gpuq.job_request("solve", CONTRACTS_LP), gpuq.job_request("solve", gpuq.solve_input(WYNDOR_MPS))])
        self.assertEqual(len(batch.jobs), 2)
        self.assertTrue(all(j.batch_id == batch.id for j in batch.jobs))
        for job in batch.jobs:
            self.assertEqual(self.client.wait(job.id, timeout=30).status, "succeeded")
        status = self.client.get_batch(batch.id)
        self.assertTrue(status.is_done)
        self.assertEqual((status.total, status.counts["succeeded"]), (2, 2))
        self.assertEqual(sorted(j["id"] for j in status.jobs), sorted(j.id for j in batch.jobs))

    def test_unknown_ids_raise_not_found(self) -> None:
        with self.assertRaises(gpuq.NotFound) as caught:
            self.client.get("solve_00000000000000000000000000")
        self.assertEqual((caught.exception.status, caught.exception.code), (404, "job_not_found"))
        with self.assertRaises(gpuq.NotFound) as caught:
            self.client.get_batch("batch_00000000000000000000000000")
        self.assertEqual(caught.exception.code, "batch_not_found")

    def test_the_result_of_a_job_that_did_not_succeed_is_a_conflict(self) -> None:
        job = self.client.submit_solve(market_split_milp(30))
        try:
            with self.assertRaises(gpuq.Conflict) as caught:
                self.client.result(job.id)
            self.assertEqual(caught.exception.code, "job_not_succeeded")
        finally:
            self.client.cancel(job.id)

    def test_a_wrong_key_is_unauthorized_and_another_tenant_sees_nothing(self) -> None:
        job = self.client.submit_solve(CONTRACTS_LP)
        with self.assertRaises(gpuq.Unauthorized) as caught:
            gpuq.Client(api_key="not-a-key").get(job.id)
        self.assertEqual(caught.exception.code, "unauthorized")
        other_key = os.environ.get("GPUQ_TEST_OTHER_API_KEY")
        if other_key:
            with self.assertRaises(gpuq.NotFound):
                gpuq.Client(api_key=other_key).get(job.id)

    @unittest.skipUnless(os.environ.get("GPUQ_TEST_ARTIFACTS_DIR"), "GPUQ_TEST_ARTIFACTS_DIR is not set")
    def test_downloads_an_artifact_and_says_when_there_is_none(self) -> None:
        done = self.client.wait(self.client.submit_solve(CONTRACTS_LP).id, timeout=30)
        job_dir = Path(os.environ["GPUQ_TEST_ARTIFACTS_DIR"]) / done.id
        job_dir.mkdir(parents=True, exist_ok=True)
        (job_dir / "notes.txt").write_text("solved by hand too\n")
        self.assertEqual(self.client.artifact(done.id, "notes.txt"), b"solved by hand too\n")
        with tempfile.TemporaryDirectory() as dir:
            saved = self.client.save_artifact(done.id, "notes.txt", Path(dir) / "copy.txt")
            self.assertEqual(saved.read_text(), "solved by hand too\n")
        with self.assertRaises(gpuq.NotFound) as caught:
            self.client.artifact(done.id, "missing.cif")
        self.assertEqual(caught.exception.code, "artifact_not_found")


if __name__ == "__main__":
    unittest.main()
