"""The warm-start helper's decisions. Where torch is absent a stand-in plays torch's part (its
compile and its cache API); the cache service is always the real one."""

import functools
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import types
import unittest
import uuid
import warnings
from unittest import mock

from pt2cache import CacheClient
from pt2cache import dynamo_precompile
from pt2cache import megacache
from pt2cache.errors import IntegrityError
from pt2cache.megacache import warm_start

from support import HAS_TORCH, URL, fresh_client, needs_service, needs_torch


class FakeTorch:
    """torch.compile and torch.compiler's save/load of cache artifacts, recorded."""

    __version__ = "2.11.0+test"

    def __init__(self, saved: bytes = b"mega-cache bytes"):
        self.loaded = []
        self.compiled = 0
        self.saves = 0
        self._saved = saved
        self.version = types.SimpleNamespace(cuda="13.0", hip=None)
        self.cuda = types.SimpleNamespace(is_available=lambda: False)
        self.compiler = types.SimpleNamespace(
            load_cache_artifacts=lambda data: self.loaded.append(data) or "info",
            save_cache_artifacts=self._save)

    def _save(self):
        self.saves += 1
        return self._saved, "info"

    def compile(self, model, **kwargs):
        self.compiled += 1
        return model


class TorchThatCompilesAnyway(FakeTorch):
    """A torch that loads the artifact and then compiles a graph anew on the first call, as
    PyTorch's counters show it (``counters["inductor"]["fxgraph_cache_miss"]``)."""

    def __init__(self, misses_per_call: int):
        super().__init__()
        self.counters = {"inductor": {"fxgraph_cache_miss": 0}}
        self._dynamo = types.SimpleNamespace(utils=types.SimpleNamespace(counters=self.counters))
        self.misses_per_call = misses_per_call

    def compile(self, model, **kwargs):
        super().compile(model)

        def run(*args):
            self.counters["inductor"]["fxgraph_cache_miss"] += self.misses_per_call
            return model(*args)

        return run


class TorchReadAtOnce(TorchThatCompilesAnyway):
    """A torch whose counters, read by two first calls at once, are read by both before either
    goes on (each read waits up to 1 s for the other's): what a thread switch inside
    ``torch._dynamo.utils.counters`` (a ``Counter``) can do."""

    def __init__(self, misses_per_call: int):
        super().__init__(misses_per_call)
        together = threading.Barrier(2)

        class Counters(dict):
            def __getitem__(self, name):
                try:
                    together.wait(1)
                except threading.BrokenBarrierError:
                    pass  # the other call could not come: it waits for this one
                return dict.__getitem__(self, name)

        self.counters["inductor"] = Counters(self.counters["inductor"])


class TorchThatCannotLoad(FakeTorch):
    """A torch that cannot read what it downloaded: its load_cache_artifacts raises or, as
    torch 2.11 does on truncated or damaged bytes, logs and answers None."""

    def __init__(self, saved: bytes = b"compiled after the failed load", raises: bool = True):
        super().__init__(saved)

        def fail(data):
            if raises:
                raise RuntimeError("pickle data was truncated")
            return None

        self.compiler.load_cache_artifacts = fail


def _trickling_hit(body: bytes, seconds_per_byte: float, sent=None, ended=None):
    """A service for one warm start: its lookup hits an artifact of ``body``, whose content then
    comes a byte at a time (each noted in ``sent``); ``ended`` is set once the content stops, all
    sent or the connection gone."""
    artifact = {"id": str(uuid.uuid4()), "kind": "mega-cache", "key": "k" * 64,
                "sha256": hashlib.sha256(body).hexdigest(), "sizeBytes": len(body),
                "downloadUrl": "/v1/namespaces/default/artifacts/x/content"}
    hit = json.dumps({"hit": True, "key": "k" * 64, "artifact": artifact}).encode()

    def serve(server):
        for answer in (hit, None):
            connection, _ = server.accept()
            with connection:
                connection.recv(65536)
                if answer is not None:
                    connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                       b"Content-Length: %d\r\n\r\n%s" % (len(answer), answer))
                    continue
                try:
                    connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream"
                                       b"\r\nContent-Length: %d\r\n\r\n" % len(body))
                    for i in range(len(body)):
                        connection.sendall(body[i:i + 1])
                        if sent is not None:
                            sent.append(i)
                        time.sleep(seconds_per_byte)
                except OSError:
                    pass
                if ended is not None:
                    ended.set()

    return serve


def _wait_for(condition, seconds: float = 30.0) -> None:
    end = time.monotonic() + seconds
    while not condition() and time.monotonic() < end:
        time.sleep(0.01)


