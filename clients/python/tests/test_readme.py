"""The examples in clients/python/README.md run as written: the solve, inference and error ones
against the real stack (skipped without GPUQ_URL), the fold one against a fake API that answers as
the real one does for a fold (the test stack has no Boltz image)."""
from __future__ import annotations

import contextlib
import io
import os
import re
import tempfile
import unittest
from pathlib import Path
from typing import Dict, List
from unittest import mock

from support import FakeApi, Reply, job_view, sse
from test_parsing import FOLD_RESULT

README = Path(__file__).resolve().parents[1] / "README.md"
# The repository's README shows some of them again: those must be these, word for word.
PROJECT_README = Path(__file__).resolve().parents[3] / "README.md"


def examples() -> List[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)


def example(containing: str) -> str:
    found = [code for code in examples() if containing in code]
    assert len(found) == 1, f"one README example with {containing!r}, found {len(found)}"
    return found[0]


def run(code: str, env: Dict[str, str]) -> str:
    """Runs an example as a script would run, with ``env``; returns what it printed."""
    out = io.StringIO()
    with mock.patch.dict(os.environ, env), contextlib.redirect_stdout(out):
        exec(compile(code, str(README), "exec"), {"__name__": "__main__"})
    return out.getvalue()


class OfflineReadmeTest(unittest.TestCase):
    def test_every_example_compiles(self) -> None:
        self.assertGreaterEqual(len(examples()), 4)
        for code in examples():
            compile(code, str(README), "exec")

    @unittest.skipUnless(PROJECT_README.exists(), "not in the gpuq repository")
    def test_the_project_readme_shows_only_these_examples(self) -> None:
        found = re.findall(r"```python\n(.*?)```", PROJECT_README.read_text(encoding="utf-8"), re.S)
        shown = [code for code in found if code.startswith("import gpuq\n")]
        self.assertGreaterEqual(len(shown), 3)
        for code in shown:
            self.assertIn(code, examples(), "an example in the project README that clients/python/README.md does not have (and so no test runs)")

    def test_the_fold_example_runs_against_an_api_that_answers_a_fold(self) -> None:
        job_id = "fold_01kc0000000000000000000000"
        queued = job_view(job_id)
        done = job_view(job_id, status="succeeded", result=FOLD_RESULT)
        with FakeApi() as api, tempfile.TemporaryDirectory() as dir:
            api.routes["POST /v1/jobs"] = [Reply(202, queued)]
            api.routes[f"GET /v1/jobs/{job_id}/events"] = [Reply(stream=[sse(("job", queued, "a"), ("job", done, "b"), ("end", {"id": job_id, "status": "succeeded"}, None))])]
            for artifact in FOLD_RESULT["artifacts"]:
                api.routes[f"GET /v1/jobs/{job_id}/artifacts/{artifact['name']}"] = [Reply(200, f"bytes of {artifact['name']}".encode())]
            cwd = os.getcwd()
            os.chdir(dir)
            try:
                printed = run(example("submit_fold"), {"GPUQ_URL": api.url, "GPUQ_API_KEY": "k"})
            finally:
                os.chdir(cwd)
            self.assertIn("412 0.91 0.84 0.71", printed)
            self.assertEqual(sorted(p.name for p in Path(dir).iterdir()), ["input_model_0.cif", "pae_input_model_0.npz"])
            sent = api.hits("POST /v1/jobs")[0].json()
            self.assertEqual(sent["input"]["properties"], [{"affinity": {"binder": "B"}}])
            self.assertEqual(sent["input"]["options"], {"diffusionSamples": 1, "outputFormat": "mmcif"})


@unittest.skipUnless(os.environ.get("GPUQ_URL"), "GPUQ_URL is not set: the README's examples need a running gpuq")
class StackReadmeTest(unittest.TestCase):
    def test_the_mps_example_prints_the_objective(self) -> None:
        printed = run(example("submit_solve(mps"), {})
        self.assertRegex(printed, r"(?m)^Optimal 36\.0 \[2\.0, 6\.0\]$")

    def test_the_inference_example_prints_a_label_per_text(self) -> None:
        printed = run(example("submit_inference"), {})
        self.assertRegex(printed, r"(?m)^0 POSITIVE ")
        self.assertRegex(printed, r"(?m)^1 NEGATIVE ")
        self.assertIn("{'NEGATIVE': 1, 'POSITIVE': 1}", printed)

    def test_the_error_example_prints_the_code_and_field(self) -> None:
        printed = run(example("except gpuq.ValidationError"), {})
        self.assertRegex(printed, r"^validation_failed input\.mps line 5: ")


if __name__ == "__main__":
    unittest.main()
