import contextlib
import errno
import json
import logging
import os
import signal
import subprocess
import sys
import tempfile
import threading
import types
import unittest
import warnings
from unittest import mock

from pt2cache.directory import DirectoryEntries
from pt2cache.remote import service_key

from support import HAS_TORCH, descriptor, fresh_client, needs_service, needs_torch


class ServiceKeyTest(unittest.TestCase):

    def test_pytorch_keys_pass_as_they_are(self):
        key = "pt2:fx-graph-v1::fkhx5v3sd2q7ylwj3ambdfujs6o5kn7ivmcjdjoe2wpaqbtyeq3c:c1"
        self.assertEqual(service_key(key), key)

    def test_other_keys_become_their_digest(self):
        for key in ("pt2:pgo::/home/a b/model.py:c1", "k" * 300, "a..b", "-x", "pt2:k\n"):
            mapped = service_key(key)
            self.assertRegex(mapped, r"^sha256-[0-9a-f]{64}$")
            self.assertEqual(mapped, service_key(key), "stable")


class DirectoryEntriesTest(unittest.TestCase):

    def test_first_writer_wins_and_entries_are_listed(self):
        store = DirectoryEntries(tempfile.mkdtemp())
        store.put_entry("autotune", "k1", b"first")
        store.put_entry("autotune", "k1", b"second")
        self.assertEqual(store.get_entry("autotune", "k1"), b"first")
        self.assertIsNone(store.get_entry("fx-graph", "k1"))
        self.assertEqual(list(store.entries()), [("autotune", "k1")])


    def test_a_key_that_begins_with_tmp_is_an_entry_and_temporary_files_are_not(self):
        root = tempfile.mkdtemp()
        store = DirectoryEntries(root)
        store.put_entry("autotune", "tmp-kernel-1", b"{}")
        os.makedirs(os.path.join(root, "fx-graph"))
        for leftover in ("tmpqc3y99xz", ".pt2cache-entry-abc"):  # an earlier client's, this one's
            with open(os.path.join(root, "fx-graph", leftover), "wb") as f:
                f.write(b"{partial")
        self.assertEqual(list(store.entries()), [("autotune", "tmp-kernel-1")],
                         "a key beginning with tmp was never listed, so never seeded")

    def test_a_writer_killed_mid_write_leaves_a_file_the_next_writer_removes_once_stale(self):
        import time

        root = tempfile.mkdtemp()
        child = subprocess.Popen(
            [sys.executable, "-c", "import sys; from pt2cache.directory import DirectoryEntries; "
             "print(flush=True); DirectoryEntries(sys.argv[1]).put_entry('fx-graph', 'big', "
             "b'x' * (1 << 30))", root], stdout=subprocess.PIPE,
            env=dict(os.environ, PYTHONPATH=os.path.dirname(os.path.dirname(
                os.path.abspath(__file__)))))
        child.stdout.readline()
        directory = os.path.join(root, "fx-graph")
        while not os.path.isdir(directory) or not os.listdir(directory):
            time.sleep(0.01)
        child.kill()
        child.wait()
        child.stdout.close()
        left = os.listdir(directory)
        self.assertEqual(len(left), 1)
        self.assertTrue(left[0].startswith("."), "a hidden name, never read as an entry: %s" % left)
        with open(os.path.join(directory, ".pt2cache-entry-in-flight"), "wb") as f:
            f.write(b"another process writing now")
        day_old = time.time() - 2 * 24 * 3600
        os.utime(os.path.join(directory, left[0]), (day_old, day_old))
        store = DirectoryEntries(root)
        store.put_entry("fx-graph", "k", b"{}")
        self.assertEqual(sorted(os.listdir(directory)), [".pt2cache-entry-in-flight", "k"])
        self.assertEqual(list(store.entries()), [("fx-graph", "k")])

    def test_first_writer_wins_between_processes_and_keeps_its_own_descriptor(self):
        import multiprocessing

        root = tempfile.mkdtemp()
        context = multiprocessing.get_context("fork")
        start = context.Barrier(2)
        writers = [context.Process(target=_write_keys, args=(root, name, start))
                   for name in ("a", "b")]
        for writer in writers:
            writer.start()
        for writer in writers:
            writer.join(60)
        store = DirectoryEntries(root)
        mismatched = [key for key in range(RACED_KEYS)
                      if store.descriptor("fx-graph", "k%d" % key)["model"]["name"]
                      != store.get_entry("fx-graph", "k%d" % key).decode()]
        self.assertEqual(mismatched, [], "entries stored under the other writer's descriptor")
        self.assertEqual(len(list(store.entries())), RACED_KEYS)


def FakeServiceThatHangs(held):
    """A service that reads each request and never answers it, until ``held`` is set."""
    from fake_service import FakeService

    return FakeService(lambda connection, n: held.wait(30))


class UnreadableDirectoryTest(unittest.TestCase):
    """A directory store whose root cannot be read fails every read alike: a miss each, said as a
    warning once, not once per entry a compile asks for."""

    def test_a_root_that_is_a_file_warns_once_for_many_reads(self):
        from pt2cache import directory

        getattr(directory, "_UNREADABLE_WARNED", set()).clear()  # warned by an earlier test
        fd, root = tempfile.mkstemp()  # a file where the directory should be: ENOTDIR
        os.close(fd)
        store = DirectoryEntries(root)
        with self.assertLogs("pt2cache", "INFO") as logged:
            for key in ("a", "b", "c"):
                self.assertIsNone(store.get_entry("fx-graph", key))
        warnings_ = [r.getMessage() for r in logged.records if r.levelno >= logging.WARNING]
        self.assertEqual(len(warnings_), 1, warnings_)
        self.assertIn("ENOTDIR", warnings_[0])
        self.assertEqual(len(logged.records), 3, "each read still said, at INFO after the first")