class UploadAtExitTest(unittest.TestCase):
    """A process that ends right after its first call waits for the upload after its miss, up
    to PT2CACHE_UPLOAD_EXIT_WAIT seconds, and says so when it gives up."""

    SCRIPT = textwrap.dedent("""
        import logging, sys, time, types
        sys.path[:0] = sys.argv[3:5]
        from test_megacache import FakeTorch
        from pt2cache.megacache import warm_start

        class SlowUploads:
            def lookup(self, *args, **kwargs):
                return {"hit": False, "miss": {"reason": "no-artifact"}}

            def upload(self, kind, data, descriptor=None):
                time.sleep(float(sys.argv[1]))
                open(sys.argv[2], "w").write("uploaded")
                return {"id": "a", "state": "ready"}

        logging.basicConfig(level=logging.INFO)
        compiled = warm_start(lambda x: x + 1, SlowUploads(), model_name="m", model_version="1",
                              torch_module=FakeTorch())
        compiled(1)
    """)

    def run_script(self, upload_seconds, wait):
        marker = os.path.join(tempfile.mkdtemp(), "uploaded")
        here = os.path.dirname(os.path.abspath(__file__))
        env = dict(os.environ, PT2CACHE_UPLOAD_EXIT_WAIT=str(wait))
        started = time.monotonic()
        out = subprocess.run([sys.executable, "-c", self.SCRIPT, str(upload_seconds), marker,
                              here, os.path.dirname(here)],
                             env=env, capture_output=True, text=True, timeout=60)
        return os.path.exists(marker), time.monotonic() - started, out.stderr

    def test_the_upload_after_a_miss_finishes_before_the_process_ends(self):
        uploaded, _, _ = self.run_script(upload_seconds=1, wait=30)
        self.assertTrue(uploaded)

    def test_an_upload_still_running_after_the_wait_is_abandoned_and_said_so(self):
        uploaded, took, stderr = self.run_script(upload_seconds=20, wait=0.5)
        self.assertFalse(uploaded)
        self.assertLess(took, 10)
        self.assertIn("abandoned at exit", stderr)

    def test_an_abandoned_upload_says_nothing_once_logging_has_shut_down(self):
        """An exit hook registered before logging was imported runs after logging's shutdown (a
        join of worker processes, a server's own): the upload the wait gave up on went on
        meanwhile and logged 'uploaded ... as artifact' after logging had shut down, to a file
        handler already closed (which opens it again), after the warning that it was abandoned."""
        late = textwrap.dedent("""
            import atexit, sys, time
            atexit.register(time.sleep, float(sys.argv[1]) + 1.5)
            import logging

            class Said(logging.StreamHandler):
                def close(self):
                    super().close()
                    sys.stderr.write("LOGGING SHUT DOWN\\n")

            logging.basicConfig(level=logging.INFO, handlers=[Said()])
        """) + self.SCRIPT
        marker = os.path.join(tempfile.mkdtemp(), "uploaded")
        here = os.path.dirname(os.path.abspath(__file__))
        env = dict(os.environ, PT2CACHE_UPLOAD_EXIT_WAIT="0.2")
        out = subprocess.run([sys.executable, "-c", late, "1", marker, here,
                              os.path.dirname(here)],
                             env=env, capture_output=True, text=True, timeout=60)
        self.assertIn("LOGGING SHUT DOWN", out.stderr)
        self.assertIn("abandoned at exit", out.stderr)
        after = out.stderr.split("LOGGING SHUT DOWN", 1)[1]
        self.assertTrue(os.path.exists(marker), "the upload went on meanwhile")
        self.assertNotIn("pt2cache", after)  # before: 'uploaded 16 bytes as artifact a (ready)'

    def test_ctrl_c_during_the_wait_abandons_the_upload_without_a_traceback(self):
        marker = os.path.join(tempfile.mkdtemp(), "uploaded")
        here = os.path.dirname(os.path.abspath(__file__))
        env = dict(os.environ, PT2CACHE_UPLOAD_EXIT_WAIT="30")
        # SIGINT at its default: a shell that runs the suite in the background starts it ignored
        process = subprocess.Popen([sys.executable, "-c", self.SCRIPT, "20", marker, here,
                                    os.path.dirname(here)], env=env, stderr=subprocess.PIPE,
                                   text=True,
                                   preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        lines = []
        try:
            for line in process.stderr:
                lines.append(line)
                if "at exit for 1 upload" in line:
                    process.send_signal(signal.SIGINT)
                    break
            lines.append(process.stderr.read())
            process.wait(30)
        finally:
            process.kill()
            process.stderr.close()
        stderr = "".join(lines)
        self.assertFalse(os.path.exists(marker))
        self.assertNotIn("Traceback", stderr)
        self.assertIn("1 upload(s) after compiling abandoned at exit (interrupted)", stderr)


def _hit_service(body: bytes) -> socket.socket:
    """A listening service whose lookup hits an artifact of ``body``; every later request gets
    the content whole."""
    artifact = {"id": str(uuid.uuid4()), "kind": "mega-cache", "key": "k" * 64,
                "sha256": hashlib.sha256(body).hexdigest(), "sizeBytes": len(body),
                "downloadUrl": "/v1/namespaces/default/artifacts/x/content"}
    hit = json.dumps({"hit": True, "key": "k" * 64, "artifact": artifact}).encode()
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)

    def serve():
        answers = [(b"application/json", hit)]
        while True:
            try:
                connection, _ = server.accept()
            except OSError:
                return
            with connection:
                connection.recv(65536)
                kind, answer = answers.pop() if answers else (b"application/octet-stream", body)
                connection.sendall(b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Type: %s\r\n"
                                   b"Content-Length: %d\r\n\r\n%s" % (kind, len(answer), answer))

    threading.Thread(target=serve, daemon=True).start()
    return server


class UnwritableTemporaryDirectoryTest(unittest.TestCase):
    """A node whose temporary directory takes no download (a read-only root file system, a full
    disk) still loads a hit: the artifact is read whole anyway, so it comes into memory."""

    def test_a_hit_loads_where_no_temporary_directory_can_be_made(self):
        not_a_directory = tempfile.mkstemp()[1]  # mkdtemp under it fails: ENOTDIR
        body = b"the stored artifact" * 1000
        with _hit_service(body) as server, \
                mock.patch.object(tempfile, "tempdir", not_a_directory):
            torch = FakeTorch()
            client = CacheClient("http://127.0.0.1:%d" % server.getsockname()[1], timeout=30)
            with self.assertLogs("pt2cache", "WARNING") as logged:
                compiled = warm_start(lambda x: x, client, model_name="m", model_version="1",
                                      torch_module=torch)
        self.assertTrue(compiled.hit, logged.output)
        self.assertEqual(torch.loaded, [body])
        self.assertIn("fetching into memory", logged.output[0])

    def test_a_hit_loads_where_the_disk_fills_during_its_download(self):
        # a real write past the file-size limit (EFBIG) halfway through, in a child process
        script = textwrap.dedent("""
            import resource, signal, sys
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            from test_megacache import FakeTorch, _hit_service
            from pt2cache import CacheClient
            from pt2cache.megacache import warm_start
            body = b"x" * 200000
            server = _hit_service(body)
            resource.setrlimit(resource.RLIMIT_FSIZE,
                               (100000, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))
            torch = FakeTorch()
            client = CacheClient("http://127.0.0.1:%d" % server.getsockname()[1], timeout=30)
            compiled = warm_start(lambda x: x, client, model_name="m", model_version="1",
                                  torch_module=torch)
            print(compiled.hit, torch.loaded == [body])
        """)
        here = os.path.dirname(os.path.abspath(__file__))
        ran = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                             timeout=60, env=dict(os.environ, PYTHONPATH=os.pathsep.join(
                                 [here, os.path.dirname(here)])))
        self.assertEqual(ran.stdout.strip(), "True True", ran.stderr)
        self.assertIn("EFBIG", ran.stderr.replace("File too large", "EFBIG"))


class StaleFetchTest(unittest.TestCase):

    def test_a_download_directory_a_killed_process_left_is_removed_once_a_day_old(self):
        stale = tempfile.mkdtemp(prefix=megacache.FETCH_PREFIX)
        fresh = tempfile.mkdtemp(prefix=megacache.FETCH_PREFIX)
        with open(os.path.join(stale, "mega-cache.bin"), "wb") as f:
            f.write(b"half an artifact")
        a_day_ago = time.time() - megacache.STALE_FETCH_SECONDS - 60
        os.utime(stale, (a_day_ago, a_day_ago))
        try:
            megacache._sweep_fetches()
            self.assertFalse(os.path.exists(stale))
            self.assertTrue(os.path.exists(fresh), "a live download's directory stays")
        finally:
            shutil.rmtree(fresh, ignore_errors=True)
            shutil.rmtree(stale, ignore_errors=True)

    @unittest.skipUnless(hasattr(os, "fork"), "needs os.fork")
    def test_a_forked_child_that_exits_leaves_its_parents_download_in_place(self):
        # a pre-fork server forks a worker while a thread of its own warm-starts; the worker
        # ends normally (gunicorn's do), running the exit hooks it inherited
        downloading = tempfile.mkdtemp(prefix=megacache.FETCH_PREFIX)
        megacache._IN_FLIGHT.add(downloading)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)  # fork with threads, 3.12
                pid = os.fork()
            if pid == 0:
                try:
                    megacache._remove_downloads_in_flight()
                finally:
                    os._exit(0)
            os.waitpid(pid, 0)
            self.assertTrue(os.path.isdir(downloading), "the child removed its parent's download")
            megacache._remove_downloads_in_flight()
            self.assertFalse(os.path.exists(downloading), "the parent's own exit removes it")
        finally:
            megacache._IN_FLIGHT.discard(downloading)
            shutil.rmtree(downloading, ignore_errors=True)


