"""describe(): what decides whether a compiled artifact can be reused, read from the process."""

import os
import subprocess
import sys
import types
import unittest
from unittest import mock

from pt2cache.environment import DEVICE_OPTION, SETTINGS_OPTION, describe, process_settings
from pt2cache.keys import derive_key


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


def torch_on_gpu(current: int = 0, name: str = "NVIDIA H100 80GB HBM3") -> types.ModuleType:
    """The stand-in on a GPU: ``current`` is the index torch.cuda.current_device() answers."""
    torch = torch_with()
    torch.cuda = types.SimpleNamespace(
        is_available=lambda: True, current_device=lambda: current,
        get_device_name=lambda index: name, get_device_capability=lambda index: (9, 0))
    return torch


class Device:
    """torch.device's shape: a type and an index, None where none was named."""

    def __init__(self, spec: str):
        self.type, _, number = spec.partition(":")
        self.index = int(number) if number else None


class DeviceContext:
    """torch.cuda.device(3)'s shape: the context manager holds the index as ``idx``."""

    def __init__(self, idx: int):
        self.idx, self.prev_idx = idx, -1


def torch_on_gpus(current: int, names: dict) -> types.ModuleType:
    """A host of several GPUs, whose torch.cuda resolves a device as torch's _get_device_index
    does: an int as given, ``"cuda:N"`` and a device with an index by it, ``torch.cuda.device``
    by its ``idx``, and ``"cuda"`` or a device without an index as the current device."""
    def resolve(device):
        if isinstance(device, int):
            return device
        if isinstance(device, str):
            device = Device(device)
        index = device.idx if isinstance(device, DeviceContext) else device.index
        return current if index is None else index

    torch = torch_with()
    torch.cuda = types.SimpleNamespace(
        is_available=lambda: True, current_device=lambda: current,
        get_device_name=lambda device=None: names[resolve(device)],
        get_device_capability=lambda device=None: (9, 0) if resolve(device) == 0 else (8, 0))
    return torch


class Pass:
    """A custom graph pass as PyTorch keys it: by its uuid()."""

    def __init__(self, identity):
        self.identity = identity

    def uuid(self):
        return self.identity


