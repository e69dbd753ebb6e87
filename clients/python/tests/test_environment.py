"""describe(): what decides whether a compiled artifact can be reused, read from the process."""

import os
import subprocess
import sys
import types
import unittest
from unittest import mock

from pt2cache.environment import SETTINGS_OPTION, describe, process_settings


def torch_with(precision: str = "highest", deterministic: bool = False) -> types.ModuleType:
    """A stand-in torch module with the process-wide settings PyTorch puts in its keys."""
    torch = types.ModuleType("torch")
    torch.__version__ = "2.11.0+test"
    torch.version = types.SimpleNamespace(cuda="13.0", hip=None)
    torch.cuda = types.SimpleNamespace(is_available=lambda: False)
    torch.get_float32_matmul_precision = lambda: precision
    torch.are_deterministic_algorithms_enabled = lambda: deterministic
    torch.is_deterministic_algorithms_warn_only_enabled = lambda: False
    torch.backends = types.SimpleNamespace(
        cuda=types.SimpleNamespace(matmul=types.SimpleNamespace(allow_tf32=False)),
        cudnn=types.SimpleNamespace(allow_tf32=True))
    torch.compiler = types.SimpleNamespace(config=types.SimpleNamespace(cache_key_tag=""))
    return torch


class HardwareTagsTest(unittest.TestCase):

    def test_tags_are_kept_as_text(self):
        described = describe("m", "1", tags={"pool": "a", "nvlink": 18}, torch_module=torch_with())
        self.assertEqual(described["hardware"]["tags"], {"pool": "a", "nvlink": "18"})

    def test_a_tag_value_the_service_would_refuse_is_refused_where_it_is_given(self):
        for tags, units in (({"pool": "v" * 201}, 201), ({"pool": "\U0001F600" * 101}, 202)):
            with self.assertRaisesRegex(ValueError, "not %d$" % units, msg=tags):
                describe("m", "1", tags=tags, torch_module=torch_with())
        longest = {"gpu:0": "v" * 200}
        self.assertEqual(describe("m", "1", tags=longest, torch_module=torch_with())
                         ["hardware"]["tags"], longest)


class ProcessSettingsTest(unittest.TestCase):

    def test_settings_that_pytorch_keys_on_change_the_descriptor(self):
        base = describe("m", "1", torch_module=torch_with())
        self.assertEqual(describe("m", "1", torch_module=torch_with()), base)
        for other in (torch_with(precision="high"), torch_with(deterministic=True)):
            self.assertNotEqual(describe("m", "1", torch_module=other)["compile"]["options"],
                                base["compile"]["options"])

    def test_the_options_given_are_kept_beside_the_digest(self):
        described = describe("m", "1", options={"max_autotune": True}, torch_module=torch_with())
        options = described["compile"]["options"]
        self.assertTrue(options["max_autotune"])
        self.assertRegex(options[SETTINGS_OPTION], "^[0-9a-f]{16}$")

    def test_a_torch_without_those_settings_adds_nothing(self):
        bare = types.SimpleNamespace(__version__="2.11", version=types.SimpleNamespace(cuda=None),
                                     cuda=types.SimpleNamespace(is_available=lambda: False))
        self.assertIsNone(process_settings(bare))
        self.assertNotIn("options", describe("m", "1", torch_module=bare)["compile"])

    def test_private_inductor_settings_and_custom_passes_count_as_pytorch_keys_do(self):
        class Pass:
            def __init__(self, identity):
                self.identity = identity

            def uuid(self):
                return self.identity

        def with_config(private: bool, graph_pass):
            config = types.ModuleType("torch._inductor.config")
            config.save_config_portable = lambda ignore_private_configs=True: (
                {"max_autotune": False} if ignore_private_configs
                else {"max_autotune": False, "_micro_pipeline_tp": private})
            config.post_grad_custom_post_pass = graph_pass
            modules = {"torch._inductor.config": config,
                       "torch._functorch.config": types.ModuleType("torch._functorch.config")}
            with mock.patch.dict(sys.modules, modules):
                return process_settings(torch_with())

        base = with_config(False, None)
        self.assertEqual(with_config(False, None), base)
        self.assertNotEqual(with_config(True, None), base)
        self.assertNotEqual(with_config(False, Pass("v1")), base)
        self.assertNotEqual(with_config(False, Pass("v2")), with_config(False, Pass("v1")))
        self.assertEqual(with_config(False, Pass("v1")), with_config(False, Pass("v1")))

    def test_the_digest_does_not_follow_the_hash_seed(self):
        """A set's order follows PYTHONHASHSEED; identical nodes must still agree."""
        script = ("from pt2cache.environment import _stable; "
                  "print(repr(_stable({'s': {'alpha', 'beta', 'gamma', 'delta'}, 'f': len})))")
        seen = set()
        for seed in ("1", "2", "3"):
            env = dict(os.environ, PYTHONHASHSEED=seed)
            out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                                 text=True, check=True, cwd=os.path.dirname(os.path.dirname(
                                     os.path.abspath(__file__))))
            seen.add(out.stdout)
        self.assertEqual(len(seen), 1, seen)
        self.assertNotIn("0x", seen.pop())


if __name__ == "__main__":
    unittest.main()