class BackendNameTest(unittest.TestCase):
    """The backend's name goes into the key: the same in every process, or nodes never hit."""

    def test_a_backend_is_named_the_same_in_every_process(self):
        import functools

        class Backend:
            def __call__(self, graph, inputs):
                return graph

        def custom(graph, inputs, level=1):
            return graph

        from pt2cache.megacache import _backend_name

        self.assertEqual(_backend_name("inductor"), "inductor")
        self.assertEqual(_backend_name(custom), "custom")
        self.assertEqual(_backend_name(functools.partial(custom, level=2)), "custom")
        named = _backend_name(Backend())
        self.assertEqual(named, _backend_name(Backend()))
        self.assertTrue(named.endswith("Backend"), named)
        self.assertNotIn("0x", named)


class TorchWithoutMegaCache(FakeTorch):
    """torch 2.6's ``torch.compiler``: torch/compiler/__init__.py at v2.6 (docs 2.6,
    _modules/torch/compiler.html) ends with is_dynamo_compiling and has no save_cache_artifacts
    nor load_cache_artifacts; v2.7's adds both."""

    __version__ = "2.6.0+cu124"

    def __init__(self):
        super().__init__()
        self.compiler = types.SimpleNamespace(reset=lambda: None)


class NoMegaCacheTest(unittest.TestCase):
    """A release without the Mega-Cache calls: no lookup, a plain torch.compile, and a warning
    naming the release once per process. Before, it looked up, compiled, and warned only that
    saving the compile caches failed, after every first call."""

    def test_torch_2_6_compiles_without_a_lookup_and_says_which_release_once(self):
        megacache._no_mega_cache_warned = False
        client = mock.Mock()
        torch = TorchWithoutMegaCache()
        with self.assertLogs("pt2cache", "WARNING") as logs:
            for _ in range(2):
                compiled = warm_start(lambda x: x + 1, client, model_name="m",
                                      model_version="1", torch_module=torch)
                self.assertEqual(compiled(1), 2)
                self.assertIsNone(compiled.wait_for_upload(5))
        self.assertEqual(client.method_calls, [], "nothing asked of the service")
        self.assertEqual(torch.compiled, 2)
        self.assertEqual(len(logs.output), 1, logs.output)
        self.assertIn("torch 2.6.0+cu124 has no torch.compiler.save_cache_artifacts nor "
                      "load_cache_artifacts", logs.output[0])


class UploadAfterCallsTest(unittest.TestCase):
    """``upload_after_calls`` is a number of calls: anything else fails at once, before any
    compile, rather than a node that never uploads."""

    def test_a_count_that_is_no_whole_number_of_calls_is_refused(self):
        for bad in (0, -1, 1.5, "2", True, None):
            with self.subTest(bad), self.assertRaisesRegex(ValueError, "upload_after_calls"):
                warm_start(lambda x: x, model_name="m", model_version="1",
                           torch_module=FakeTorch(), upload_after_calls=bad)


class NoUrlTest(unittest.TestCase):
    """Without a client and without PT2CACHE_URL there is no cache: CacheClient's own default,
    http://localhost:8080, is TorchServe's inference port on a serving host, and would be sent
    the token."""

    def test_no_url_compiles_without_the_cache_and_says_so_once(self):
        for url in (None, ""):
            with self.subTest(PT2CACHE_URL=url), mock.patch.dict(os.environ):
                os.environ.pop("PT2CACHE_URL", None)
                if url is not None:
                    os.environ["PT2CACHE_URL"] = url
                megacache._no_url_warned = False
                torch = FakeTorch()
                with self.assertLogs("pt2cache", "WARNING") as logs:
                    first = warm_start(lambda x: x + 1, model_name="m", model_version="1",
                                       torch_module=torch)
                    second = warm_start(lambda x: x + 1, None, model_name="m",
                                        model_version="1", torch_module=torch)
                for compiled in (first, second):
                    self.assertIsNone(compiled.client, "no client, so nothing is sent anywhere")
                    self.assertEqual(compiled(1), 2)
                    self.assertIsNone(compiled.wait_for_upload(5))
                self.assertEqual(torch.compiled, 2)
                self.assertEqual(torch.saves, 0, "nothing saved for an upload")
                self.assertEqual(logs.output, ["WARNING:pt2cache:pt2cache: PT2CACHE_URL is not "
                                               "set: compiling without the cache"])

    def test_a_url_in_the_environment_still_builds_the_client(self):
        with mock.patch.dict(os.environ, PT2CACHE_URL="http://127.0.0.1:9",
                             PT2CACHE_NAMESPACE="vision"), \
                self.assertLogs("pt2cache", "WARNING") as logs:
            # time for the refused connection's retries (3, at most 2.6 s of pauses): with 0.5 s
            # a loaded machine's lookup ran out of time before its last refusal ("no whole
            # answer within 0.5 s"), which names no request
            compiled = warm_start(lambda x: x, model_name="m", model_version="1",
                                  lookup_timeout=10.0, torch_module=FakeTorch())
        # any line: an earlier test's upload thread may still log to "pt2cache" meanwhile
        self.assertTrue(any("/v1/namespaces/vision/lookups failed" in line
                            for line in logs.output), logs.output)
        self.assertEqual((compiled.client.url, compiled.client.namespace),
                         ("http://127.0.0.1:9", "vision"))