class IdenticalNodesTest(unittest.TestCase):
    """What differs between nodes that PyTorch's own keys treat alike must leave the key alone;
    what PyTorch's keys tell apart must change it."""

    def key(self, **kwargs):
        torch = kwargs.pop("torch_module", None) or torch_on_gpu()
        return derive_key("mega-cache", describe("m", "1", torch_module=torch, **kwargs))

    def test_the_gpus_index_counts_as_in_pytorchs_graph_keys(self):
        """PyTorch's FX graph and AOTAutograd keys hold the example inputs' device, cuda:3 with
        its index (codecache.py FxGraphHashDetails, extract_tensor_metadata_for_cache_key): a
        Mega-Cache compiled on GPU 0 loads on GPU 3 and every graph compiles again."""
        on_0 = describe("m", "1", torch_module=torch_on_gpu(current=0))
        self.assertNotIn(DEVICE_OPTION, on_0["compile"]["options"])  # GPU 0 keeps its key
        self.assertNotEqual(self.key(torch_module=torch_on_gpu(current=3)), self.key())
        self.assertNotEqual(self.key(device=3), self.key(device=0))
        self.assertEqual(self.key(device=3), self.key(torch_module=torch_on_gpu(current=3)))
        self.assertEqual(describe("m", "1", device=2, torch_module=torch_on_gpu())
                         ["compile"]["options"][DEVICE_OPTION], 2)
        self.assertEqual(self.key(device="cuda:3"), self.key(device=3))  # as a torch.device names it

    def test_every_form_of_device_keys_the_gpu_it_describes(self):
        """Under torch.cuda.set_device(3), "cuda" and torch.device("cuda") are GPU 3, as a
        tensor made there is cuda:3; torch.cuda.device(3) is GPU 3. Before, those were keyed as
        GPU 0 while the GPU's name and capability were GPU 3's."""
        names = {0: "NVIDIA H100 80GB HBM3", 3: "NVIDIA A100-SXM4-80GB"}
        on_3 = describe("m", "1", torch_module=torch_on_gpus(3, names))
        for device in (None, 3, "cuda", "cuda:3", Device("cuda"), Device("cuda:3"),
                       DeviceContext(3)):
            with self.subTest(device=device):
                described = describe("m", "1", device=device, torch_module=torch_on_gpus(3, names))
                self.assertEqual(described["hardware"]["gpu"], "NVIDIA A100-SXM4-80GB")
                self.assertEqual(described["compile"]["options"].get(DEVICE_OPTION), 3)
                self.assertEqual(derive_key("mega-cache", described), derive_key("mega-cache", on_3))
        on_gpu_0 = describe("m", "1", device="cuda:0", torch_module=torch_on_gpus(3, names))
        self.assertNotIn(DEVICE_OPTION, on_gpu_0["compile"]["options"])
        self.assertEqual(on_gpu_0["hardware"]["gpu"], "NVIDIA H100 80GB HBM3")
        with self.assertRaises(ValueError):
            describe("m", "1", device="cpu", torch_module=torch_on_gpus(3, names))

    def test_options_json_holds_are_sent_as_json_dumps_wrote_them(self):
        """Options that were shared before keep their key: names that are not text are written
        as json.dumps wrote them (True as "true", None as "null"). Infinity and NaN, which
        json.dumps wrote and the service refused on every lookup, are sent as text."""
        import json

        given = {"a": {True: 1, None: 2, 3: [1.5, (1, 2)], 2.5: "x"}, 4: False, "f": 1e300}
        described = describe("m", "1", options=given, torch_module=torch_on_gpu())
        options = dict(described["compile"]["options"])
        options.pop(SETTINGS_OPTION, None)
        self.assertEqual(options, json.loads(json.dumps(given)))
        odd = describe("m", "1", options={"t": float("inf"), "n": [float("nan"), -float("inf")]},
                       torch_module=torch_on_gpu())["compile"]["options"]
        self.assertEqual((odd["t"], odd["n"]), ("Infinity", ["NaN", "-Infinity"]))
        derive_key("mega-cache", describe("m", "1", options={"t": float("inf")},
                                          torch_module=torch_on_gpu()))  # has a canonical form

    def test_a_gpu_chosen_by_cuda_visible_devices_is_gpu_0_to_torch_and_to_the_key(self):
        with mock.patch.dict(os.environ, {"CUDA_VISIBLE_DEVICES": "3"}):
            self.assertEqual(self.key(), self.key(torch_module=torch_on_gpu(current=0)))

    def test_host_user_paths_and_variables_pytorch_does_not_key_on_leave_the_key_alone(self):
        base = self.key()
        other = {"HOSTNAME": "node-b", "USER": "serve", "HOME": "/home/serve",
                 "VIRTUAL_ENV": "/opt/venv-b", "TORCHINDUCTOR_CACHE_DIR": "/tmp/other",
                 "TRITON_CACHE_DIR": "/tmp/triton-b", "PT2CACHE_NODE": "b"}
        with mock.patch.dict(os.environ, other), \
                mock.patch("socket.gethostname", return_value="node-b"), \
                mock.patch.object(sys, "prefix", "/opt/venv-b"):
            self.assertEqual(self.key(), base)

    def test_options_given_in_another_order_give_one_key(self):
        self.assertEqual(self.key(options={"max_autotune": True, "epilogue_fusion": False}),
                         self.key(options={"epilogue_fusion": False, "max_autotune": True}))

    def test_options_holding_a_pass_a_set_or_an_object_have_one_key_on_every_node(self):
        """json.dumps refused them: the lookup and the upload failed on every node, so identical
        nodes each compiled and never shared."""
        class Tuner:  # a per-process object: its repr holds its address
            pass

        def options(identity):
            return {"post_grad_custom_post_pass": Pass(identity), "kernels": {"mm", "conv", "bmm"},
                    "tuner": Tuner(), "max_autotune": True}

        base = self.key(options=options("v1"))
        self.assertEqual(self.key(options=options("v1")), base)  # other instances, same uuid
        self.assertNotEqual(self.key(options=options("v2")), base)  # another pass
        described = describe("m", "1", options=options("v1"), torch_module=torch_on_gpu())
        kept = described["compile"]["options"]
        self.assertEqual(kept["post_grad_custom_post_pass"], "v1")
        self.assertEqual(kept["kernels"], ["bmm", "conv", "mm"])
        self.assertNotIn("0x", kept["tuner"])
        self.assertIs(kept["max_autotune"], True)  # JSON values as given: their keys stay

    def test_sets_in_options_do_not_follow_the_hash_seed(self):
        script = ("from pt2cache.environment import describe; from pt2cache.keys import "
                  "derive_key; import types; t = types.ModuleType('torch'); "
                  "t.__version__ = '2.11'; t.version = types.SimpleNamespace(cuda=None); "
                  "t.cuda = types.SimpleNamespace(is_available=lambda: False); "
                  "print(derive_key('mega-cache', describe('m', '1', torch_module=t, "
                  "options={'s': {'alpha', 'beta', 'gamma', 'delta', 'epsilon'}})))")
        seen = set()
        for seed in ("1", "2", "3", "4"):
            out = subprocess.run([sys.executable, "-c", script],
                                 env=dict(os.environ, PYTHONHASHSEED=seed), capture_output=True,
                                 text=True, check=True, cwd=os.path.dirname(os.path.dirname(
                                     os.path.abspath(__file__))))
            seen.add(out.stdout)
        self.assertEqual(len(seen), 1, seen)

    def test_a_python_patch_release_changes_the_key(self):
        """As it stands, a question for the project (a change would move every key): PyTorch's
        own keys hold no Python version, so 3.12.3 and 3.12.7 nodes with one torch share there."""
        with mock.patch("platform.python_version", return_value="3.12.3"):
            first = self.key()
        with mock.patch("platform.python_version", return_value="3.12.7"):
            self.assertNotEqual(self.key(), first)


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

    def test_dynamos_precompile_counts_only_where_it_is_on(self):
        """On, it sets the node apart (the blob it saves carries Dynamo's output); off, the key is
        what it was before the client knew of it."""
        def with_precompile(value):
            config = types.ModuleType("torch._dynamo.config")
            config.caching_precompile = value
            with mock.patch.dict(sys.modules, {"torch._dynamo.config": config}):
                return process_settings(torch_with())

        before = process_settings(torch_with())
        self.assertEqual(with_precompile(False), before)
        self.assertNotEqual(with_precompile(True), before)
        self.assertEqual(with_precompile(True), with_precompile(True))

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
