import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest
from unittest import mock

from pt2cache import workers
from pt2cache.client import CacheClient
from pt2cache.directory import DirectoryEntries

from support import HAS_TORCH, needs_torch

CLIENT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class WorkerExportTest(unittest.TestCase):
    """Inductor's compile workers are fresh interpreters started with the compiling process's
    sys.path as their PYTHONPATH: they reach the store through the hook export puts there."""

    def setUp(self):
        self.root = tempfile.mkdtemp()
        self.path = list(sys.path)
        self.env = mock.patch.dict(os.environ)
        self.env.start()

    def tearDown(self):
        sys.path[:] = self.path
        self.env.stop()

    def worker(self, code, shadowed=None):
        """A fresh interpreter as PyTorch starts a worker: this process's sys.path as its
        PYTHONPATH, after export has run."""
        path = list(sys.path) + [CLIENT]
        if shadowed:
            path.insert(path.index(workers.HOOK) + 1, shadowed)
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(path))
        return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                              text=True, timeout=120)

    @staticmethod
    def described():
        with open(os.environ[workers.ENV]) as f:
            return json.load(f)

    def test_export_describes_the_store_and_puts_the_hook_first(self):
        self.assertTrue(workers.export(DirectoryEntries(self.root), {"model": {"name": "m"}},
                                       2.0, 30.0))
        self.assertEqual(sys.path[0], workers.HOOK)
        described = self.described()
        self.assertEqual((described["store"], described["root"], described["descriptor"]),
                         ("directory", os.path.abspath(self.root), {"model": {"name": "m"}}))

        client = CacheClient("http://cache:8080", "team-a", token="pt2c_secret")
        workers.export(client, None, 2.0, 30.0)
        self.assertEqual(self.described()["token"], "pt2c_secret")
        self.assertEqual(sys.path.count(workers.HOOK), 1)

    def test_the_token_is_kept_out_of_the_environment_children_inherit(self):
        first = None
        for token in ("pt2c_first", "pt2c_secret"):
            workers.export(CacheClient("http://cache:8080", "team-a", token=token), None, 2.0, 30.0)
            first = first or os.environ[workers.ENV]
        self.assertFalse(any("pt2c_secret" in value for value in os.environ.values()))
        self.assertEqual(os.stat(os.environ[workers.ENV]).st_mode & 0o077, 0, "its user's only")
        self.assertFalse(os.path.exists(first), "an earlier description is removed")

    def test_a_forked_child_that_exits_leaves_the_description_to_its_parent(self):
        workers.export(DirectoryEntries(self.root), None, 2.0, 30.0)
        path, exporter = os.environ[workers.ENV], os.getpid()
        child = os.fork()
        if child == 0:  # what the exit hook it inherited does in the child
            workers._remove_at_exit(path, exporter)
            os._exit(0 if os.path.exists(path) else 1)
        _, status = os.waitpid(child, 0)
        self.assertEqual(os.waitstatus_to_exitcode(status), 0)
        workers._remove_at_exit(path, os.getpid())
        self.assertFalse(os.path.exists(path), "the exporting process removes it")

    def test_a_child_that_installs_again_leaves_its_parents_description(self):
        workers.export(DirectoryEntries(self.root), None, 2.0, 30.0)
        parents = os.environ[workers.ENV]
        child = self.worker("from pt2cache import workers\n"
                            "from pt2cache.directory import DirectoryEntries\n"
                            "workers.export(DirectoryEntries(%r), None, 2.0, 30.0)\n"
                            "workers.forget()\n" % tempfile.mkdtemp())
        self.assertEqual(child.returncode, 0, child.stderr)
        self.assertTrue(os.path.exists(parents))

    def test_a_token_from_the_environment_is_not_written_down(self):
        os.environ["PT2CACHE_TOKEN"] = "pt2c_from_env"
        workers.export(CacheClient("http://cache:8080", "team-a"), None, 2.0, 30.0)
        self.assertNotIn("token", self.described())
        self.assertEqual(workers._store(self.described()).http.token, "pt2c_from_env")

    def test_the_descriptions_of_processes_that_are_gone_are_removed(self):
        gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                              capture_output=True, text=True).stdout.strip()
        left = os.path.join(tempfile.gettempdir(), "%s%s-x.json" % (workers.PREFIX, gone))
        mine = os.path.join(tempfile.gettempdir(), "%s%d-y.json" % (workers.PREFIX, os.getpid()))
        for path in (left, mine):
            with open(path, "w") as f:
                f.write("{}")
        try:
            workers.export(DirectoryEntries(self.root), None, 2.0, 30.0)
            self.assertFalse(os.path.exists(left), "a killed process's description")
            self.assertTrue(os.path.exists(mine), "a live process's")
        finally:
            for path in (left, mine):
                if os.path.exists(path):
                    os.unlink(path)

    @unittest.skipUnless(hasattr(os, "fork") and shutil.which("unshare"),
                         "needs flock and unshare")
    def test_a_live_writer_in_another_pid_namespace_keeps_its_description(self):
        # two containers sharing /tmp each number their processes from 1: a writer in the other
        # is alive with a process id that no process has here
        dead_here = [p for p in range(2, 500) if not workers._alive(p)]
        code = ("import os, sys, time\n"
                "sys.path.insert(0, %r)\n"
                "from pt2cache import workers\n"
                "from pt2cache.directory import DirectoryEntries\n"
                "wanted = set(map(int, sys.argv[1].split(',')))\n"
                "while True:\n"
                "    pid = os.fork()\n"
                "    if pid == 0 and os.getpid() in wanted:\n"
                "        workers.export(DirectoryEntries(sys.argv[2]), None, 2.0, 30.0)\n"
                "        print(os.environ[workers.ENV], os.getpid(), flush=True)\n"
                "        time.sleep(120)\n"
                "    if pid == 0:\n"
                "        os._exit(0)\n"
                "    os.waitpid(pid, 0)\n" % CLIENT)
        other = subprocess.Popen(["unshare", "-Urpf", sys.executable, "-c", code,
                                  ",".join(map(str, dead_here)), self.root],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                 start_new_session=True)
        try:
            line = other.stdout.readline().split()
            if not line:
                self.skipTest("no PID namespace here: %s" % other.stderr.read()[:200])
            path, pid = line[0], int(line[1])
            self.assertFalse(workers._alive(pid), "its process id means nothing here")
            an_hour_ago = os.stat(path).st_mtime - 3600  # a writer that has run for an hour
            os.utime(path, (an_hour_ago, an_hour_ago))

            workers.export(DirectoryEntries(self.root), None, 2.0, 30.0)  # sweeps
            self.assertTrue(os.path.exists(path), "a live writer's description was removed")
        finally:
            os.killpg(other.pid, signal.SIGKILL)
            other.wait()
            other.stdout.close()
            other.stderr.close()
        # the writer, a grandchild in the namespace, is killed with it, yet may still be ending
        # (its descriptors, and so its lock, go as it ends)
        for _ in range(100):
            if workers._abandoned(path):
                break
            time.sleep(0.1)
        workers.export(DirectoryEntries(self.root), None, 2.0, 30.0)
        self.assertFalse(os.path.exists(path), "a killed writer's description stays")

    def test_a_store_a_worker_cannot_rebuild_forgets_what_was_exported_before(self):
        workers.export(DirectoryEntries(self.root), None, 2.0, 30.0)
        earlier = os.environ[workers.ENV]
        with self.assertLogs("pt2cache", "INFO"):
            self.assertFalse(workers.export(object(), None, 2.0, 30.0))
        self.assertNotIn(workers.ENV, os.environ)
        self.assertFalse(os.path.exists(earlier))

    def test_a_hook_reached_twice_on_the_path_runs_once_and_the_real_sitecustomize_too(self):
        shadowed = tempfile.mkdtemp()
        with open(os.path.join(shadowed, "sitecustomize.py"), "w") as f:
            f.write("import builtins\nbuiltins.SHADOWED_RAN = getattr(builtins, 'SHADOWED_RAN', 0) + 1\n")
        link = os.path.join(tempfile.mkdtemp(), "pt2cache")
        os.symlink(os.path.dirname(workers.HOOK), link)
        workers.export(DirectoryEntries(self.root), None, 2.0, 30.0)
        sys.path[1:1] = [os.path.join(link, "_worker_hook"), shadowed]  # the hook, again, then
        started = self.worker("import builtins; print(builtins.SHADOWED_RAN)")
        self.assertEqual((started.returncode, started.stdout.strip()), (0, "1"), started.stderr)
        self.assertNotIn("Error in sitecustomize", started.stderr)

    def test_a_worker_starts_the_hook_and_the_sitecustomize_it_shadows(self):
        shadowed = tempfile.mkdtemp()
        with open(os.path.join(shadowed, "sitecustomize.py"), "w") as f:
            f.write("import builtins\nbuiltins.SHADOWED_RAN = True\n")
        workers.export(DirectoryEntries(self.root), None, 2.0, 30.0)
        started = self.worker("import builtins, sys; print(getattr(builtins, 'SHADOWED_RAN', "
                              "False), 'pt2cache.workers' in sys.modules)", shadowed)
        self.assertEqual(started.returncode, 0, started.stderr)
        self.assertEqual(started.stdout.split(), ["True", "True"])
        if not HAS_TORCH:  # it read the description and went on to route torch's caches
            self.assertIn("No module named 'torch'", started.stderr)
        else:
            self.assertEqual(started.stderr, "")

    def test_a_failing_sitecustomize_of_the_image_still_fails_as_its_own_and_the_hook_routes(self):
        shadowed = tempfile.mkdtemp()
        with open(os.path.join(shadowed, "sitecustomize.py"), "w") as f:
            f.write("raise RuntimeError('the image broke its own sitecustomize')\n")
        workers.export(DirectoryEntries(self.root), None, 2.0, 30.0)
        started = self.worker("import sys; print('pt2cache.workers' in sys.modules)", shadowed)
        self.assertEqual(started.returncode, 0, started.stderr)  # site.py goes on, as without us
        self.assertEqual(started.stdout.strip(), "True", started.stderr)
        self.assertIn("Error in sitecustomize", started.stderr)  # said as Python says it alone
        self.assertIn("the image broke its own sitecustomize", started.stderr)

    def test_an_interpreter_without_the_environment_is_left_alone(self):
        workers.export(DirectoryEntries(self.root), None, 2.0, 30.0)
        del os.environ[workers.ENV]
        started = self.worker("import sys; print('pt2cache.workers' in sys.modules)")
        self.assertEqual((started.returncode, started.stdout.strip()), (0, "False"),
                         started.stderr)

    @needs_torch
    def test_the_autotune_cache_a_worker_builds_writes_to_the_store(self):
        workers.export(DirectoryEntries(self.root), None, 2.0, 30.0)
        started = self.worker(
            "from torch._inductor.remote_cache import create_cache\n"
            "cache = create_cache('k', False, 'FbRemoteAutotuneCache', 'RemoteAutotuneCache')\n"
            "cache.put('pt2:k1::k2:c1', {'num_warps': 4})\n"
            "print(type(cache.backend).__name__)\n")
        self.assertEqual(started.returncode, 0, started.stderr)
        self.assertEqual(started.stdout.strip(), "ServiceBackend_autotune")
        store = DirectoryEntries(self.root)
        entries = list(store.entries())  # under the key as PyTorch's cache prefixes it
        self.assertEqual([kind for kind, _ in entries], ["autotune"])
        self.assertEqual(json.loads(store.get_entry(*entries[0]))["num_warps"], 4)


if __name__ == "__main__":
    unittest.main()