class BusyWritesTest(unittest.TestCase):
    """A fleet that compiles at once sends its entries together, and the service queues them for
    its store's upload permits (PT2CACHE_S3_MAX_CONCURRENT_PUTS, up to PT2CACHE_S3_CONNECTION_WAIT,
    10 s) while it still serves
    reads, which take no permit. Measured with 32 nodes and 2 permits: every node's first write
    ran out of its 2 s, and every node turned its reads off too, so none of 256 reads of entries
    stored before the deploy hit."""

    ENTRY = b'{"graph": 1}'

    def _service(self, held):
        import hashlib

        from fake_service import head

        digest = hashlib.sha256(self.ENTRY).hexdigest()

        def answer(connection, n):
            if service.requests[n - 1].startswith("PUT"):
                held.wait(30)  # an upload queued for a permit: no answer within the deadline
                return
            connection.sendall(head(200, len(self.ENTRY), "application/octet-stream",
                                    {"ETag": '"%s"' % digest}) + self.ENTRY)

        from fake_service import FakeService

        service = FakeService(answer)
        return service

    def test_writes_that_time_out_leave_reads_on(self):
        from pt2cache import CacheClient
        from pt2cache.remote import Breaker, backend_class

        held = threading.Event()
        with self._service(held) as service, _torch_remote_cache():
            breaker = Breaker(cooldown=60)
            backend = backend_class(CacheClient(service.url, "ns"), "fx-graph", 0.5, breaker)()
            try:
                with self.assertLogs("pt2cache", "WARNING") as logged:
                    backend.put("new", b'{"graph": 2}')
                # another test's warm start may still be uploading in the background and log
                self.assertTrue(any("writes off" in line for line in logged.output), logged.output)
                self.assertEqual(backend.get("stored"), self.ENTRY, "reads go on")
                backend.put("newer", b'{"graph": 3}')
                self.assertEqual([line.split()[0] for line in service.requests],
                                 ["PUT", "GET"], "the next write waited for nothing")
            finally:
                held.set()

    def test_a_service_that_hangs_costs_one_write_and_one_read_per_cooldown(self):
        """ADR 0037's bound: a write that times out leaves reads on, so a service that accepts
        connections and never answers costs a read's timeout more per cooldown, and no more: the
        next read turns everything off, writes included."""
        from pt2cache import CacheClient
        from pt2cache.remote import Breaker, backend_class

        held = threading.Event()
        with FakeServiceThatHangs(held) as service, _torch_remote_cache():
            breaker = Breaker(cooldown=60)
            backend = backend_class(CacheClient(service.url, "ns"), "fx-graph", 0.3, breaker)()
            try:
                with self.assertLogs("pt2cache", "WARNING"):
                    for n in range(10):  # a compile's writes and reads, a write first
                        backend.put("new-%d" % n, b'{"graph": 2}')
                        self.assertIsNone(backend.get("stored-%d" % n))
                self.assertEqual([line.split()[0] for line in service.requests], ["PUT", "GET"],
                                 "one write and one read waited out their timeout, no more")
            finally:
                held.set()

    def test_slow_writes_leave_reads_on(self):
        from pt2cache.remote import Breaker

        breaker = Breaker(cooldown=30)
        with self.assertLogs("pt2cache", "WARNING"):
            for _ in range(3):
                breaker.took(1.5, 2.0, write=True)
        self.assertTrue(breaker.closed(), "reads go on")
        self.assertFalse(breaker.writes_closed(), "writes are off for the cooldown")


class SlowCallsTest(unittest.TestCase):

    def test_calls_that_each_take_over_half_their_timeout_trip_it(self):
        from pt2cache.remote import Breaker

        breaker = Breaker(cooldown=30)
        breaker.took(1.5, 2.0)
        breaker.took(1.5, 2.0)
        breaker.took(0.1, 2.0)  # a quick one in between: the count starts again
        breaker.took(1.5, 2.0)
        breaker.took(1.5, 2.0)
        self.assertTrue(breaker.closed())
        with self.assertLogs("pt2cache", "WARNING") as logs:
            breaker.took(1.5, 2.0)
        self.assertFalse(breaker.closed(), "the remote caches are off for the cooldown")
        self.assertIn("3 calls in a row took over 1.0 s", logs.output[0])

    def test_answers_cut_short_after_most_of_their_timeout_trip_it_as_slow_ones_do(self):
        """A service (or a proxy before it) that answers each entry slowly and cuts it short:
        each read is a miss that cost over half its timeout. Counted as slow, as a whole answer
        that slow is, or every graph of the compile waits that long, for good."""
        from pt2cache.errors import IncompleteAnswer
        from pt2cache.remote import Breaker, backend_class

        class CutAfterAWhile:
            reads = 0

            def get_entry(self, kind, key, timeout=None, retries=None, deadline=None):
                CutAfterAWhile.reads += 1
                import time
                time.sleep(0.15)  # over half the 0.2 s timeout
                raise IncompleteAnswer("GET entry: the connection closed after 10 bytes")

            def put_entry(self, *args, **kwargs):
                pass

        breaker = Breaker(cooldown=60)
        with _torch_remote_cache():
            backend = backend_class(CutAfterAWhile(), "fx-graph", 0.2, breaker)()
            with self.assertLogs("pt2cache", "WARNING"):
                for n in range(5):
                    self.assertIsNone(backend.get("k%d" % n))
        self.assertFalse(breaker.closed(), "the remote caches are off for the cooldown")
        self.assertEqual(CutAfterAWhile.reads, Breaker.SLOW_CALLS,
                         "the reads after the third slow one waited for nothing")