class PrecompileTest(unittest.TestCase):
    """``precompile=True``: Dynamo's caching precompile on, before the key is made."""

    @staticmethod
    def torch_module():
        """A stand-in torch module (its settings are read as a real torch's) with Dynamo's
        config, the setting off."""
        fake = FakeTorch()
        torch = types.ModuleType("torch")
        for name in ("__version__", "version", "cuda", "compiler", "compile"):
            setattr(torch, name, getattr(fake, name))
        config = types.ModuleType("torch._dynamo.config")
        config.caching_precompile = False
        torch._dynamo = types.SimpleNamespace(config=config)
        return torch, config

    def start(self, torch, config, precompile, **compile_kwargs):
        with mock.patch.dict(sys.modules, {"torch._dynamo.config": config}):
            return warm_start(lambda x: x, CacheClient("http://127.0.0.1:9"), model_name="m",
                              model_version="1", torch_module=torch, precompile=precompile,
                              **compile_kwargs)

    @staticmethod
    def with_inductor(torch, cudagraphs_for_the_process=False, lists_modes=True):
        """``torch._inductor`` as PyTorch 2.11 has it: its modes' settings, and the process-wide
        CUDA graphs setting a precompiled graph reads."""
        modes = {"default": {}, "reduce-overhead": {"triton.cudagraphs": True},
                 "max-autotune-no-cudagraphs": {"max_autotune": True},
                 "max-autotune": {"max_autotune": True, "triton.cudagraphs": True}}
        triton = types.SimpleNamespace(cudagraphs=cudagraphs_for_the_process)
        torch._inductor = types.SimpleNamespace(config=types.SimpleNamespace(triton=triton))
        if lists_modes:
            torch._inductor.list_mode_options = lambda mode=None, dynamic=None: modes[mode]
        return torch

    def test_settings_with_cuda_graphs_go_on_without_precompile_and_warn_once(self):
        """A precompiled hit ran without the CUDA graphs its mode asked for (H100, a transformer
        under reduce-overhead: steady call 2.78 ms against 0.86 ms): such a node keeps its CUDA
        graphs and goes without precompile, keyed as a node without it."""
        asking = [{"mode": "reduce-overhead"}, {"mode": "max-autotune"},
                  {"options": {"triton.cudagraphs": True}}]
        for lists_modes in (True, False):  # a torch that cannot list its modes: by their names
            for compile_kwargs in asking:
                with self.subTest(lists_modes=lists_modes, **compile_kwargs), \
                        mock.patch.object(dynamo_precompile, "_cuda_graphs_warned", set()), \
                        self.assertLogs("pt2cache", "WARNING") as logs:
                    torch, config = self.torch_module()
                    self.with_inductor(torch, lists_modes=lists_modes)
                    asked = self.start(torch, config, True, **compile_kwargs)
                    self.start(torch, config, True, **compile_kwargs)

                    self.assertFalse(config.caching_precompile)
                    without = self.start(torch, config, False, **compile_kwargs)
                    self.assertEqual(asked.descriptor, without.descriptor)
                    self.assertIsNotNone(asked.client, "warm start goes on")
                said = [line for line in logs.output if "CUDA graphs" in line]
                self.assertEqual(len(said), 1, logs.output)
                self.assertIn("precompile=True is not used with CUDA graphs", said[0])

    def test_settings_without_cuda_graphs_keep_precompile(self):
        keeping = [{}, {"mode": "default"}, {"mode": "max-autotune-no-cudagraphs"},
                   {"options": {"triton.cudagraphs": False}},
                   {"backend": "aot_eager", "mode": "reduce-overhead"}]  # not Inductor's mode
        for compile_kwargs in keeping:
            with self.subTest(**compile_kwargs):
                torch, config = self.torch_module()
                self.with_inductor(torch)
                self.start(torch, config, True, **compile_kwargs)
                self.assertIs(config.caching_precompile, True)

    def test_precompile_already_on_turns_the_cache_off_for_settings_with_cuda_graphs(self):
        """Dynamo's precompile is process-wide: turned on by an earlier warm_start, it would
        precompile a later model's graphs too, and a hit would load them without the CUDA
        graphs that model's settings ask for. That model compiles locally, with a warning."""
        with mock.patch.object(dynamo_precompile, "_cuda_graphs_warned", set()), \
                self.assertLogs("pt2cache", "WARNING") as logs:
            torch, config = self.torch_module()
            self.with_inductor(torch)
            first = self.start(torch, config, True)  # default mode: precompile on
            self.assertIs(config.caching_precompile, True)

            for precompile in (False, True):
                later = self.start(torch, config, precompile, mode="reduce-overhead")
                self.assertIsNone(later.client, "no cache for this model")
                self.assertIsNone(later.descriptor)
            self.assertIsNotNone(first.client)
            self.assertIsNotNone(self.start(torch, config, True).client,
                                 "a later model without CUDA graphs keeps the cache")
        said = [line for line in logs.output if "already on in this process" in line]
        self.assertEqual(len(said), 1, logs.output)

    def test_inductors_compile_fx_with_cuda_graphs_in_its_config_patches_goes_without_precompile(
            self):
        """``backend=functools.partial(compile_fx, config_patches={"triton.cudagraphs": True})``
        is what torch.compile's own Inductor backend calls for ``options=`` (torch/__init__.py,
        ``_TorchCompileInductorWrapper``): its graphs are precompiled as Inductor's are, and a
        precompiled graph loads without their CUDA graphs alike. It kept precompile."""
        def compile_fx(model, example_inputs, inner_compile=None, config_patches=None):
            return model

        compile_fx.__module__ = "torch._inductor.compile_fx"  # where PyTorch defines it
        asking = functools.partial(compile_fx, config_patches={"triton.cudagraphs": True})
        keeping = [compile_fx, functools.partial(compile_fx, config_patches={"max_autotune": True}),
                   functools.partial(compile_fx, config_patches={"triton.cudagraphs": False})]
        with mock.patch.object(dynamo_precompile, "_cuda_graphs_warned", set()), \
                self.assertLogs("pt2cache", "WARNING") as logs:
            torch, config = self.torch_module()
            self.with_inductor(torch)
            self.assertIsNotNone(self.start(torch, config, True, backend=asking).client)
            self.assertFalse(config.caching_precompile)
        self.assertIn("precompile=True is not used with CUDA graphs", "".join(logs.output))
        for backend in keeping:
            with self.subTest(backend=backend):
                torch, config = self.torch_module()
                self.with_inductor(torch)
                self.start(torch, config, True, backend=backend)
                self.assertIs(config.caching_precompile, True)

    def test_options_that_are_not_a_dict_get_torchs_own_refusal(self):
        """torch.compile refuses ``options`` that are not a dict with its own error; warm_start's
        CUDA-graph check raised a TypeError of its own first ("string indices must be
        integers"), which says nothing of the mistake."""
        for options in ("triton.cudagraphs", ["triton.cudagraphs"], 5):
            with self.subTest(options=options):
                torch, config = self.torch_module()
                self.with_inductor(torch)

                def refusing(model, options=None, **kwargs):
                    if options is not None and not isinstance(options, dict):
                        raise AttributeError("torch.compile's own refusal of %r" % (options,))
                    return model

                torch.compile = refusing
                with self.assertLogs("pt2cache", "WARNING"), \
                        self.assertRaisesRegex(AttributeError, "torch.compile's own refusal"):
                    self.start(torch, config, True, options=options)

    def test_precompile_given_as_none_warm_starts_without_it(self):
        """``precompile=None`` (an option left unset: argparse's default without
        ``store_true``) is no precompile, as before the decision had its own module; the
        decision's None, which means no cache, took it along: no lookup, no upload, no
        warning."""
        torch, config = self.torch_module()
        self.with_inductor(torch)

        started = self.start(torch, config, None)

        self.assertIsNotNone(started.client, "warm start goes on")
        self.assertIsNotNone(started.descriptor)
        self.assertFalse(config.caching_precompile)
        self.assertEqual(started.descriptor, self.start(torch, config, False).descriptor)

    def test_cuda_graphs_on_for_the_process_keep_precompile(self):
        """A precompiled graph reads the process-wide setting: nothing is lost where it is on."""
        torch, config = self.torch_module()
        self.with_inductor(torch, cudagraphs_for_the_process=True)
        self.start(torch, config, True, mode="reduce-overhead")
        self.assertIs(config.caching_precompile, True)

    def test_the_setting_is_on_and_the_node_keyed_apart(self):
        torch, config = self.torch_module()
        without = self.start(torch, config, False)
        self.assertFalse(config.caching_precompile, "left alone unless asked")

        with_it = self.start(torch, config, True)

        self.assertIs(config.caching_precompile, True)
        self.assertNotEqual(with_it.descriptor, without.descriptor)
        self.assertIsNotNone(with_it.client)

    def test_a_torch_without_the_setting_warns_once_and_goes_on(self):
        with mock.patch.object(dynamo_precompile, "_no_precompile_warned", False), \
                self.assertLogs("pt2cache", "WARNING") as logs:
            first = warm_start(lambda x: x, CacheClient("http://127.0.0.1:9"), model_name="m",
                               model_version="1", torch_module=FakeTorch(), precompile=True)
            warm_start(lambda x: x, CacheClient("http://127.0.0.1:9"), model_name="m",
                       model_version="1", torch_module=FakeTorch(), precompile=True)
        said = [line for line in logs.output if "caching_precompile" in line]
        self.assertEqual(len(said), 1, logs.output)
        self.assertIn("torch 2.11.0+test has no torch._dynamo.config.caching_precompile", said[0])
        self.assertIsNotNone(first.client, "warm start goes on")


