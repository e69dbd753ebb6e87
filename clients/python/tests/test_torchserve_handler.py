"""The TorchServe example's handler (examples/torchserve/handler.py), imported with stand-ins for
TorchServe's ImageClassifier and for torch. The cache service is a socket that records where each
request went."""

import contextlib
import importlib.util
import json
import os
import sys
import types
import unittest
from unittest import mock

import pt2cache  # noqa: F401 - imported before the stand-ins, as in a worker that has it
from fake_service import FakeService, head
from pt2cache.megacache import WarmStart
from test_megacache import FakeTorch

HANDLER = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, os.pardir,
                       os.pardir, "examples", "torchserve", "handler.py")
COMPILE = {"backend": "inductor", "mode": "max-autotune-no-cudagraphs"}


class Torch(FakeTorch):
    """FakeTorch, plus what the handler itself uses of torch: compile's arguments recorded,
    zeros as a shape and a device, and whether inference mode is on."""

    def __init__(self):
        super().__init__()
        self.compile_kwargs = []
        self.inference = False

    def compile(self, model, **kwargs):
        self.compile_kwargs.append(kwargs)
        return super().compile(model, **kwargs)

    def zeros(self, shape, device=None):
        return types.SimpleNamespace(shape=list(shape), device=device)

    @contextlib.contextmanager
    def inference_mode(self):
        self.inference = True
        try:
            yield
        finally:
            self.inference = False


class EagerModel:
    """The model TorchServe's handler loaded; records each call's input and mode."""

    def __init__(self, torch):
        self.torch = torch
        self.calls = []

    def __call__(self, x):
        self.calls.append({"shape": x.shape, "device": x.device,
                           "inference_mode": self.torch.inference})
        return x


def torchserve_modules(torch):
    """``ts.torch_handler.image_classifier`` with an ImageClassifier whose initialize does what
    TorchServe's does for this handler: the eager model, on the worker's device."""

    class ImageClassifier:
        def initialize(self, context):
            self.device = "cuda:%s" % context.system_properties["gpu_id"]
            self.model = EagerModel(torch)
            self.manifest = context.manifest

    ts = types.ModuleType("ts")
    ts.torch_handler = types.ModuleType("ts.torch_handler")
    ts.torch_handler.image_classifier = types.ModuleType("ts.torch_handler.image_classifier")
    ts.torch_handler.image_classifier.ImageClassifier = ImageClassifier
    return {"ts": ts, "ts.torch_handler": ts.torch_handler,
            "ts.torch_handler.image_classifier": ts.torch_handler.image_classifier}


def context(yaml):
    """What TorchServe hands ``initialize``, as far as the handler reads it."""
    return types.SimpleNamespace(
        model_yaml_config=yaml,
        manifest={"model": {"modelName": "resnet18", "modelVersion": "1.0"}},
        system_properties={"gpu_id": 3, "model_dir": "/tmp"})


def cache_service():
    """A service that misses every lookup and refuses every upload as another node's key."""
    service = FakeService(lambda connection, count: None)

    def answer(connection, count):
        if service.requests[count - 1].split()[1].endswith("/lookups"):
            status, body = 200, {"hit": False, "key": "k" * 64,
                                 "miss": {"reason": "not-found", "detail": "no artifact"}}
        else:
            status, body = 409, {"type": "urn:pt2cache:problem:key-conflict", "status": 409}
        data = json.dumps(body).encode()
        connection.sendall(head(status, len(data)) + data)

    service.answer = answer
    return service