class RewrittenEntryTest(unittest.TestCase):
    """Something between the node and the service (a proxy) hands over an entry whole in length
    under the service's digest, with other bytes: that entry misses, with one warning naming it,
    and the node reads the other entries on, as for an answer cut short (docs/adr/0028). Before,
    the mismatch was taken for an unreachable service: every read missed for the cooldown."""

    def test_an_entry_whose_bytes_do_not_match_its_digest_misses_alone(self):
        import hashlib

        from fake_service import KeepAliveService, reply
        from pt2cache import CacheClient, remote
        from pt2cache.remote import Breaker, backend_class

        stored = b'{"graph": "stored"}'
        rewritten = stored.replace(b"stored", b"STORED")
        good = b'{"graph": "good"}'

        def answer(handler, n):
            if "rewritten" in handler.path:  # the stored entry's digest, other bytes, same length
                reply(handler, 200, rewritten, {"ETag": '"%s"' % hashlib.sha256(stored).hexdigest()},
                      "application/octet-stream")
            else:
                reply(handler, 200, good, {"ETag": '"%s"' % hashlib.sha256(good).hexdigest()},
                      "application/octet-stream")

        remote._warned.clear()
        breaker = Breaker(cooldown=60)
        with KeepAliveService(answer) as service, _torch_remote_cache():
            backend = backend_class(CacheClient(service.url, "ns"), "fx-graph", 5.0, breaker)()
            with self.assertLogs("pt2cache", "WARNING") as logged:
                self.assertIsNone(backend.get("k-rewritten"))
                self.assertEqual(backend.get("k-good"), good, "the next entry is read")
        warned = [r.getMessage() for r in logged.records if r.levelno >= logging.WARNING]
        self.assertEqual(len(warned), 1, warned)
        self.assertIn("k-rewritten", warned[0])
        self.assertIn("does not match its digest", warned[0])
        self.assertTrue(breaker.closed(), "the remote caches stay on")

    @staticmethod
    def _rewriting(rewritten_keys, puts):
        """A service behind a proxy that rewrites the body of each entry whose key
        ``rewritten_keys`` takes (same length, the stored bytes' digest); other keys are good, a
        key ending in "-absent" is a miss, and each write is taken (counted in ``puts``)."""
        import hashlib

        from fake_service import reply

        def answer(handler, n):
            key = handler.path.rsplit("/", 1)[-1]
            if handler.command == "PUT":
                puts.append(key)
                reply(handler, 201, {"key": key})
            elif key.endswith("-absent"):
                reply(handler, 404, {"type": "urn:pt2cache:problem:artifact-not-found"},
                      content_type="application/problem+json")
            else:
                stored = b'{"graph": "%s"}' % key.encode()
                body = stored.upper() if rewritten_keys(key) else stored
                reply(handler, 200, body,
                      {"ETag": '"%s"' % hashlib.sha256(stored).hexdigest()},
                      "application/octet-stream")

        return answer

    def test_a_proxy_that_rewrites_every_entry_turns_reads_off_with_one_line(self):
        """A compile of 200 entry reads, then their writes, behind a proxy that rewrites every
        body, one read in four a miss. Before: 150 warnings (one per entry read), each entry
        downloaded whole and missed. Now: the first mismatch warns, and
        ``Breaker.MISMATCHES`` in a row with no good entry between them turn reads off for the
        cooldown with one line naming the likely cause; writes go on."""
        from fake_service import KeepAliveService
        from pt2cache import CacheClient, remote
        from pt2cache.remote import Breaker, backend_class

        remote._warned.clear()
        puts = []
        breaker = Breaker(cooldown=60)
        with KeepAliveService(self._rewriting(lambda key: True, puts)) as service, \
                _torch_remote_cache():
            backend = backend_class(CacheClient(service.url, "ns"), "fx-graph", 5.0, breaker)()
            with self.assertLogs("pt2cache", "INFO") as logged:
                keys = ["k%d%s" % (n, "-absent" if n % 4 == 3 else "") for n in range(200)]
                for key in keys:
                    self.assertIsNone(backend.get(key))
                for key in keys:
                    backend.put(key, b'{"graph": "compiled"}')
            reads = [r for r in service.requests if r.startswith("GET")]
        warned = [r.getMessage() for r in logged.records if r.levelno >= logging.WARNING]
        self.assertEqual(len(warned), 2, warned[:3])
        self.assertIn("does not match its digest", warned[0])
        self.assertIn("rewrites", warned[1])
        self.assertIn("reads off for 60 s", warned[1])
        downloaded = Breaker.MISMATCHES + (Breaker.MISMATCHES - 1) // 3  # and the misses between
        self.assertEqual(len(reads), downloaded, "entries downloaded before reads went off")
        self.assertFalse(breaker.reads_closed(), "reads are off for the cooldown")
        self.assertTrue(breaker.writes_closed(), "writes go on")
        self.assertEqual(len(puts), 200, "every write reached the service")

    def test_damaged_entries_among_good_ones_each_miss_alone(self):
        """A damaged entry now and then (one in four, and runs one short of
        ``Breaker.MISMATCHES``) never turns reads off: each is its own miss, the good ones
        between are read, and the warning is said once per kind (later ones at INFO)."""
        from fake_service import KeepAliveService
        from pt2cache import CacheClient, remote
        from pt2cache.remote import Breaker, backend_class

        remote._warned.clear()
        run = Breaker.MISMATCHES - 1  # damaged ones in a row, then a good one
        damaged = lambda key: int(key.split("-")[1]) % (run + 1) != run  # noqa: E731
        breaker = Breaker(cooldown=60)
        with KeepAliveService(self._rewriting(damaged, [])) as service, _torch_remote_cache():
            backend = backend_class(CacheClient(service.url, "ns"), "fx-graph", 5.0, breaker)()
            with self.assertLogs("pt2cache", "INFO") as logged:
                got = [backend.get("k-%d" % n) for n in range(200)]
            reads = [r for r in service.requests if r.startswith("GET")]
        self.assertEqual(len(reads), 200, "every entry was asked for")
        self.assertEqual(sum(data is not None for data in got), 200 // (run + 1))
        warned = [r.getMessage() for r in logged.records if r.levelno >= logging.WARNING]
        self.assertEqual(len(warned), 1, warned[:3])
        self.assertTrue(breaker.reads_closed(), "reads stay on")
        self.assertIn("k-0", warned[0])
        later = [r.getMessage() for r in logged.records if r.levelno == logging.INFO]
        self.assertEqual(len(later), 200 - 200 // (run + 1) - 1, later[:3])


RACED_KEYS = 300


def _write_keys(root, name, start):
    store = DirectoryEntries(root)
    start.wait()
    for key in range(RACED_KEYS):
        store.put_entry("fx-graph", "k%d" % key, name.encode(),
                        descriptor={"model": {"name": name, "version": "1"}})


class UndecodableEntryTest(unittest.TestCase):
    """An entry that is not what PyTorch stores is a miss, not a failed compile: torch 2.11 decodes
    autotune entries where a failure is not caught."""

    def test_an_entry_pytorch_cannot_decode_is_a_miss(self):
        from pt2cache.remote import backend_class

        store = DirectoryEntries(tempfile.mkdtemp())
        store.put_entry("autotune", "k-garbage", b"\x80not json")
        store.put_entry("autotune", "k-truncated", b'{"configs": [1, 2')
        store.put_entry("autotune", "k-good", b'{"configs": [1, 2]}')
        with _torch_remote_cache():
            backend = backend_class(store, "autotune")()
            with self.assertLogs("pt2cache", "WARNING"):
                self.assertIsNone(backend.get("k-garbage"))
                self.assertIsNone(backend.get("k-truncated"))
            self.assertEqual(backend.get("k-good"), b'{"configs": [1, 2]}')
            self.assertIsNone(backend.get("k-absent"))

    def test_an_older_torch_whose_backends_implement_get_and_put_reaches_the_store_too(self):
        from pt2cache.remote import backend_class

        store = DirectoryEntries(tempfile.mkdtemp())
        with _torch_remote_cache(older=True):
            backend = backend_class(store, "fx-graph")()
            backend.put("k", b'{"graph": 1}')
            self.assertEqual(backend.get("k"), b'{"graph": 1}')
        self.assertEqual(store.get_entry("fx-graph", "k"), b'{"graph": 1}')


class RefusedCallsTest(unittest.TestCase):
    """A call the service refuses (a 429, a busy store, a conflict) costs that call only; a service
    that cannot be reached turns the remote caches off for the cooldown."""

    class Refusing(DirectoryEntries):
        def __init__(self, root, failure):
            super().__init__(root)
            self.failure = failure

        def put_entry(self, kind, key, data, **kwargs):
            if self.failure is not None:
                raise self.failure
            return super().put_entry(kind, key, data, **kwargs)

        def get_entry(self, kind, key, **kwargs):
            if self.failure is not None:
                raise self.failure
            return super().get_entry(kind, key, **kwargs)

    def _backend(self, failure, kind="fx-graph"):
        from pt2cache.remote import Breaker, backend_class

        store = self.Refusing(tempfile.mkdtemp(), None)
        store.put_entry(kind, "stored", b'{"graph": 1}')
        store.failure = failure
        breaker = Breaker(cooldown=60)
        return store, breaker, backend_class(store, kind, breaker=breaker)()

    def test_a_busy_store_or_a_rate_limit_leaves_reads_of_stored_entries_on(self):
        from pt2cache.errors import CacheError, ServiceUnavailable

        # spool-unavailable: an instance whose temporary disk refused a body sent without its
        # digest; it still serves reads (its readiness stays up). Before, it turned them off
        spool = {"type": "urn:pt2cache:problem:spool-unavailable"}
        # database-writes-refused: PostgreSQL read-only (a failover) or its disk full; reads go on
        read_only = {"type": "urn:pt2cache:problem:database-writes-refused"}
        for failure in (ServiceUnavailable("busy", 503, {"type": "urn:pt2cache:problem:storage-busy"}),
                        ServiceUnavailable("no spool", 503, spool),
                        ServiceUnavailable("read-only", 503, read_only),
                        ServiceUnavailable("lock", 503, {"type": "urn:pt2cache:problem:database-busy"}),
                        CacheError("slow down", 429, {"type": "urn:pt2cache:problem:rate-limited"})):
            with _torch_remote_cache():
                store, breaker, backend = self._backend(failure)
                backend.put("new", b'{"graph": 2}')
                self.assertIsNone(backend.get("stored"), "the refused read itself misses")
                store.failure = None
                self.assertTrue(breaker.closed(), failure)
                self.assertEqual(backend.get("stored"), b'{"graph": 1}')

    def test_a_service_that_cannot_be_reached_turns_the_caches_off(self):
        from pt2cache.errors import ServiceUnavailable

        for failure in (ServiceUnavailable("connection refused"),
                        ServiceUnavailable("failing", 503, {"type": "urn:pt2cache:problem:database-unavailable"}),
                        OSError("reset")):
            with _torch_remote_cache():
                store, breaker, backend = self._backend(failure)
                with self.assertLogs("pt2cache", "WARNING"):
                    backend.put("new", b'{"graph": 2}')
                store.failure = None
                self.assertFalse(breaker.closed(), failure)
                self.assertIsNone(backend.get("stored"), "off for the cooldown")

    def test_a_refusal_every_later_call_gets_too_is_a_warning_once(self):
        from pt2cache import remote
        from pt2cache.errors import from_response

        remote._warned.clear()
        expired = from_response(401, {"type": "urn:pt2cache:problem:unauthenticated",
                                      "detail": "token expired"}, "refused")
        with _torch_remote_cache():
            store, breaker, backend = self._backend(expired)
            with self.assertLogs("pt2cache", "WARNING") as logged:
                self.assertIsNone(backend.get("stored"))
                backend.put("new", b'{"graph": 2}')
                self.assertIsNone(backend.get("stored"))
            self.assertEqual(len(logged.records), 1)
            self.assertIn("token expired", logged.output[0])
            self.assertTrue(breaker.closed(), "a token is no outage")

    def test_a_rate_limit_is_a_warning_once(self):
        from pt2cache import remote
        from pt2cache.errors import from_response

        remote._warned.clear()
        limited = from_response(429, {"type": "urn:pt2cache:problem:rate-limited",
                                      "detail": "over 5 calls per second"}, "refused")
        with _torch_remote_cache():
            store, breaker, backend = self._backend(limited)
            # before, each refusal was an INFO line: a node compiling what it could have read
            # showed nothing where logging is left as it is
            with self.assertLogs("pt2cache", "WARNING") as logged:
                self.assertIsNone(backend.get("stored"))
                backend.put("new", b'{"graph": 2}')
            self.assertEqual(len(logged.records), 1)
            self.assertIn("rate-limited", logged.output[0])
            self.assertTrue(breaker.closed(), "a rate limit is no outage")

    def test_a_proxys_body_limit_is_a_warning_once(self):
        from pt2cache import remote
        from pt2cache.errors import from_response

        remote._warned.clear()
        # nginx's default client_max_body_size (1 MiB) refuses an FX graph entry of 6 MB with an
        # HTML page: no problem type. Before, each such write was an INFO line: every large
        # entry of every node went unshared, and nothing said so where logging is left alone
        too_large = from_response(413, None, "PUT /v1/namespaces/ns/entries/fx-graph/k",
                                  "413 Request Entity Too Large")
        with _torch_remote_cache():
            store, breaker, backend = self._backend(too_large)
            with self.assertLogs("pt2cache", "WARNING") as logged:
                backend.put("new", b'{"graph": 2}')
                backend.put("newer", b'{"graph": 3}')
            self.assertEqual(len(logged.records), 1)
            self.assertIn("client_max_body_size", logged.output[0])
            self.assertTrue(breaker.writes_closed(), "a body limit is no outage")

    def test_a_read_token_refused_its_writes_says_nothing_of_misses(self):
        from pt2cache import remote
        from pt2cache.errors import from_response

        remote._warned.clear()
        read_only = from_response(403, {"type": "urn:pt2cache:problem:forbidden"}, "refused")
        with _torch_remote_cache():
            store, breaker, backend = self._backend(None)
            store.failure = None
            store.put_entry = lambda *args, **kwargs: (_ for _ in ()).throw(read_only)
            # (assertNoLogs is Python 3.10's; the package supports 3.9)
            with mock.patch.object(remote.log, "warning") as warned:
                backend.put("new", b'{"graph": 2}')
            warned.assert_not_called()
            self.assertEqual(backend.get("stored"), b'{"graph": 1}')

    def test_a_rewritten_autotune_entry_that_the_service_keeps_as_first_stored_is_logged(self):
        from pt2cache import remote
        from pt2cache.errors import Conflict

        remote._warned.clear()

        with _torch_remote_cache():
            store, breaker, backend = self._backend(None, kind="autotune")
            backend.put("tuned", b'{"configs": 1}')
            backend.put("also tuned", b'{"configs": 2}')
            store.failure = Conflict("other bytes", 409)
            with self.assertLogs("pt2cache", "WARNING") as logged:
                backend.put("tuned", b'{"found_by_coordesc": true}')
                backend.put("also tuned", b'{"found_by_coordesc": true}')
            self.assertEqual(len(logged.records), 1, "once per kind")
            self.assertIn("PyTorch rewrote its autotune entry", logged.output[0])
            self.assertTrue(breaker.closed())

    def test_another_nodes_autotune_entry_stored_first_is_no_warning(self):
        """Nodes that compile at once (a deploy) tune the same kernels and each stores its own
        best config; the first is kept. Measured with 8 processes at once on an H100: 7 of 8
        warned that PyTorch had rewritten its entry, which none had."""
        from pt2cache import remote
        from pt2cache.errors import Conflict

        remote._warned.clear()
        with _torch_remote_cache():
            store, breaker, backend = self._backend(Conflict("other bytes", 409), kind="autotune")
            with mock.patch.object(remote.log, "warning") as warned, \
                    self.assertLogs("pt2cache", "INFO") as logged:
                backend.put("tuned elsewhere", b'{"configs": 1}')
                backend.put("also tuned elsewhere", b'{"configs": 2}')
            warned.assert_not_called()
            self.assertEqual(len(logged.records), 1, "once per kind, then DEBUG")
            self.assertIn("another node stored its own autotune entry", logged.output[0])
            self.assertTrue(breaker.closed())


class UnwritableDirectoryTest(unittest.TestCase):
    """A directory store that refuses writes (a mirror carried read-only to an air-gapped node, a
    cache volume full) costs the writes only: its entries are still read, and it is said once."""

    class ReadOnly(DirectoryEntries):
        def put_entry(self, kind, key, data, **kwargs):
            raise OSError(errno.EROFS, "Read-only file system", os.path.join(self.root, kind))

    def test_a_read_only_mirror_still_serves_its_entries_after_a_write(self):
        from pt2cache import remote

        remote._warned.clear()
        root = tempfile.mkdtemp()
        DirectoryEntries(root).put_entry("fx-graph", "stored", b'{"graph": 1}')
        with _torch_remote_cache():
            backend = remote.backend_class(self.ReadOnly(root), "fx-graph",
                                           breaker=remote.Breaker(cooldown=0))()
            with self.assertLogs("pt2cache", "INFO") as logged:
                backend.put("compiled-here", b'{"graph": 2}')
                self.assertEqual(backend.get("stored"), b'{"graph": 1}',
                                 "a refused write turned the reads of a read-only mirror off")
                backend.put("compiled-here-too", b'{"graph": 3}')
        warnings_ = [r.getMessage() for r in logged.records if r.levelno >= logging.WARNING]
        self.assertEqual(len(warnings_), 1, warnings_)
        self.assertIn("EROFS", warnings_[0])
        self.assertNotIn("unreachable", warnings_[0])

    def test_a_full_disk_leaves_reads_on_and_no_partial_file(self):
        # a real write past the file-size limit (EFBIG), in a child process of its own
        root = tempfile.mkdtemp()
        DirectoryEntries(root).put_entry("fx-graph", "stored", b'{"graph": 1}')
        script = """
import logging, resource, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
from test_remote import _torch_remote_cache
from pt2cache.directory import DirectoryEntries
from pt2cache.remote import Breaker, backend_class
resource.setrlimit(resource.RLIMIT_FSIZE, (4096, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))
with _torch_remote_cache():
    backend = backend_class(DirectoryEntries(sys.argv[1]), "fx-graph", breaker=Breaker())()
    backend.put("big", b'{"graph": "' + b"x" * 100000 + b'"}')
    print(backend.get("stored"))
"""
        here = os.path.dirname(os.path.abspath(__file__))
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([here, os.path.dirname(here)]))
        ran = subprocess.run([sys.executable, "-c", script, root], env=env, capture_output=True,
                             text=True, timeout=60)
        self.assertEqual(ran.returncode, 0, ran.stderr)
        self.assertEqual(ran.stdout.strip(), "b'{\"graph\": 1}'", ran.stderr)
        self.assertIn("EFBIG", ran.stderr)
        self.assertEqual(sorted(os.listdir(os.path.join(root, "fx-graph"))), ["stored"])


@needs_service
class BlockedEntriesTest(unittest.TestCase):
    """A standing rule that refuses this node's entries (``409 blocked-by-rule``, through the
    descriptor they carry) is said as such, once: not as PyTorch rewriting an entry."""

    def test_a_rule_that_refuses_the_nodes_writes_is_named_once(self):
        from pt2cache import remote
        from pt2cache.remote import Breaker, backend_class

        remote._warned.clear()
        client = fresh_client()
        client.invalidate({"torch": "2.9.0"}, "miscompiles conv2d", block=True)
        with _torch_remote_cache():
            backend = backend_class(client, "autotune", breaker=Breaker(cooldown=60),
                                    descriptor=descriptor("resnet", torch_version="2.9.0"))()
            with self.assertLogs("pt2cache", "WARNING") as logged:
                backend.put("k1", b'{"configs": 1}')
                backend.put("k2", b'{"configs": 2}')
        # before, it said "PyTorch rewrote its autotune entry k1, and the service keeps the first
        # bytes", and for an fx-graph entry nothing above DEBUG
        self.assertEqual(len(logged.records), 1, logged.output)
        self.assertIn("blocked-by-rule", logged.output[0])
        self.assertIn("miscompiles conv2d", logged.output[0])
        self.assertNotIn("rewrote", logged.output[0])


class OlderStoreTest(unittest.TestCase):
    """A store written to an earlier release's EntryStore (no ``deadline``) still works."""

    def test_a_store_that_takes_no_deadline_is_called_without_one(self):
        from pt2cache.remote import Breaker, backend_class

        class OlderStore:
            def __init__(self):
                self.entries = {}

            def get_entry(self, kind, key, timeout=None, retries=None):
                return self.entries.get((kind, key))

            def put_entry(self, kind, key, data, timeout=None, retries=None, descriptor=None):
                self.entries[(kind, key)] = data

        store = OlderStore()
        with _torch_remote_cache():
            backend = backend_class(store, "fx-graph", 2.0, Breaker(cooldown=60))()
            backend.put("k", b'{"graph": 1}')
            self.assertEqual(backend.get("k"), b'{"graph": 1}')
        self.assertEqual(len(store.entries), 1)


def _torch_remote_cache(older: bool = False):
    """torch's RemoteCacheBackend where torch is installed (unless ``older``), else a stand-in
    base class: torch 2.11's (get and put wrap the abstract _get and _put), or an older one's
    (get and put are the empty hooks)."""
    if HAS_TORCH and not older:
        return contextlib.nullcontext()

    class RemoteCacheBackend:
        def _get(self, key):
            raise NotImplementedError

        def _put(self, key, data):
            raise NotImplementedError

        def get(self, key):
            return self._get(key)

        def put(self, key, data):
            return self._put(key, data)

    class OlderRemoteCacheBackend:
        def get(self, key):
            pass

        def put(self, key, data):
            pass

    if older:
        RemoteCacheBackend = OlderRemoteCacheBackend  # noqa: N806

    remote_cache = types.ModuleType("torch._inductor.remote_cache")
    remote_cache.RemoteCacheBackend = RemoteCacheBackend
    modules = {"torch": types.ModuleType("torch"),
               "torch._inductor": types.ModuleType("torch._inductor"),
               "torch._inductor.remote_cache": remote_cache}
    return mock.patch.dict(sys.modules, modules)


def _torch_release(version: str, remote_cache_module: types.ModuleType,
                   inductor_settings: tuple) -> "mock._patch_dict":
    """A stand-in torch of one release: its ``torch._inductor.remote_cache`` as given, an Inductor
    config holding these settings (None, PyTorch's "not set"), and configs for functorch and
    Dynamo that hold none."""
    torch = types.ModuleType("torch")
    torch.__version__ = version
    inductor_config = types.ModuleType("torch._inductor.config")
    for name in inductor_settings:
        setattr(inductor_config, name, None)
    modules = {"torch": torch, "torch._inductor": types.ModuleType("torch._inductor"),
               "torch._inductor.remote_cache": remote_cache_module,
               "torch._inductor.config": inductor_config,
               "torch._functorch": types.ModuleType("torch._functorch"),
               "torch._functorch.config": types.ModuleType("torch._functorch.config"),
               "torch._dynamo": types.ModuleType("torch._dynamo"),
               "torch._dynamo.config": types.ModuleType("torch._dynamo.config")}
    return mock.patch.dict(sys.modules, modules)


def _remote_cache_module(classes: tuple, override: bool) -> types.ModuleType:
    """``torch._inductor.remote_cache`` in the shape of releases before 2.6: a backend base class
    whose ``get`` and ``put`` are the hooks a backend implements, JSON entries, and (with
    ``override``) ``RemoteCache.backend_override_cls``, which torch 2.4's RemoteCache lacked."""

    class RemoteCacheBackend:
        def get(self, key):
            pass

        def put(self, key, data):
            pass

    class RemoteCache:
        def __init__(self, backend, serde=None):
            override_cls = getattr(type(self), "backend_override_cls", None)
            self.backend = override_cls() if override_cls is not None else backend

        def get(self, key):
            data = self.backend.get(key)
            return json.loads(data) if data else None

        def put(self, key, value):
            self.backend.put(key, bytes(json.dumps(value), "ascii"))

    if override:
        RemoteCache.backend_override_cls = None

    class RedisRemoteCache(RemoteCache):
        def __init__(self, key):
            super().__init__(None)

    module = types.ModuleType("torch._inductor.remote_cache")
    module.RemoteCacheBackend = RemoteCacheBackend
    module.RemoteCache = RemoteCache
    for name in classes:
        setattr(module, name, type(name, (RedisRemoteCache,), {}))
    return module


class OlderReleasesTest(unittest.TestCase):
    """Releases whose remote caches differ from torch 2.11's: install routes what the release has,
    never switches on what it cannot route (PyTorch would write those to its own Redis backend),
    and names the release and what it lacks. Before, it routed what it found, switched on every
    setting it found, and said nothing."""

    def test_torch_2_5_routes_fx_graph_and_autotune_and_names_what_it_lacks(self):
        from pt2cache.remote import install

        # torch/_inductor/remote_cache.py of torch 2.5 (the release/2.5 shape, read in the public
        # index): RemoteCacheBackend's get/put are the abstract hooks, RemoteCache has
        # backend_override_cls, and its only caches are RemoteAutotuneCache and
        # RemoteFxGraphCache (no AOTAutograd, bundled autotune or PGO cache)
        release = _remote_cache_module(("RemoteAutotuneCache", "RemoteFxGraphCache"), True)
        store = DirectoryEntries(tempfile.mkdtemp())
        with _torch_release("2.5.1", release, ("fx_graph_remote_cache", "autotune_remote_cache")):
            with self.assertLogs("pt2cache", "WARNING") as logs:
                routed = install(store, workers=False)
            import torch._inductor.config as inductor_config

            self.assertEqual(routed, {"RemoteFxGraphCache": "fx-graph",
                                      "RemoteAutotuneCache": "autotune"})
            self.assertTrue(inductor_config.fx_graph_remote_cache)
            release.RemoteFxGraphCache("fx-graph-v1").put("graph-1", {"graph": 1})
            self.assertEqual(release.RemoteFxGraphCache("fx-graph-v1").get("graph-1"),
                             {"graph": 1})
        said = "\n".join(logs.output)
        self.assertIn("torch 2.5.1", said)
        for lacking in ("aot-autograd", "RemoteAOTAutogradCache", "bundled-autotune",
                        "RemoteBundledAutotuneCache"):
            self.assertIn(lacking, said)
        self.assertEqual(store.get_entry("fx-graph", "graph-1"), b'{"graph": 1}')

    def test_torch_2_4_whose_caches_take_no_backend_override_is_refused_and_nothing_is_on(self):
        from pt2cache.remote import UnsupportedTorch, install

        # torch/_inductor/remote_cache.py of torch 2.4 (read in the public index): RemoteCache
        # takes its backend as given, with no backend_override_cls, and there is no
        # RemoteFxGraphCache: the FX graph cache builds RedisRemoteCacheBackend itself
        release = _remote_cache_module((), False)
        with _torch_release("2.4.1", release, ("fx_graph_remote_cache", "autotune_remote_cache")):
            with self.assertRaises(UnsupportedTorch) as refused:
                install(DirectoryEntries(tempfile.mkdtemp()), workers=False)
            import torch._inductor.config as inductor_config

            self.assertIsNone(inductor_config.fx_graph_remote_cache,
                              "switched on, PyTorch would send the graphs to Redis")
            self.assertIsNone(inductor_config.autotune_remote_cache)
        self.assertIn("torch 2.4.1", str(refused.exception))
        self.assertIn("RemoteFxGraphCache", str(refused.exception))

    def test_a_release_whose_caches_drop_backend_override_cls_is_refused(self):
        from pt2cache.remote import UnsupportedTorch, install

        # not a release yet: a nightly that renamed the override would otherwise be "routed" by
        # an attribute PyTorch no longer reads, and its caches switched on to Redis
        release = _remote_cache_module(("RemoteAutotuneCache", "RemoteFxGraphCache"), False)
        with _torch_release("2.13.0.dev20270101", release,
                            ("fx_graph_remote_cache", "autotune_remote_cache")):
            with self.assertRaises(UnsupportedTorch) as refused:
                install(DirectoryEntries(tempfile.mkdtemp()), aot_autograd=False, workers=False)
            import torch._inductor.config as inductor_config

            self.assertIsNone(inductor_config.fx_graph_remote_cache)
        self.assertIn("RemoteFxGraphCache.backend_override_cls", str(refused.exception))


class PgoJobTest(unittest.TestCase):
    """PyTorch keys PGO's profiles by ``torch.compiler.config.job_id`` and, with none, reads and
    writes none (torch 2.11's ``torch._dynamo.pgo.get_cache_key`` answers None; on an H100, a node
    with ``pgo=True`` and no job id stored no profile, docs/proof/varying-batch-runs.jsonl).
    Before, install routed it and said nothing."""

    def _install(self, job_key, **quietly):
        from pt2cache.remote import install

        release = _remote_cache_module(("RemoteFxGraphCache", "RemoteDynamoPGOCache"), True)
        pgo = types.ModuleType("torch._dynamo.pgo")
        pgo.get_cache_key = lambda: job_key
        with _torch_release("2.11.0", release, ("fx_graph_remote_cache",)):
            sys.modules["torch._dynamo.pgo"] = pgo
            sys.modules["torch._dynamo"].pgo = pgo
            sys.modules["torch._dynamo.config"].automatic_dynamic_remote_pgo = None
            with self.assertLogs("pt2cache", "INFO") as logs:
                routed = install(DirectoryEntries(tempfile.mkdtemp()), aot_autograd=False,
                                 autotune=False, pgo=True, workers=False, **quietly)
            self.assertTrue(sys.modules["torch._dynamo.config"].automatic_dynamic_remote_pgo)
        self.assertEqual(routed["RemoteDynamoPGOCache"], "pgo")
        return [r for r in logs.records if "job_id" in r.getMessage()]

    def test_pgo_without_a_job_id_is_a_warning_naming_the_setting(self):
        said = self._install(None)
        self.assertEqual([r.levelname for r in said], ["WARNING"])
        self.assertIn("TORCH_COMPILE_JOB_ID", said[0].getMessage())

    def test_pgo_with_a_job_id_is_not(self):
        self.assertEqual(self._install("fleet-a:None:"), [])

    def test_pgo_without_a_job_id_installed_quietly_is_said_at_info(self):
        said = self._install(None, warn=False)
        self.assertEqual([r.levelname for r in said], ["INFO"])


class DescriptorTest(unittest.TestCase):
    """What the service would refuse in X-Pt2cache-Descriptor fails once, at install."""

    def test_a_descriptor_the_service_would_refuse_fails_at_install(self):
        from pt2cache.remote import install

        misspelt = {"model": {"name": "m", "version": "1"}, "software": {"torch": "2.11", "cdua": "13"},
                    "hardware": {"gpu": "g"}}
        with self.assertRaises(ValueError):
            install(DirectoryEntries(tempfile.mkdtemp()), descriptor=misspelt)

    def test_the_header_is_one_line_of_ascii_and_bounded(self):
        from pt2cache.client import descriptor_header

        header = descriptor_header({"model": {"name": "modèle", "version": "1"},
                                    "software": {"torch": "2.11"}, "hardware": {"gpu": "g"}})
        self.assertTrue(header.isascii())
        self.assertIn("mod\\u00e8le", header)
        self.assertNotIn("\n", header)
        huge = {"model": {"name": "m", "version": "1"}, "software": {"torch": "2.11"},
                "hardware": {"gpu": "g"}, "compile": {"options": {"k%d" % i: "v" * 50 for i in range(99)}}}
        with self.assertRaises(ValueError):
            descriptor_header(huge)


class BreakerTest(unittest.TestCase):

    def test_a_failure_turns_the_remote_caches_off_for_the_cooldown(self):
        from pt2cache.remote import Breaker

        breaker = Breaker(cooldown=0.2)
        self.assertTrue(breaker.closed())
        breaker.trip(OSError("refused"))
        self.assertFalse(breaker.closed())
        import time

        time.sleep(0.25)
        self.assertTrue(breaker.closed())

    @unittest.skipUnless(hasattr(os, "fork"), "needs os.fork")
    def test_a_child_forked_while_another_thread_trips_it_can_still_use_it(self):
        from pt2cache.remote import Breaker

        breaker = Breaker(cooldown=30)
        writing, written = threading.Event(), threading.Event()

        class SlowSink(logging.Handler):
            """A log sink that takes its time (a pipe nobody drains fast): the trip's warning
            is being written when the process forks."""

            def emit(self, record):
                writing.set()
                written.wait(10)

        sink = SlowSink()
        logging.getLogger("pt2cache").addHandler(sink)
        tripping = threading.Thread(target=breaker.trip, args=(OSError("refused"),))
        try:
            tripping.start()
            self.assertTrue(writing.wait(10))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)  # fork with threads, 3.12
                pid = os.fork()
            if pid == 0:
                try:
                    signal.alarm(5)  # a child stuck on the breaker's lock is ended by SIGALRM
                    breaker.took(0.01, 2.0)  # the child's next call that succeeds
                    breaker.closed()
                finally:
                    os._exit(0)
            _, status = os.waitpid(pid, 0)
        finally:
            written.set()
            tripping.join(10)
            logging.getLogger("pt2cache").removeHandler(sink)
        self.assertFalse(os.WIFSIGNALED(status), "the forked child hung on the breaker's lock")
        self.assertEqual(os.WEXITSTATUS(status), 0)


@needs_torch
class AdapterTest(unittest.TestCase):
    """With torch installed: PyTorch's own RemoteCache classes go through the adapter."""

    def test_pytorch_remote_cache_reads_and_writes_through_the_store(self):
        import torch._inductor.remote_cache as remote_cache

        from pt2cache.remote import install

        store = DirectoryEntries(tempfile.mkdtemp())
        routed = install(store)
        self.assertEqual(routed["RemoteFxGraphCache"], "fx-graph")
        cache = remote_cache.RemoteFxGraphCache("fx-graph-v1")
        cache.put("abc", {"graph": 1})
        self.assertEqual(cache.get("abc"), {"graph": 1})
        self.assertEqual(len(list(store.entries())), 1)


if __name__ == "__main__":
    unittest.main()