DYNAMO = "/venv/lib/python3.12/site-packages/torch/_dynamo/"


def _defined_in(filename, source, name):
    """The function ``name`` of ``source``, its frames in ``filename`` as a traceback shows them."""
    namespace = {}
    exec(compile(textwrap.dedent(source), filename, "exec"), namespace)
    return namespace[name]


# Dynamo converting a frame (tracing, compiling) as PyTorch 2.11 fails the first graph it compiles
# beside loaded precompiled ones: an AssertionError, once per entry of ``failures``
_convert_frame = _defined_in(DYNAMO + "convert_frame.py", """
    def _compile(failures):
        if failures:
            assert False, failures.pop(0)
    """, "_compile")

# torch.compile's callable: the frame converted first, then run; its calls counted
_eval_frame = _defined_in(DYNAMO + "eval_frame.py", """
    def compile_wrapper(calls, convert, model, *args):
        calls.append(args[0])
        convert()
        return model(*args)
    """, "compile_wrapper")


def dynamo_failing(result, failures=("",)):
    """A compiled model that fails its first call as PyTorch 2.11's Dynamo fails a recompile beside
    the precompiled graphs it loaded (an AssertionError in torch/_dynamo/convert_frame.py, raised
    while Dynamo converts the model's frame, before the model's own code runs), once per entry of
    ``failures``, and answers ``result`` after; its calls are counted."""
    calls = []
    convert = functools.partial(_convert_frame, list(failures))
    return functools.partial(_eval_frame, calls, convert, lambda x: result), calls


class PrecompileRecompileTest(unittest.TestCase):
    """PyTorch 2.11, with ``caching_precompile``, fails the first graph Dynamo compiles after
    loading precompiled ones (on an H100, resnet50's batch of 4 after a Mega-Cache of batch 8's:
    ``AssertionError`` at once, then 12.3 s to compile it when called again). A hit with
    ``precompile=True`` calls again once, so the node's request is answered."""

    def start(self, model, precompile=True, body=b"mega-cache"):
        torch, config = PrecompileTest.torch_module()
        server = _hit_service(body)
        self.addCleanup(server.close)
        client = CacheClient("http://127.0.0.1:%d" % server.getsockname()[1], timeout=30)
        with mock.patch.dict(sys.modules, {"torch._dynamo.config": config}):
            warm = warm_start(model, client, model_name="m", model_version="1",
                              torch_module=torch, precompile=precompile)
        self.assertTrue(warm.hit)
        return warm

    def test_a_hit_with_precompile_calls_again_once_where_dynamo_failed_converting_the_frame(self):
        model, calls = dynamo_failing("answer")
        warm = self.start(model)
        with self.assertLogs("pt2cache", "WARNING") as logs:
            self.assertEqual(warm("batch of 4"), "answer")
        self.assertEqual(calls, ["batch of 4", "batch of 4"])
        self.assertEqual(warm.dynamo_failures_retried, 1)
        said = [line for line in logs.output if "Dynamo failed" in line]
        self.assertEqual(len(said), 1, logs.output)
        self.assertIn("torch/_dynamo/convert_frame.py", said[0])
        self.assertEqual(warm("batch of 4"), "answer", "compiled now: no failure, no retry")
        self.assertEqual(warm.dynamo_failures_retried, 1)

    def test_other_failures_are_the_callers(self):
        def own_assertion(x):
            assert x != "bad input", "the model's own check"
            return x

        warm = self.start(own_assertion)
        with self.assertRaisesRegex(AssertionError, "the model's own check"):
            warm("bad input")
        self.assertEqual(warm.dynamo_failures_retried, 0)

        model, calls = dynamo_failing("answer")
        without = self.start(model, precompile=False)  # no precompiled graphs: not this failure
        with self.assertRaises(AssertionError):
            without("x")
        self.assertEqual(calls, ["x"], "called once")

    def test_a_second_failure_is_raised(self):
        model, calls = dynamo_failing("answer", failures=("first", "again"))
        warm = self.start(model)
        with self.assertLogs("pt2cache", "WARNING"), self.assertRaisesRegex(AssertionError,
                                                                             "again"):
            warm("x")
        self.assertEqual(calls, ["x", "x"], "called again once, not more")

    def test_a_failure_after_the_model_ran_part_of_the_call_is_the_callers(self):
        """With a graph break, Dynamo converts the frame after the break once the model's code
        before it has run: a call made again would run that code twice (a counter, a cache the
        model writes to, a buffer updated in place)."""
        ran = []
        resume = functools.partial(_convert_frame, [""])

        def model(x):
            ran.append(x)  # the code before the graph break
            resume()  # Dynamo converts the frame after the break, and fails
            return "answer"

        warm = self.start(functools.partial(_eval_frame, [], lambda: None, model))
        with self.assertRaises(AssertionError):
            warm("x")
        self.assertEqual(ran, ["x"], "the model's code ran once")
        self.assertEqual(warm.dynamo_failures_retried, 0)


