"""Offline: the request bodies the client builds for each kind, without a server. A fold cannot run
in the test stack (it needs Docker and the Boltz image), so its request is checked here: it must be
the README's fold request, field for field."""
from __future__ import annotations

import tempfile
import unittest
from pathlib import Path

from support import WYNDOR_MPS, FakeApi, Reply, job_view

import gpuq

SEQUENCE = "MVTPEGNVSLVDESLLVGVTDEDRAVRSAHQFYERLIGLWAPAVMEAAHELGVFAAL"

# The README's fold request (section "Fold jobs"), with a shorter sequence.
README_FOLD = {
    "kind": "fold",
    "input": {
        "sequences": [
            {"protein": {"id": "A", "sequence": SEQUENCE, "msa": "empty"}},
            {"ligand": {"id": "B", "smiles": "N[C@@H](Cc1ccc(O)cc1)C(=O)O"}},
        ],
        "properties": [{"affinity": {"binder": "B"}}],
        "options": {"diffusionSamples": 1, "outputFormat": "mmcif", "useMsaServer": False},
    },
}


class FoldRequestTest(unittest.TestCase):
    def test_builds_the_readme_fold_from_sequences_an_affinity_binder_and_options(self) -> None:
        body = gpuq.job_request(
            "fold",
            gpuq.fold_input(
                [gpuq.protein("A", SEQUENCE, msa="empty"), gpuq.ligand("B", smiles="N[C@@H](Cc1ccc(O)cc1)C(=O)O")],
                affinity_binder="B",
                options={"diffusion_samples": 1, "output_format": "mmcif", "use_msa_server": False},
            ),
        )
        self.assertEqual(body, README_FOLD)

    def test_takes_a_whole_input_as_boltz_yaml_loads_it(self) -> None:
        self.assertEqual(gpuq.fold_input(README_FOLD["input"]), README_FOLD["input"])
        with self.assertRaisesRegex(ValueError, "needs sequences"):
            gpuq.fold_input({"version": 1})

    def test_copies_ccd_codes_and_refuses_a_ligand_with_both_or_neither(self) -> None:
        self.assertEqual(gpuq.ligand(["C", "D"], ccd=["SAH", "ATP"]), {"ligand": {"id": ["C", "D"], "ccd": ["SAH", "ATP"]}})
        with self.assertRaises(ValueError):
            gpuq.ligand("C")
        with self.assertRaises(ValueError):
            gpuq.ligand("C", smiles="C", ccd="SAH")

    def test_submit_fold_posts_the_request_with_the_envelope(self) -> None:
        with FakeApi() as api:
            api.routes["POST /v1/jobs"] = [Reply(202, job_view("fold_01kc0000000000000000000000"))]
            job = api.client().submit_fold(
                [gpuq.protein("A", SEQUENCE, msa="empty"), gpuq.ligand("B", smiles="N[C@@H](Cc1ccc(O)cc1)C(=O)O")],
                affinity_binder="B",
                fold_options={"diffusionSamples": 1, "outputFormat": "mmcif", "useMsaServer": False},
                priority=80,
                labels={"project": "kinase"},
                resources={"vram_mb": 40_000},
            )
            self.assertEqual(job.kind, "fold")
            sent = api.hits("POST /v1/jobs")[0].json()
            self.assertEqual(sent, {**README_FOLD, "priority": 80, "labels": {"project": "kinase"}, "resources": {"vramMb": 40_000}})


class SolveAndInferenceRequestTest(unittest.TestCase):
    def test_mps_text_a_path_and_cuopt_json_are_all_solve_inputs(self) -> None:
        self.assertEqual(gpuq.solve_input(WYNDOR_MPS), {"format": "mps", "mps": WYNDOR_MPS})
        with tempfile.TemporaryDirectory() as dir:
            path = Path(dir) / "wyndor.mps"
            path.write_text(WYNDOR_MPS)
            self.assertEqual(gpuq.solve_input(path, solver_config={"time_limit": 5}), {"format": "mps", "mps": WYNDOR_MPS, "solver_config": {"time_limit": 5}})
            self.assertEqual(gpuq.solve_input(str(path))["mps"], WYNDOR_MPS)
        lp = {"objective_data": {"coefficients": [1]}, "solver_config": {"tolerances": {"optimality": 1e-4}}}
        self.assertEqual(gpuq.solve_input(lp, solver_config={"time_limit": 5})["solver_config"], {"tolerances": {"optimality": 1e-4}, "time_limit": 5})

    def test_inference_takes_texts_in_order_and_a_model(self) -> None:
        self.assertEqual(gpuq.inference_input(["a", "b"], "sst2"), {"texts": ["a", "b"], "model": "sst2"})
        self.assertEqual(gpuq.inference_input("one text"), {"texts": ["one text"]})
        with self.assertRaisesRegex(TypeError, r"texts\[1\]"):
            gpuq.inference_input(["a", 2])  # type: ignore[list-item]

    def test_the_envelope_uses_the_api_names(self) -> None:
        body = gpuq.job_request("inference", {"texts": ["x"]}, priority=0, timeout_seconds=30, max_attempts=1, labels={"a": "b"}, webhook_url="https://h.example/x")
        self.assertEqual(body, {"kind": "inference", "input": {"texts": ["x"]}, "priority": 0, "timeoutSeconds": 30, "maxAttempts": 1, "labels": {"a": "b"}, "webhook": {"url": "https://h.example/x"}})


if __name__ == "__main__":
    unittest.main()
