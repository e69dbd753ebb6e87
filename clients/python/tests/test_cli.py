import hashlib
import io
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.parse
import uuid
from contextlib import redirect_stderr, redirect_stdout
from unittest import mock

from fake_service import FakeService, head, whole
from support import URL, descriptor, fresh_client, needs_service

import pt2cache
from pt2cache import CacheClient
from pt2cache.cli import main
from pt2cache.directory import DirectoryEntries

PACKAGE_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(pt2cache.__file__)))
OCTETS = "application/octet-stream"


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def run(*argv):
    """The exit status, stdout and stderr of ``python -m pt2cache ARGV``, run in this process."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            status = main(list(argv))
        except SystemExit as e:  # argparse's refusals
            status = e.code
    return status, out.getvalue(), err.getvalue()


def started(url, *argv, **popen):
    """``python -m pt2cache ARGV`` started against the service at ``url``."""
    env = dict(os.environ, PT2CACHE_URL=url, PYTHONPATH=PACKAGE_ROOT)
    return subprocess.Popen([sys.executable, "-m", "pt2cache", *argv], env=env, text=True,
                            stderr=subprocess.PIPE, **popen)


def wait_for(condition, seconds=10):
    end = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > end:
            raise AssertionError("not within %s s" % seconds)
        time.sleep(0.02)


class CliWithoutServiceTest(unittest.TestCase):

    def test_global_options_are_taken_after_the_subcommand_too(self):
        with FakeService(whole(200, {"items": []})) as fake:
            self.assertEqual(run("ls", "--url", fake.url, "--namespace", "vision")[0], 0)
            self.assertEqual(run("--namespace", "before", "--url", fake.url, "ls")[0], 0,
                             "one given before the subcommand is not overwritten by a default")
        self.assertTrue(fake.requests[0].startswith("GET /v1/namespaces/vision/artifacts?"))
        self.assertTrue(fake.requests[1].startswith("GET /v1/namespaces/before/artifacts?"))

    def test_a_timeout_or_limit_not_above_0_is_refused_before_anything_is_sent(self):
        for argv in (["ls", "--timeout", "0"], ["--timeout", "-1", "ls"], ["ls", "--limit", "0"],
                     ["ls", "--timeout", "inf"]):
            status, _, stderr = run(*argv)
            self.assertEqual(status, 2, argv)
            self.assertIn("must be a number above 0", stderr)

    def test_ls_says_when_more_match_than_its_limit(self):
        with FakeService(whole(200, {"items": [{"id": "a"}, {"id": "b"}, {"id": "c"}]})) as fake:
            status, stdout, stderr = run("ls", "--url", fake.url, "--limit", "2")
            self.assertEqual((status, [a["id"] for a in json.loads(stdout)]), (0, ["a", "b"]))
            self.assertIn("more artifacts match than the 2 listed; --limit N", stderr)
            status, stdout, stderr = run("ls", "--url", fake.url, "--limit", "3")
            self.assertEqual((status, len(json.loads(stdout)), stderr), (0, 3, ""))

    def test_a_failure_that_may_pass_later_exits_75_and_any_other_2(self):
        problem = {"type": "urn:pt2cache:problem:upload-in-flight", "status": 409,
                   "detail": "an upload of other content under this key is in flight and holds "
                             "the key for 9 s more"}
        blob = os.path.join(tempfile.mkdtemp(), "blob.bin")
        with open(blob, "wb") as f:
            f.write(b"bytes")
        with FakeService(whole(409, problem, "application/problem+json")) as fake:
            status, _, stderr = run("push", "--url", fake.url, "--kind", "fx-graph", "--key",
                                    "k1", blob)
        self.assertEqual(status, 75, stderr)
        self.assertIn("holds the key for 9 s more (HTTP 409) [upload-in-flight]", stderr)
        with FakeService(whole(409, dict(problem, type="urn:pt2cache:problem:key-conflict"),
                               "application/problem+json")) as fake:
            status, _, stderr = run("push", "--url", fake.url, "--kind", "fx-graph", "--key",
                                    "k1", blob)
        self.assertEqual(status, 2, "the key holds other content for good: " + stderr)
        with FakeService(whole(500, {"type": "urn:pt2cache:problem:internal-error"},
                               "application/problem+json")) as fake:
            status, _, stderr = run("ls", "--url", fake.url)
        self.assertEqual(status, 2, stderr)
        with socket.socket() as unused:
            unused.bind(("127.0.0.1", 0))
            closed = "http://127.0.0.1:%d" % unused.getsockname()[1]  # nothing listens there
        status, _, stderr = run("ls", "--url", closed, "--timeout", "1")
        self.assertEqual(status, 75, stderr)

    def test_invalidate_warns_when_nothing_matched_even_by_a_rule(self):
        # a blocking rule by a shortened version ("--torch 2.11" for nodes on 2.11.0+cu130) is
        # made, matches nothing and refuses none of the uploads it was meant for: said, too
        for answer, warned in (({"invalidated": 0, "blocking": False}, True),
                               ({"invalidated": 0, "blocking": True}, True),
                               ({"invalidated": 2, "blocking": False}, False),
                               ({"invalidated": 2, "blocking": True}, False)):
            with FakeService(whole(201, answer)) as fake:
                status, stdout, stderr = run("invalidate", "--url", fake.url, "--namespace",
                                             "visoin", "--torch", "2.11", "--reason", "r")
            self.assertEqual((status, json.loads(stdout)), (0, answer))
            self.assertEqual("namespace 'visoin'" in stderr, warned, stderr)
            self.assertEqual("compared exactly" in stderr, warned, stderr)
            self.assertEqual("the rule refuses only uploads that match it exactly" in stderr,
                             warned and answer["blocking"], stderr)

    def test_invalidate_and_ls_name_rocm_python_and_the_model_fingerprint(self):
        # an AMD fleet retires what one ROCm release built; an operator, one model fingerprint
        given = ("--rocm", "6.4.43482-0f2d60242", "--python", "3.12.3", "--model-fingerprint",
                 "sha256:ab", "--torch", "2.7.0+rocm6.4")
        with FakeService(whole(201, {"invalidated": 1, "blocking": True})) as fake:
            status, _, stderr = run("invalidate", "--url", fake.url, *given, "--block",
                                    "--reason", "r")
        self.assertEqual(status, 0, stderr)
        self.assertEqual(json.loads(fake.bodies[0])["selector"],
                         {"rocm": "6.4.43482-0f2d60242", "python": "3.12.3",
                          "modelFingerprint": "sha256:ab", "torch": "2.7.0+rocm6.4"})
        with FakeService(whole(200, {"items": []})) as fake:
            status, _, stderr = run("ls", "--url", fake.url, *given)
        self.assertEqual(status, 0, stderr)
        listed = urllib.parse.parse_qs(urllib.parse.urlsplit(fake.requests[0].split()[1]).query)
        self.assertEqual({name: listed[name] for name in ("rocm", "python", "modelFingerprint")},
                         {"rocm": ["6.4.43482-0f2d60242"], "python": ["3.12.3"],
                          "modelFingerprint": ["sha256:ab"]})

    def test_an_expiry_without_block_is_refused_before_anything_is_sent(self):
        with FakeService(whole(201, {"invalidated": 0})) as fake:
            status, _, stderr = run("invalidate", "--url", fake.url, "--torch", "2.5.0",
                                    "--expires-at", "2030-01-01T00:00:00Z", "--reason", "r")
        self.assertEqual((status, fake.requests), (2, []))
        self.assertIn("give --block too", stderr)

    def test_pull_refuses_a_directory_or_no_source_before_asking_the_service(self):
        directory = tempfile.mkdtemp()
        with FakeService(whole(200, {})) as fake:
            status, _, stderr = run("pull", "--url", fake.url, "--id", "a", "-o", directory)
            self.assertEqual(status, 2)
            self.assertIn("is a directory: name the file to write", stderr)
            status, _, stderr = run("pull", "--url", fake.url, "-o",
                                    os.path.join(directory, "out"))
            self.assertEqual(status, 2)
            self.assertIn("give --id, --key (with --kind), --descriptor or --model", stderr)
        self.assertEqual(fake.requests, [], "nothing was downloaded, nor counted as a hit")
        self.assertEqual(os.listdir(directory), [])

    def test_seed_names_each_entry_it_could_not_send_and_sends_the_others(self):
        root = tempfile.mkdtemp()
        store = DirectoryEntries(root)
        store.put_entry("fx-graph", "pt2:fx-graph-v1::faaa:c1", b"good")
        store.put_entry("fx-graph", "pt2:fx-graph-v1::fbbb:c1", b"x", descriptor={"modle": {}})
        store.put_entry("notes", "todo", b"a stray directory")
        os.mkdir(os.path.join(root, "fx-graph", "pt2:fx-graph-v1::fccc:c1"))
        for stray in (".pt2cache-k3j2", "my notes.txt"):  # a killed download's, and a stray
            open(os.path.join(root, "fx-graph", stray), "wb").close()

        def answer(connection, n):
            refused = "/entries/notes/" in fake.requests[n - 1]
            whole(400 if refused else 201, {"detail": "unknown kind notes"} if refused else {})(
                connection, n)

        with FakeService(answer) as fake:
            status, stdout, stderr = run("seed", "--url", fake.url, root)
        self.assertEqual(status, 1, stderr)
        summary = json.loads(stdout)
        self.assertEqual((summary["entries"], summary["failed"]), (1, 4))
        for named in ("fbbb:c1: unknown field descriptor.modle", "notes/todo: unknown kind notes",
                      "fccc:c1: [Errno 21]", "fx-graph/my notes.txt: not an entry"):
            self.assertIn(named, stderr)
        self.assertEqual(len(stderr.splitlines()), 4, stderr)
        self.assertEqual(len(fake.requests), 2, "the good entry and the stray directory's")
        self.assertTrue(all("k3j2" not in line for line in fake.requests))

    def test_seed_keeps_the_first_writers_bytes_but_names_what_a_rule_refused(self):
        root = tempfile.mkdtemp()
        store = DirectoryEntries(root)
        store.put_entry("fx-graph", "pt2:fx-graph-v1::fkept:c1", b"other bytes")
        store.put_entry("fx-graph", "pt2:fx-graph-v1::fblocked:c1", b"blocked")
        problem = "application/problem+json"

        def answer(connection, n):
            kept = "fkept" in fake.requests[n - 1]
            whole(409, {"type": "urn:pt2cache:problem:" + ("key-conflict" if kept
                                                            else "blocked-by-rule"),
                        "detail": "other bytes" if kept else "a rule refuses it"},
                  problem)(connection, n)

        with FakeService(answer) as fake:
            status, stdout, stderr = run("seed", "--url", fake.url, root)
        summary = json.loads(stdout)
        self.assertEqual((summary["conflicts"], summary["failed"]), (1, 1))
        self.assertEqual(status, 1)
        self.assertIn("fblocked:c1", stderr)
        self.assertIn("[blocked-by-rule]", stderr)
        self.assertNotIn("fkept", stderr)

    def test_seed_refuses_a_directory_that_is_not_there(self):
        status, stdout, stderr = run("seed", "--url", "http://127.0.0.1:9", "/nonexistent/mirror")
        self.assertEqual((status, stdout), (2, ""))
        self.assertIn("/nonexistent/mirror is not a directory", stderr)

    def test_mirror_streams_each_entry_to_its_file_with_its_descriptor(self):
        root = os.path.join(tempfile.mkdtemp(), "mirror")
        graph = os.urandom(3000)
        listed = [{"key": "pt2:fx-graph-v1::faaa:c1", "descriptor": descriptor("m")},
                  {"key": "pt2:fx-graph-v1::fbbb:c1"}, {"key": "pt2:fx-graph-v1::fccc:c1"}]

        def answer(connection, n):
            line = fake.requests[n - 1]
            if "/artifacts?" in line:
                whole(200, {"items": listed})(connection, n)
            elif "faaa" in line:
                whole(200, graph, OCTETS, {"ETag": '"%s"' % sha256(graph)})(connection, n)
            elif "fbbb" in line:  # retired since it was listed
                whole(404, {"type": "urn:pt2cache:problem:artifact-not-found"})(connection, n)
            else:  # bytes that are not what the service tagged: not kept
                whole(200, b"forged", OCTETS, {"ETag": '"%s"' % sha256(b"other")})(connection, n)

        with FakeService(answer) as fake, mock.patch.object(
                CacheClient, "get_entry", side_effect=AssertionError("an entry read whole")):
            status, _, stderr = run("mirror", "--url", fake.url, "--kind", "fx-graph", root)
        self.assertEqual(status, 2)
        self.assertIn("expected 6 bytes with %s" % sha256(b"other"), stderr)
        store = DirectoryEntries(root)
        self.assertEqual(store.get_entry("fx-graph", "pt2:fx-graph-v1::faaa:c1"), graph)
        self.assertEqual(store.descriptor("fx-graph", "pt2:fx-graph-v1::faaa:c1"), descriptor("m"))
        self.assertEqual(os.listdir(os.path.join(root, "fx-graph")), ["pt2:fx-graph-v1::faaa:c1"],
                         "no download's file is left behind")

    def test_an_adopted_download_does_not_replace_an_entry_written_first(self):
        store = DirectoryEntries(tempfile.mkdtemp())
        store.put_entry("fx-graph", "k", b"first")
        incoming = store.incoming_path("fx-graph")
        with open(incoming, "wb") as f:
            f.write(b"second")
        self.assertFalse(store.adopt_entry("fx-graph", "k", incoming, descriptor=descriptor("m")))
        self.assertEqual(store.get_entry("fx-graph", "k"), b"first")
        self.assertIsNone(store.descriptor("fx-graph", "k"), "only the writer writes it")
        self.assertEqual(list(store.entries()), [("fx-graph", "k")])
        self.assertFalse(os.path.exists(incoming))

    def test_a_mirror_into_a_directory_holding_entries_copies_the_rest_and_succeeds(self):
        root = tempfile.mkdtemp()
        DirectoryEntries(root).put_entry("fx-graph", "pt2:fx-graph-v1::faaa:c1", b"held")
        graph = os.urandom(300)
        listed = [{"key": "pt2:fx-graph-v1::faaa:c1"}, {"key": "pt2:fx-graph-v1::fbbb:c1"}]

        def answer(connection, n):
            if "/artifacts?" in fake.requests[n - 1]:
                whole(200, {"items": listed})(connection, n)
            else:
                whole(200, graph, OCTETS, {"ETag": '"%s"' % sha256(graph)})(connection, n)

        with FakeService(answer) as fake:
            status, stdout, stderr = run("mirror", "--url", fake.url, "--kind", "fx-graph", root)
        self.assertEqual((status, stderr), (0, ""))
        self.assertEqual((json.loads(stdout)["entries"], json.loads(stdout)["alreadyPresent"]),
                         (1, 1))
        self.assertEqual(DirectoryEntries(root).get_entry("fx-graph", "pt2:fx-graph-v1::fbbb:c1"),
                         graph)

    def test_a_mirror_of_an_empty_namespace_is_an_empty_directory_that_seeds_nothing(self):
        root = os.path.join(tempfile.mkdtemp(), "entries")
        with FakeService(whole(200, {"items": []})) as fake:
            status, stdout, stderr = run("mirror", "--url", fake.url, root)
            self.assertEqual((status, json.loads(stdout)["entries"], stderr), (0, 0, ""))
            self.assertTrue(os.path.isdir(root), "seed refuses a directory that is not there")
            requests_before_seed = len(fake.requests)
            status, stdout, stderr = run("seed", "--url", fake.url, root)
        self.assertEqual((status, stderr), (0, ""))
        self.assertEqual((json.loads(stdout)["entries"], json.loads(stdout)["failed"]), (0, 0))
        self.assertEqual(len(fake.requests), requests_before_seed, "nothing to send")

    def test_mirror_refuses_a_file_before_fetching_anything(self):
        with tempfile.NamedTemporaryFile() as f, FakeService(whole(200, {"items": []})) as fake:
            status, _, stderr = run("mirror", "--url", fake.url, f.name)
        self.assertEqual((status, fake.requests), (2, []))
        self.assertIn("is a file, not a directory", stderr)

    def test_ctrl_c_says_interrupted_without_a_traceback(self):
        released = threading.Event()
        with FakeService(lambda connection, _: released.wait(10)) as fake:
            # started with SIGINT at its default: a shell that runs the suite in the background
            # starts it ignored, the child inherits that, and Python then installs no handler
            process = started(fake.url, "ls", stdout=subprocess.DEVNULL,
                              preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
            try:
                wait_for(lambda: fake.requests)
                process.send_signal(signal.SIGINT)
                _, stderr = process.communicate(timeout=30)
            finally:
                released.set()
        self.assertEqual(process.returncode, 130)
        self.assertEqual(stderr, "pt2cache: interrupted\n")

    def test_sigterm_mid_download_leaves_no_partial_file_and_says_terminated(self):
        # what ``timeout 60 python -m pt2cache pull ...``, a CI job's limit or a pod's stop sends
        size = 4 * 1024 * 1024
        artifact = {"id": "a1", "sha256": "0" * 64, "sizeBytes": size, "state": "ready"}
        released = threading.Event()

        def answer(connection, n):
            if n == 1:
                whole(200, artifact)(connection, n)
            else:  # a third of the content, then nothing until the test ends
                connection.sendall(head(200, size, OCTETS) + b"x" * (size // 3))
                released.wait(10)

        directory = tempfile.mkdtemp()
        with FakeService(answer) as fake:
            process = started(fake.url, "pull", "--id", "a1", "-o",
                              os.path.join(directory, "out.bin"), stdout=subprocess.DEVNULL)
            try:
                wait_for(lambda: any(os.path.getsize(os.path.join(directory, name))
                                     for name in os.listdir(directory)))
                process.send_signal(signal.SIGTERM)
                _, stderr = process.communicate(timeout=30)
            finally:
                released.set()
                process.kill()
        self.assertEqual(os.listdir(directory), [])
        self.assertEqual(process.returncode, 143)
        self.assertEqual(stderr, "pt2cache: terminated\n")

    def test_a_reader_that_goes_away_ends_it_quietly(self):
        closed = threading.Event()

        def answer(connection, n):
            closed.wait(10)  # the reader is gone before the answer comes
            whole(200, {"items": [{"id": str(i)} for i in range(1000)]})(connection, n)

        with FakeService(answer) as fake:
            process = started(fake.url, "ls", "--limit", "1000", stdout=subprocess.PIPE)
            process.stdout.close()  # ``| head -0``
            closed.set()
            with process.stderr:
                stderr = process.stderr.read()
            process.wait(10)
        self.assertEqual((process.returncode, stderr), (141, ""))


@needs_service
class CliTest(unittest.TestCase):

    def setUp(self):
        self.client = fresh_client()
        self.directory = tempfile.mkdtemp()

    def cli(self, *args, expect=0):
        env = dict(os.environ, PT2CACHE_URL=URL, PT2CACHE_NAMESPACE=self.client.namespace)
        out = subprocess.run([sys.executable, "-m", "pt2cache", *args], env=env,
                             capture_output=True, text=True)
        self.assertEqual(out.returncode, expect, out.stderr)
        return json.loads(out.stdout) if expect == 0 and out.stdout.strip() else out.stderr

    def test_push_lookup_pull_ls_invalidate(self):
        model = "cli-" + uuid.uuid4().hex[:6]
        desc = os.path.join(self.directory, "descriptor.json")
        with open(desc, "w") as f:
            json.dump(descriptor(model), f)
        blob = os.path.join(self.directory, "blob.bin")
        with open(blob, "wb") as f:
            f.write(os.urandom(4096))

        pushed = self.cli("push", blob, "--descriptor", desc)
        self.assertEqual(pushed["state"], "ready")
        self.assertTrue(self.cli("lookup", "--descriptor", desc)["hit"])
        pulled = self.cli("pull", "--descriptor", desc, "-o", os.path.join(self.directory, "o"))
        with open(pulled["path"], "rb") as a, open(blob, "rb") as b:
            self.assertEqual(a.read(), b.read())
        self.assertEqual([a["id"] for a in self.cli("ls", "--model-name", model)], [pushed["id"]])
        self.assertEqual(self.cli("ls", "--reported"), [])
        reported = self.cli("report", pushed["id"], "--problem", "wrong-output", "--detail",
                            "max abs diff 0.7", "--node", "n1")
        self.assertEqual(reported["reportCount"], 1)
        self.assertEqual([a["id"] for a in self.cli("ls", "--reported")], [pushed["id"]])
        self.assertEqual(self.cli("reports", pushed["id"])["items"][0]["detail"],
                         "max abs diff 0.7")
        self.assertEqual(self.cli("reports", pushed["id"], "--clear")["reportCount"], 0)
        self.assertEqual(self.cli("ls", "--reported"), [])
        self.assertEqual(self.cli("invalidate", "--model-name", model, "--reason", "r")
                         ["invalidated"], 1)
        self.assertIn("miss", self.cli("pull", "--descriptor", desc, "-o", "x", expect=2))

    def test_mirror_and_seed_carry_entries_and_their_descriptors_between_namespaces(self):
        model = "mirrored-" + uuid.uuid4().hex[:6]
        self.client.put_entry("fx-graph", "pt2:fx-graph-v1::fabc:c1", b"graph",
                              descriptor=descriptor(model))
        self.client.put_entry("autotune", "pt2:autotune-v1::0123:c1", b"config")
        self.client.put_entry("fx-graph", "pt2:fx-graph-v1::fdef:c1", b"damaged",
                              descriptor=descriptor(model))
        mirror = os.path.join(self.directory, "mirror")
        self.assertEqual(self.cli("mirror", mirror)["entries"], 3)
        again = self.cli("mirror", mirror)
        self.assertEqual((again["entries"], again["alreadyPresent"]), (0, 3),
                         "what the directory holds is not read (and counted as a hit) again")
        damaged = os.path.join(mirror, ".descriptors", "fx-graph", "pt2:fx-graph-v1::fdef:c1.json")
        with open(damaged, "wb") as f:
            f.write(b'{"model": {"name"')
        mode = os.stat(os.path.join(mirror, "autotune", "pt2:autotune-v1::0123:c1")).st_mode
        self.assertTrue(mode & 0o044, "readable by the user who serves the directory")

        other = fresh_client()
        env = dict(os.environ, PT2CACHE_URL=URL, PT2CACHE_NAMESPACE=other.namespace)
        seeded = subprocess.run([sys.executable, "-m", "pt2cache", "seed", mirror], env=env,
                                capture_output=True, text=True)
        self.assertEqual(seeded.returncode, 1, "an entry was not seeded")
        summary = json.loads(seeded.stdout)
        self.assertEqual((summary["entries"], summary["failed"], summary["unreadableDescriptors"]),
                         (2, 1, 1))
        self.assertIn("fdef", seeded.stderr)
        self.assertIsNone(other.get_entry("fx-graph", "pt2:fx-graph-v1::fdef:c1"),
                          "sent without its descriptor, it would escape the invalidation below")
        self.assertEqual(other.get_entry("fx-graph", "pt2:fx-graph-v1::fabc:c1"), b"graph")
        retired = other.invalidate({"modelName": model}, "the mirror kept the descriptor")
        self.assertEqual(retired["invalidated"], 1)
        self.assertIsNone(other.get_entry("fx-graph", "pt2:fx-graph-v1::fabc:c1"))
        self.assertEqual(other.get_entry("autotune", "pt2:autotune-v1::0123:c1"), b"config")

    def test_errors_name_the_problem_type(self):
        stderr = self.cli("pull", "--id", str(uuid.uuid4()), "-o", "x", expect=2)
        self.assertIn("artifact-not-found", stderr)
        stderr = self.cli("invalidate", "--tag", "no-colon", "--reason", "r", expect=2)
        self.assertIn("--tag takes name:value", stderr)
        # an unset variable is refused, never dropped: dropped, these would reach every model,
        # and block forever
        self.cli("invalidate", "--model-name", "", "--torch", "2.5.0", "--reason", "r", expect=2)
        self.cli("invalidate", "--torch", "2.5.0", "--block", "--expires-at", "", "--reason", "r",
                 expect=2)
        self.assertEqual(self.client.http.request(
            "GET", self.client._ns("/invalidations")).json()["items"], [])


if __name__ == "__main__":
    unittest.main()