@needs_service
class WarmStartTest(unittest.TestCase):

    def setUp(self):
        self.client = fresh_client()
        self.model = "m-" + uuid.uuid4().hex[:6]

    def start(self, torch, client=None, version="1"):
        return warm_start(lambda x: x * 2, client or self.client, model_name=self.model,
                          model_version=version, mode="max-autotune", torch_module=torch)

    def test_a_miss_compiles_then_uploads_after_the_first_call(self):
        torch = FakeTorch(saved=b"compiled by the first node")
        compiled = self.start(torch)
        self.assertFalse(compiled.hit)
        self.assertIsNone(compiled.uploaded)
        self.assertEqual(compiled(21), 42)
        self.assertEqual(compiled.wait_for_upload(30)["state"], "ready")
        self.assertEqual(torch.compiled, 1)
        self.assertEqual(compiled(1), 2)  # uploads once only
        self.assertEqual(len(list(self.client.artifacts(modelName=self.model))), 1)

    def test_a_miss_uploads_after_the_warm_up_calls_it_was_given(self):
        """A node that warms up on each input shape it serves uploads what it compiled for all of
        them: the key keeps the first Mega-Cache stored, and one saved after the first call held
        only that shape's graph (on an H100, the next node compiled a batch of 4 anew, 10.19 s)."""
        torch = FakeTorch(saved=b"compiled for three shapes")
        compiled = warm_start(lambda x: x * 2, self.client, model_name=self.model,
                              model_version="1", torch_module=torch, upload_after_calls=3)
        for x in (1, 2):
            compiled(x)
            self.assertEqual(torch.saves, 0, "saved before the last warm-up call")
        self.assertIsNone(compiled.wait_for_upload(0.5))
        compiled(3)
        self.assertEqual(compiled.wait_for_upload(30)["state"], "ready")
        compiled(4)
        self.assertEqual(torch.saves, 1, "saved once, after the third call")
        self.assertEqual(len(list(self.client.artifacts(modelName=self.model))), 1)

    def test_a_hit_loads_what_the_first_node_uploaded(self):
        first = self.start(FakeTorch(saved=b"compiled by the first node"))
        first(1)
        first.wait_for_upload(30)

        second = FakeTorch()
        compiled = self.start(second)
        self.assertTrue(compiled.hit)
        self.assertEqual(second.loaded, [b"compiled by the first node"])
        compiled(1)
        self.assertIsNone(compiled.uploaded, "a hit uploads nothing")

    def test_an_artifact_that_fails_to_load_is_reported_and_not_uploaded_over(self):
        first = self.start(FakeTorch(saved=b"bytes this torch cannot load"))
        first(1)
        bad = first.wait_for_upload(30)

        os.environ["PT2CACHE_NODE"] = "node 7"
        try:
            with self.assertLogs("pt2cache", "WARNING") as logs:
                torch = TorchThatCannotLoad()
                compiled = self.start(torch)
        finally:
            del os.environ["PT2CACHE_NODE"]
        self.assertFalse(compiled.hit)
        self.assertEqual(compiled(3), 6, "the model compiles locally and runs")
        self.assertIsNone(compiled.wait_for_upload(30))
        self.assertEqual(torch.saves, 0, "no upload tried: the key still holds the reported one")
        self.assertTrue(any("failed to load" in line for line in logs.output))

        self.assertEqual(compiled.report["state"], "ready")
        reports = self.client.reports(bad["id"])
        self.assertEqual(reports["reportCount"], 1)
        self.assertTrue(reports["items"][0]["reporter"].endswith("/node_7"))
        self.assertEqual(reports["items"][0]["problem"], "load-failed")
        self.assertIn("pickle data was truncated", reports["items"][0]["detail"])
        self.assertEqual([a["id"] for a in self.client.artifacts(reported=True)], [bad["id"]])
        self.assertEqual(len(list(self.client.artifacts(modelName=self.model))), 1)

    def test_a_hit_that_still_compiles_is_named_in_the_log(self):
        first = self.start(FakeTorch(saved=b"made for another input shape"))
        first(1)
        first.wait_for_upload(30)

        with self.assertLogs("pt2cache", "WARNING") as logs:
            compiled = self.start(TorchThatCompilesAnyway(misses_per_call=2))
            compiled(1)
        self.assertTrue(compiled.hit)
        self.assertEqual(compiled.graphs_compiled_anyway, 2)
        self.assertTrue(any("compiled 2 graph(s) anew" in line for line in logs.output))

        clean = self.start(TorchThatCompilesAnyway(misses_per_call=0))
        clean(1)
        self.assertEqual(clean.graphs_compiled_anyway, 0)

    def test_first_calls_at_once_name_the_graphs_compiled_anyway_once(self):
        """A serving process's request threads make its first calls at once: each measured
        PyTorch's counter as the first call (the look at the first-call mark and its clearing
        have a call between them, where threads switch), and each logged the warning."""
        first = self.start(FakeTorch(saved=b"made for another input shape"))
        first(1)
        first.wait_for_upload(30)

        compiled = self.start(TorchReadAtOnce(misses_per_call=1))
        self.assertTrue(compiled.hit)
        with self.assertLogs("pt2cache", "WARNING") as logs:
            calls = [threading.Thread(target=compiled, args=(1,)) for _ in range(2)]
            for call in calls:
                call.start()
            for call in calls:
                call.join(30)
        anew = [line for line in logs.output if "anew" in line]
        self.assertEqual(len(anew), 1, anew)  # before: 2
        self.assertGreaterEqual(compiled.graphs_compiled_anyway, 1)

    def test_first_calls_at_once_upload_once(self):
        """Each of two first calls at once saw the upload still to start before either marked it
        started (Python 3.9 switches threads there; a build without the GIL runs both at once),
        and both saved and uploaded: the second was refused, logged as another node's. Here each
        look at the mark waits until both looked."""
        together = threading.Barrier(2)
        marks = {}

        def pending(warm) -> bool:
            seen = marks[id(warm)]
            try:
                together.wait(1)
            except threading.BrokenBarrierError:
                pass  # the other could not look: the first call holds the mark
            return seen

        def mark(warm, value) -> None:
            marks[id(warm)] = value

        torch = FakeTorch(saved=b"compiled once")
        compiled = self.start(torch)
        marks[id(compiled)] = compiled.__dict__.pop("_pending_upload")
        with mock.patch.object(megacache.WarmStart, "_pending_upload", property(pending, mark),
                               create=True):
            calls = [threading.Thread(target=compiled, args=(1,)) for _ in range(2)]
            for call in calls:
                call.start()
            for call in calls:
                call.join(30)
        self.assertEqual(compiled.wait_for_upload(30)["state"], "ready")
        for upload in list(megacache._UPLOADS):
            upload.join(30)
        self.assertEqual(torch.saves, 1, "saved and uploaded once")  # before: 2
        self.assertEqual(len(list(self.client.artifacts(modelName=self.model))), 1)

    def test_a_load_that_answers_none_counts_as_a_failure(self):
        first = self.start(FakeTorch(saved=b"bytes this torch cannot unpickle"))
        first(1)
        bad = first.wait_for_upload(30)

        compiled = self.start(TorchThatCannotLoad(raises=False))
        self.assertFalse(compiled.hit, "nothing was loaded, so no warm start")
        self.assertEqual(compiled.report["reportCount"], 1)
        detail = self.client.reports(bad["id"])["items"][0]["detail"]
        self.assertIn("returned None", detail)

    def test_a_report_that_retires_the_artifact_lets_this_node_replace_it(self):
        self.client.put_namespace(invalidate_after_reports=1)
        first = self.start(FakeTorch(saved=b"bytes this torch cannot load"))
        first(1)
        bad = first.wait_for_upload(30)

        compiled = self.start(TorchThatCannotLoad(saved=b"bytes that load"))
        self.assertEqual(compiled.report["state"], "invalidated")
        compiled(1)
        replacement = compiled.wait_for_upload(30)
        self.assertEqual(replacement["state"], "ready")
        self.assertNotEqual(replacement["id"], bad["id"])

        third = FakeTorch()
        self.assertTrue(self.start(third).hit)
        self.assertEqual(third.loaded, [b"bytes that load"])

    def test_a_report_that_fails_or_gets_a_strange_answer_still_compiles(self):
        first = self.start(FakeTorch(saved=b"bytes this torch cannot load"))
        first(1)
        first.wait_for_upload(30)

        class OddReports(CacheClient):
            def report(self, *args, **kwargs):
                self.report_kwargs = kwargs
                return ["not", "a", "report"]

        odd = OddReports(URL, self.client.namespace, timeout=30)
        torch = TorchThatCannotLoad()
        compiled = self.start(torch, client=odd)
        self.assertEqual(compiled(2), 4)
        self.assertEqual(torch.saves, 0, "a report without an answer keeps the key taken")
        self.assertEqual(odd.report_kwargs["retries"], 0, "a report never holds the start up")
        self.assertLessEqual(odd.report_kwargs["deadline"], 5)

    def test_bytes_that_come_corrupt_are_reported_and_not_uploaded_over(self):
        first = self.start(FakeTorch(saved=b"the stored artifact"))
        first(1)
        stored = first.wait_for_upload(30)

        class CorruptingDownloads(CacheClient):
            def download(self, artifact, destination, **kwargs):
                raise IntegrityError("downloaded 19 bytes with sha256 0000, expected %s"
                                     % artifact["sha256"])

        torch = FakeTorch()
        corrupt = CorruptingDownloads(URL, self.client.namespace, timeout=30)
        with self.assertLogs("pt2cache", "WARNING") as logs:
            compiled = self.start(torch, client=corrupt)
        self.assertFalse(compiled.hit)
        self.assertEqual(compiled(2), 4, "the model compiles locally and runs")
        self.assertEqual(torch.saves, 0, "the key still holds the stored artifact")
        self.assertTrue(any("came corrupt" in line for line in logs.output))
        reports = self.client.reports(stored["id"])
        self.assertEqual(reports["items"][0]["problem"], "other")
        self.assertIn("expected " + stored["sha256"], reports["items"][0]["detail"])

    def test_a_lost_race_is_information_and_a_refusing_rule_a_warning(self):
        first = self.start(FakeTorch(saved=b"the first node's compile"))
        second = self.start(FakeTorch(saved=b"the second node's compile"))  # missed too
        first(1)
        first.wait_for_upload(30)
        with self.assertLogs("pt2cache", "INFO") as logs:
            second(1)
            self.assertIsNone(second.wait_for_upload(30))
        self.assertTrue(any("INFO" in line and "key-conflict" in line for line in logs.output))
        self.assertFalse(any("WARNING" in line for line in logs.output))

        # a rule made after this node's lookup: its upload is refused, and that is a warning
        fourth = self.start(FakeTorch(saved=b"a fourth compile"), version="2")  # a miss
        self.client.invalidate({"modelName": self.model}, "miscompiles", block=True)
        with self.assertLogs("pt2cache", "WARNING") as logs:
            fourth(1)
            fourth.wait_for_upload(30)
        self.assertTrue(any("blocked-by-rule" in line for line in logs.output), logs.output)

    def test_a_lookup_that_a_rule_blocks_compiles_and_does_not_upload(self):
        self.client.invalidate({"modelName": self.model}, "miscompiles", block=True)
        torch = FakeTorch(saved=b"a compile the rule refuses")
        with self.assertLogs("pt2cache", "INFO") as logs:
            compiled = self.start(torch)
            self.assertEqual(compiled(3), 6)
            self.assertIsNone(compiled.wait_for_upload(30))
        self.assertEqual(torch.saves, 0, "nothing saved for an upload the rule would refuse")
        self.assertTrue(any("miss (blocked" in line for line in logs.output), logs.output)
        self.assertFalse(any("WARNING" in line for line in logs.output), logs.output)

    def test_an_artifact_retired_between_lookup_and_download_is_replaced(self):
        first = self.start(FakeTorch(saved=b"the first node's compile"))
        first(1)
        first.wait_for_upload(30)
        client = self.client

        class RetiredMeanwhile(CacheClient):
            def download(self, artifact, destination, **kwargs):
                client.invalidate({"artifactIds": [artifact["id"]]}, "retired meanwhile")
                return super().download(artifact, destination, **kwargs)

        torch = FakeTorch(saved=b"the second node's compile")
        with self.assertLogs("pt2cache", "WARNING"):
            second = self.start(torch, client=RetiredMeanwhile(URL, self.client.namespace,
                                                               timeout=30))
        self.assertFalse(second.hit)
        second(1)
        self.assertEqual(second.wait_for_upload(30)["state"], "ready", "the key was free")

    def test_a_download_slower_than_its_allowance_still_compiles(self):
        """The lookup hits, the content trickles: the node gives up when the download's time is
        up, and compiles, rather than wait on a body that never ends."""
        serve = _trickling_hit(os.urandom(4096), seconds_per_byte=0.2)

        # a temporary directory of this test's own: another process's download (a node a test of
        # the service runs at the same moment, in another test JVM) may be under the shared one
        private = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, private, True)

        def leftovers():  # the download's own directories
            return {n for n in os.listdir(private) if n.startswith(megacache.FETCH_PREFIX)}

        before = leftovers()
        with socket.socket() as server, mock.patch.object(tempfile, "tempdir", private):
            server.bind(("127.0.0.1", 0))
            server.listen(8)
            threading.Thread(target=serve, args=(server,), daemon=True).start()
            allowance = megacache.DOWNLOAD_BASE_SECONDS
            megacache.DOWNLOAD_BASE_SECONDS = 1.0
            try:
                with self.assertLogs("pt2cache", "WARNING"):
                    compiled, seconds = self.start_within_a_second(server)
            finally:
                megacache.DOWNLOAD_BASE_SECONDS = allowance
            self.assertLess(seconds, 4, "the download had 1 s; unbounded, this takes 14 min")
            self.assertFalse(compiled.hit)
            self.assertEqual(compiled(1), 1)
            self.assertEqual(compiled.torch.saves, 0, "the key holds an artifact: no upload")
            time.sleep(2)  # the abandoned download stops at its own deadline, and tidies up
        self.assertEqual(leftovers() - before, set(), "nothing left in the temporary directory")

    @unittest.skipUnless(threading.current_thread() is threading.main_thread(),
                         "signals reach the main thread only")
    def test_a_warm_start_interrupted_mid_download_stops_the_download(self):
        """Ctrl-C (or a SIGTERM handler's SystemExit) during a hit's download raises in the
        warm start, as it should; the download it stopped waiting for went on, on its thread,
        for the rest of its allowance (20 s and a second per 25 MB: a minute for a gigabyte),
        holding a connection, the service's download slot and a directory of up to a whole
        artifact, in a notebook or a server that lives on. It stops at its next chunk now."""
        body = os.urandom(2000)
        sent = []
        content_ended = threading.Event()
        # a byte every 0.05 s: 100 s for the whole, each read well within its timeout
        serve = _trickling_hit(body, 0.05, sent, content_ended)

        handler = signal.signal(signal.SIGINT, signal.default_int_handler)
        try:
            with socket.socket() as server:
                server.bind(("127.0.0.1", 0))
                server.listen(8)
                threading.Thread(target=serve, args=(server,), daemon=True).start()
                client = CacheClient("http://127.0.0.1:%d" % server.getsockname()[1], timeout=30)
                interrupt = threading.Thread(target=lambda: (
                    _wait_for(lambda: len(sent) > 5), os.kill(os.getpid(), signal.SIGINT)))
                interrupt.start()
                with self.assertRaises(KeyboardInterrupt):
                    warm_start(lambda x: x, client, model_name=self.model, model_version="1",
                               torch_module=FakeTorch())
                interrupt.join(30)
                # before: the content went on for its allowance (20 s), the connection open
                self.assertTrue(content_ended.wait(10), "the download went on after Ctrl-C")
                self.assertLess(len(sent), len(body))
        finally:
            signal.signal(signal.SIGINT, handler)

    def test_a_service_that_is_down_changes_nothing_but_the_log(self):
        down = CacheClient("http://127.0.0.1:9", retries=0, timeout=1)
        torch = FakeTorch()
        with self.assertLogs("pt2cache", "WARNING") as logs:
            compiled = self.start(torch, client=down)
            self.assertEqual(compiled(4), 8)
            compiled.wait_for_upload(30)
        self.assertFalse(compiled.hit)
        self.assertEqual(torch.compiled, 1)
        self.assertTrue(any("compiling locally" in line for line in logs.output))
        self.assertTrue(any("upload after compiling failed" in line for line in logs.output))

    def start_within_a_second(self, server: socket.socket):
        """A warm start against a listening socket with a lookup timeout of 1 s; how long it
        took."""
        client = CacheClient("http://127.0.0.1:%d" % server.getsockname()[1], timeout=30)
        started = time.monotonic()
        compiled = warm_start(lambda x: x, client, model_name=self.model, model_version="1",
                              lookup_timeout=1.0, torch_module=FakeTorch())
        return compiled, time.monotonic() - started

    def test_a_service_that_never_answers_costs_at_most_the_lookup_timeout(self):
        with socket.socket() as silent:  # accepts connections, never answers
            silent.bind(("127.0.0.1", 0))
            silent.listen(8)
            compiled, seconds = self.start_within_a_second(silent)
            self.assertLess(seconds, 3)
            self.assertFalse(compiled.hit)
            started = time.monotonic()
            compiled(1)  # the upload goes on in the background; the answer does not wait
            self.assertLess(time.monotonic() - started, 1)

    def test_a_service_that_answers_a_byte_at_a_time_costs_at_most_the_lookup_timeout(self):
        answer = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 14\r\n\r\n"
        with socket.socket() as trickling:
            trickling.bind(("127.0.0.1", 0))
            trickling.listen(8)

            def serve():
                connection, _ = trickling.accept()
                with connection:
                    connection.recv(65536)
                    try:
                        for byte in answer:  # each byte well within the socket timeout
                            connection.sendall(bytes([byte]))
                            time.sleep(0.1)
                    except OSError:  # the client gave up, as it should
                        pass

            threading.Thread(target=serve, daemon=True).start()
            compiled, seconds = self.start_within_a_second(trickling)
            self.assertLess(seconds, 2.5, "unbounded, this waits 7 s for the whole header")
            self.assertFalse(compiled.hit)

    def test_a_malformed_url_or_answer_still_compiles(self):
        for client in (None, "cache:8080"):
            torch = FakeTorch()
            os.environ["PT2CACHE_URL"] = "not a url" if client is None else client
            try:
                compiled = warm_start(lambda x: x + 1, None, model_name=self.model,
                                      model_version="1", torch_module=torch)
            finally:
                del os.environ["PT2CACHE_URL"]
            self.assertEqual(compiled(1), 2)
            self.assertEqual(torch.compiled, 1)