@unittest.skipUnless(os.path.exists(HANDLER), "examples/torchserve is not beside this client")
class TorchServeHandlerTest(unittest.TestCase):

    def setUp(self):
        self.torch = Torch()
        self.modules = dict(torchserve_modules(self.torch), torch=self.torch)
        patches = [mock.patch.dict(sys.modules, self.modules), mock.patch.dict(os.environ)]
        for patch in patches:
            patch.start()
            self.addCleanup(patch.stop)
        for name in ("PT2CACHE_URL", "PT2CACHE_NAMESPACE", "PT2CACHE_TOKEN"):
            os.environ.pop(name, None)

    def load_handler(self):
        spec = importlib.util.spec_from_file_location("handler", HANDLER)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    def start(self, yaml, module=None):
        """A worker's handler after ``initialize``."""
        handler = (module or self.load_handler()).WarmStartImageClassifier()
        handler.initialize(context(yaml))
        return handler

    def service(self):
        service = cache_service()
        self.addCleanup(service.__exit__)
        return service

    def assertCompiledWithoutTheCache(self, handler, compile_kwargs=COMPILE):
        self.assertNotIsInstance(handler.model, WarmStart)
        self.assertIsInstance(handler.model, EagerModel, "torch.compile's result, plainly")
        self.assertEqual(self.torch.compile_kwargs[-1], compile_kwargs)

    def test_without_the_pt2cache_package_the_model_compiles_plainly_and_says_so_once(self):
        sys.modules["pt2cache"] = None  # `import pt2cache` raises ImportError (restored after)
        service = self.service()
        os.environ["PT2CACHE_URL"] = service.url
        module = self.load_handler()
        with self.assertLogs(level="WARNING") as logs:
            for _ in range(2):
                self.assertCompiledWithoutTheCache(
                    self.start({"pt2cache": {"compile": COMPILE}}, module))
        self.assertEqual(self.torch.compile_kwargs, [COMPILE, COMPILE])
        self.assertEqual([line for line in logs.output if "not installed" in line],
                         ["WARNING:handler:pt2cache: the pt2cache package is not installed: "
                          "compiling without the cache"])
        self.assertEqual(service.requests, [])

    def test_a_cache_setting_it_cannot_read_compiles_without_the_cache(self):
        service = self.service()
        os.environ["PT2CACHE_URL"] = service.url  # no client may come from here either
        for bad, named in (({"timeout": "30s"}, "timeout: '30s'"),
                           ({"lookup_timeout": -1}, "lookup_timeout: -1"),
                           ({"namespace": ["vision"]}, "namespace: ['vision']")):
            with self.subTest(bad), self.assertLogs(level="WARNING") as logs:
                self.assertCompiledWithoutTheCache(
                    self.start({"pt2cache": dict({"namespace": "vision", "compile": COMPILE},
                                                 **bad)}))
            self.assertIn(named, logs.output[0])
            self.assertIn("compiling without the cache", logs.output[0])
        self.assertEqual(service.requests, [], "no lookup, no upload")

    def test_the_environment_wins_over_the_yaml(self):
        yaml_service, env_service = self.service(), self.service()
        yaml = {"pt2cache": {"url": yaml_service.url, "namespace": "from-yaml",
                             "lookup_timeout": 2.5, "compile": COMPILE}}
        os.environ.update(PT2CACHE_URL=env_service.url, PT2CACHE_NAMESPACE="from-env")
        handler = self.start(yaml)
        self.assertIsInstance(handler.model, WarmStart)
        self.assertEqual(handler.model.lookup_timeout, 2.5)
        self.assertEqual(self.torch.compile_kwargs, [COMPILE])
        handler.model.wait_for_upload(10)  # the miss's upload, started by the warm-up call
        self.assertEqual(env_service.requests,
                         ["POST /v1/namespaces/from-env/lookups HTTP/1.1",
                          "POST /v1/namespaces/from-env/artifacts HTTP/1.1"])
        self.assertEqual(yaml_service.requests, [])

        del os.environ["PT2CACHE_URL"], os.environ["PT2CACHE_NAMESPACE"]
        self.start(yaml).model.wait_for_upload(10)  # without them, the yaml's
        self.assertEqual(yaml_service.requests,
                         ["POST /v1/namespaces/from-yaml/lookups HTTP/1.1",
                          "POST /v1/namespaces/from-yaml/artifacts HTTP/1.1"])

    def test_an_empty_section_works(self):
        for yaml in (None, {}, {"pt2cache": None}, {"pt2cache": {"compile": None}}):
            with self.subTest(yaml), self.assertLogs(level="WARNING") as logs:
                self.assertCompiledWithoutTheCache(self.start(yaml), {})
            self.assertIn("no cache URL", logs.output[0])

        service = self.service()
        os.environ["PT2CACHE_URL"] = service.url  # the environment alone is enough
        handler = self.start({"pt2cache": None})
        self.assertIsInstance(handler.model, WarmStart)
        handler.model.wait_for_upload(10)
        self.assertEqual(service.requests[0], "POST /v1/namespaces/default/lookups HTTP/1.1")

    def test_initialize_makes_one_warm_up_call_with_the_configured_shape(self):
        for shape in ([4, 3, 64, 64], None):
            with self.subTest(shape), self.assertLogs(level="INFO") as logs:
                handler = self.start({"pt2cache": {"warmup_shape": shape, "compile": COMPILE}})
            model = handler.model  # compiled without the cache here: the eager model itself
            self.assertEqual(model.calls, [{"shape": shape or [1, 3, 224, 224],
                                            "device": "cuda:3", "inference_mode": True}])
            self.assertEqual(self.torch.compile_kwargs[-1], COMPILE)
            self.assertTrue(any("warm-up call on %s took" % (shape or [1, 3, 224, 224]) in line
                                for line in logs.output), logs.output)

    def test_after_a_miss_the_upload_starts_in_initialize(self):
        service = self.service()
        os.environ.update(PT2CACHE_URL=service.url, PT2CACHE_NAMESPACE="vision")
        handler = self.start({"pt2cache": {"compile": COMPILE}})
        self.assertFalse(handler.model.hit)
        self.assertEqual(len(handler.model.compiled.calls), 1, "the warm-up call")
        self.assertEqual(self.torch.saves, 1, "saved after the warm-up call, before any request")
        handler.model.wait_for_upload(10)
        self.assertEqual(service.requests[1], "POST /v1/namespaces/vision/artifacts HTTP/1.1")

    def test_warm_up_shapes_each_get_a_call_and_the_upload_comes_after_the_last(self):
        """TorchServe batches requests (`batchSize`), so a worker serves batches of several sizes;
        a Mega-Cache saved after the first warm-up call would hold only that size's graph (on an
        H100 the next node compiled a batch of 4 anew, 10.19 s)."""
        service = self.service()
        os.environ.update(PT2CACHE_URL=service.url, PT2CACHE_NAMESPACE="vision")
        saves_at_call = []  # (the call's shape, saves before it)
        compile_ = self.torch.compile

        def compile_recording(model, **kwargs):
            compiled = compile_(model, **kwargs)

            def call(x):
                saves_at_call.append((x.shape, self.torch.saves))
                return compiled(x)

            return call

        self.torch.compile = compile_recording
        shapes = [[1, 3, 224, 224], [8, 3, 224, 224]]
        handler = self.start({"pt2cache": {"warmup_shapes": shapes, "compile": COMPILE}})
        self.assertEqual(saves_at_call, [(shapes[0], 0), (shapes[1], 0)],
                         "each shape called in turn, nothing saved before the last call")
        self.assertEqual(self.torch.saves, 1, "saved after the last warm-up call")
        handler.model.wait_for_upload(10)
        self.assertEqual(service.requests[1], "POST /v1/namespaces/vision/artifacts HTTP/1.1")

    def test_precompile_reaches_warm_start_only_where_the_yaml_turns_it_on(self):
        """``precompile: true`` is warm_start's ``precompile`` (Dynamo's output in the Mega-Cache,
        keyed apart); left out or ``null``, the worker warm-starts as before."""
        service = self.service()
        os.environ.update(PT2CACHE_URL=service.url, PT2CACHE_NAMESPACE="vision")
        for given, expected in ((True, True), (False, False), (None, False), ("absent", False)):
            section = {"compile": COMPILE}
            if given != "absent":
                section["precompile"] = given
            with self.subTest(given), mock.patch.object(
                    pt2cache, "warm_start", wraps=pt2cache.warm_start) as warm_start:
                handler = self.start({"pt2cache": section})
                handler.model.wait_for_upload(10)
            self.assertIsInstance(handler.model, WarmStart)
            self.assertIs(warm_start.call_args.kwargs["precompile"], expected)

    def test_a_malformed_compile_or_warm_up_setting_stops_the_worker_with_its_name(self):
        for section, named in (({"compile": "max-autotune"}, "pt2cache.compile"),
                               ({"warmup_shape": "1x3x224x224"}, "pt2cache.warmup_shape"),
                               ({"warmup_shape": [1, 3, 0, 224]}, "pt2cache.warmup_shape"),
                               ({"warmup_shapes": []}, "pt2cache.warmup_shapes"),
                               ({"warmup_shapes": [1, 3, 224, 224]}, "pt2cache.warmup_shapes"),
                               ({"warmup_shapes": [[1, 3, 224, 224], [0]]},
                                "pt2cache.warmup_shapes"),
                               ({"warmup_shape": [1, 3, 224, 224],
                                 "warmup_shapes": [[1, 3, 224, 224]]}, "give one of them"),
                               ({"precompile": "yes"}, "pt2cache.precompile"),
                               ({"precompile": 1}, "pt2cache.precompile")):
            with self.subTest(section), self.assertRaisesRegex(ValueError, named):
                self.start({"pt2cache": section})
        self.assertEqual(self.torch.compile_kwargs, [], "nothing compiled")


if __name__ == "__main__":
    unittest.main()