@needs_service
@needs_torch
class RealTorchWarmStartTest(unittest.TestCase):
    """With torch installed: a real compile on this machine's device, then a fresh process that
    warm-starts from what the first uploaded."""

    SCRIPT = textwrap.dedent("""
        import sys, torch, pt2cache
        f = lambda x: torch.sin(x) + torch.cos(x)
        c = pt2cache.warm_start(f, pt2cache.CacheClient(sys.argv[1], sys.argv[2]),
                                model_name=sys.argv[3], model_version="1")
        c(torch.randn(64))
        print("HIT" if c.hit else "MISS", "UPLOADED" if c.uploaded else "")
    """)

    def run_fresh(self, client, model):
        env = dict(os.environ, TORCHINDUCTOR_CACHE_DIR=os.path.join(
            "/tmp", "pt2cache-" + uuid.uuid4().hex))
        out = subprocess.run([sys.executable, "-c", self.SCRIPT, URL, client.namespace, model],
                             env=env, capture_output=True, text=True, check=True)
        return out.stdout.strip()

    def test_a_fresh_process_warm_starts(self):
        client = fresh_client()
        model = "real-" + uuid.uuid4().hex[:6]
        self.assertEqual(self.run_fresh(client, model), "MISS UPLOADED")
        self.assertEqual(self.run_fresh(client, model), "HIT")


if __name__ == "__main__":
    unittest.main()
