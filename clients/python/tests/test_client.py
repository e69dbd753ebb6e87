import hashlib
import http.client
import http.server
import json
import os
import socket
import tempfile
import threading
import unittest
import urllib.parse
import uuid

from pt2cache import (AccessDenied, CacheClient, CacheError, Conflict, IntegrityError,
                      NotFound, ServiceUnavailable)

from fake_service import FakeService, whole
from support import descriptor, fresh_client, needs_service


@needs_service
class UploadAndDownloadTest(unittest.TestCase):

    def setUp(self):
        self.client = fresh_client()
        self.directory = tempfile.mkdtemp()

    def test_a_file_goes_up_streamed_and_comes_back_verified(self):
        path = os.path.join(self.directory, "mega-cache.bin")
        data = os.urandom(7 * 1024 * 1024 + 123)  # more than one 5 MB part on the test service
        with open(path, "wb") as f:
            f.write(data)
        d = descriptor("file-" + uuid.uuid4().hex[:6])

        artifact = self.client.upload("mega-cache", path, descriptor=d)

        self.assertEqual(artifact["state"], "ready")
        self.assertEqual(artifact["sha256"], hashlib.sha256(data).hexdigest())
        hit = self.client.lookup("mega-cache", d)
        self.assertTrue(hit["hit"])
        target = os.path.join(self.directory, "out", "downloaded.bin")
        self.client.download(hit["artifact"], target)
        with open(target, "rb") as f:
            self.assertEqual(f.read(), data)

    def test_a_download_that_does_not_match_leaves_no_file(self):
        artifact = self.client.upload("mega-cache", b"the real bytes",
                                      descriptor=descriptor("m-" + uuid.uuid4().hex[:6]))
        forged = dict(artifact, sha256=hashlib.sha256(b"other bytes").hexdigest())
        target = os.path.join(self.directory, "never.bin")

        with self.assertRaises(IntegrityError):
            self.client.download(forged, target)
        self.assertEqual(os.listdir(self.directory), [], "no file, no temporary file")

    def test_a_download_is_an_ordinary_file_readable_by_others(self):
        artifact = self.client.upload("mega-cache", b"bytes",
                                      descriptor=descriptor("m-" + uuid.uuid4().hex[:6]))
        umask = os.umask(0o022)
        try:
            path = self.client.download(artifact, os.path.join(self.directory, "f.bin"))
        finally:
            os.umask(umask)
        self.assertEqual(os.stat(path).st_mode & 0o777, 0o644)

    def test_a_loser_gets_the_conflict_not_a_broken_pipe(self):
        # two nodes reserve the same key with different bytes; the first commits, then the
        # second sends a large body, which the service refuses before reading it
        d = descriptor("m-" + uuid.uuid4().hex[:6])
        big = os.urandom(32 * 1024 * 1024)
        declared = {"kind": "mega-cache", "descriptor": d, "sizeBytes": len(big),
                    "sha256": hashlib.sha256(big).hexdigest()}
        second = self.client.http.request(
            "POST", self.client._ns("/artifacts"), json.dumps(declared).encode(),
            {"Content-Type": "application/json"}, expect=(201,)).json()
        self.assertEqual(self.client.upload("mega-cache", b"first", descriptor=d)["state"],
                         "ready")
        with self.assertRaises(Conflict) as raised:
            self.client.http.request("PUT", second["uploadUrl"], big,
                                     {"Content-Type": "application/octet-stream"})
        self.assertEqual(raised.exception.slug, "key-conflict")

    def test_the_same_content_again_is_the_same_artifact(self):
        d = descriptor("m-" + uuid.uuid4().hex[:6])
        first = self.client.upload("mega-cache", b"abc", descriptor=d)
        again = self.client.upload("mega-cache", b"abc", descriptor=d)
        self.assertEqual(first["id"], again["id"])

    def test_other_content_under_the_same_key_is_a_conflict_with_its_problem(self):
        d = descriptor("m-" + uuid.uuid4().hex[:6])
        self.client.upload("mega-cache", b"first", descriptor=d)
        with self.assertRaises(Conflict) as raised:
            self.client.upload("mega-cache", b"second", descriptor=d)
        self.assertEqual(raised.exception.status, 409)
        self.assertEqual(raised.exception.slug, "key-conflict")
        self.assertIn("already holds other content", raised.exception.detail)


@needs_service
class LookupListInvalidateTest(unittest.TestCase):

    def setUp(self):
        self.client = fresh_client()

    def test_a_miss_says_why_and_names_the_closest_match(self):
        model = "m-" + uuid.uuid4().hex[:6]
        self.client.upload("mega-cache", b"x", descriptor=descriptor(model))
        miss = self.client.lookup("mega-cache", descriptor(model, torch_version="2.11.1+cu130"))
        self.assertFalse(miss["hit"])
        self.assertEqual(miss["miss"]["closest"]["differences"][0]["field"], "software.torch")

    def test_listing_pages_through_everything(self):
        model = "m-" + uuid.uuid4().hex[:6]
        ids = {self.client.upload("mega-cache", os.urandom(10),
                                  descriptor=descriptor(model, mode="m%d" % i))["id"]
               for i in range(5)}
        listed = [a["id"] for a in self.client.artifacts(limit=2, modelName=model)]
        self.assertEqual(sorted(listed), sorted(ids))

    def test_a_misspelt_filter_is_refused_not_ignored(self):
        with self.assertRaises(CacheError) as refused:
            next(self.client.artifacts(model_name="anything"))
        self.assertEqual((refused.exception.status, refused.exception.slug),
                         (400, "invalid-request"))
        self.assertIn("model_name", refused.exception.detail)
        self.assertIn("modelName", refused.exception.detail)

    def test_invalidation_and_a_standing_rule(self):
        model = "m-" + uuid.uuid4().hex[:6]
        d = descriptor(model)
        self.client.upload("mega-cache", b"x", descriptor=d)
        rule = self.client.invalidate({"modelName": model}, "retrained", block=True)
        self.assertEqual(rule["invalidated"], 1)
        self.assertFalse(self.client.lookup("mega-cache", d)["hit"])
        with self.assertRaises(Conflict) as raised:
            self.client.upload("mega-cache", b"y", descriptor=d)
        self.assertEqual(raised.exception.slug, "blocked-by-rule")
        self.client.lift(rule["id"])
        self.assertEqual(self.client.upload("mega-cache", b"y", descriptor=d)["state"], "ready")

    def test_a_report_with_any_text_as_its_detail_is_kept_as_one_line(self):
        model = "m-" + uuid.uuid4().hex[:6]
        artifact = self.client.upload("mega-cache", b"x", descriptor=descriptor(model))
        detail = "Traceback:\n  bad\x00byte \u2014 \U0001f525" + "x" * 2000
        answer = self.client.report(artifact["id"], "load-failed", detail=detail, node="n1")
        kept = answer["items"][0]["detail"]
        self.assertEqual(len(kept), 1000)
        self.assertTrue(kept.startswith("Traceback:   bad byte \\u2014 \\U0001f525xx"), kept)
        self.assertEqual(answer["reportCount"], 1)


@needs_service
class EntriesTest(unittest.TestCase):

    def setUp(self):
        self.client = fresh_client()
        self.key = "pt2:fx-graph-v1::f%s:c1" % uuid.uuid4().hex

    def test_a_large_entry_streams_to_a_file(self):
        data = os.urandom(3 * 1024 * 1024)
        self.client.put_entry("autotune", self.key, data)
        target = os.path.join(tempfile.mkdtemp(), "entry.bin")
        self.assertEqual(self.client.download_entry("autotune", self.key, target), target)
        with open(target, "rb") as f:
            self.assertEqual(f.read(), data)
        self.assertIsNone(self.client.download_entry("fx-graph", self.key, target + "2"))

    def test_put_get_has(self):
        self.assertIsNone(self.client.get_entry("fx-graph", self.key))
        self.assertFalse(self.client.has_entry("fx-graph", self.key))
        self.client.put_entry("fx-graph", self.key, b"graph bytes")
        self.assertEqual(self.client.get_entry("fx-graph", self.key), b"graph bytes")
        self.assertTrue(self.client.has_entry("fx-graph", self.key))
        self.client.put_entry("fx-graph", self.key, b"graph bytes")  # the same again: fine
        with self.assertRaises(Conflict):
            self.client.put_entry("fx-graph", self.key, b"other bytes")

    def test_an_entry_with_its_descriptor_is_reached_by_an_invalidation_of_its_model(self):
        model = "modèle-" + uuid.uuid4().hex[:6]  # sent as \u escapes: headers are ASCII
        self.client.put_entry("fx-graph", self.key, b"graph bytes", descriptor=descriptor(model))
        other = "pt2:fx-graph-v1::f%s:c1" % uuid.uuid4().hex
        self.client.put_entry("fx-graph", other, b"other graph", descriptor=descriptor("other"))

        answer = self.client.invalidate({"modelName": model}, "retrained")

        self.assertEqual(answer["invalidated"], 1)
        self.assertIsNone(self.client.get_entry("fx-graph", self.key))
        self.assertEqual(self.client.get_entry("fx-graph", other), b"other graph")


@needs_service
class ErrorsTest(unittest.TestCase):

    def test_a_namespace_admin_changes_the_other_settings_and_keeps_the_operators_quota(self):
        operator = fresh_client()
        operator.put_namespace(quota_bytes=5_000_000, max_idle_days=3)
        made = operator.http.request(
            "POST", "/v1/tokens", json.dumps({"name": "py-admin-" + uuid.uuid4().hex[:8],
                                              "namespace": operator.namespace,
                                              "role": "admin"}).encode(),
            {"Content-Type": "application/json"}, expect=(201,)).json()
        tenant = CacheClient(os.environ["PT2CACHE_TEST_URL"], operator.namespace,
                             token=made["token"])

        with self.assertRaises(AccessDenied) as raised:
            tenant.put_namespace(max_idle_days=7)
        self.assertEqual(raised.exception.slug, "forbidden")
        changed = tenant.update_namespace(max_idle_days=7)

        self.assertEqual(changed["quotaBytes"], 5_000_000)
        self.assertEqual(changed["maxIdleDays"], 7)
        with self.assertRaises(TypeError):
            tenant.update_namespace(max_idle=7)

    def test_an_unknown_namespace_is_not_found_with_the_problem_type(self):
        client = CacheClient(os.environ["PT2CACHE_TEST_URL"], "no-such-" + uuid.uuid4().hex[:6])
        with self.assertRaises(NotFound) as raised:
            client.lookup("mega-cache", descriptor("m"))
        self.assertEqual(raised.exception.slug, "namespace-not-found")
        for read in (lambda: client.get_entry("fx-graph", "pt2:k:c1"),
                     lambda: client.download_entry("fx-graph", "pt2:k:c1", "entry.bin")):
            with self.assertRaises(NotFound) as raised:  # not a miss: every read would miss
                read()
            self.assertEqual(raised.exception.slug, "namespace-not-found")

    def test_a_token_the_service_does_not_know_is_refused_and_not_retried(self):
        client = CacheClient(os.environ["PT2CACHE_TEST_URL"], "default", token="pt2c_not-a-token")
        with self.assertRaises(AccessDenied) as raised:
            client.lookup("mega-cache", descriptor("m"))
        self.assertEqual(raised.exception.status, 401)
        self.assertEqual(raised.exception.slug, "unauthenticated")

    def test_bad_input_is_refused_before_anything_is_sent(self):
        with self.assertRaises(Exception):
            fresh_client().lookup("mega-cache", {"model": {"name": "only a name"}})


class NamespacesPagesTest(unittest.TestCase):
    """The namespace listing pages (at most 1,000 a page since 2026-12-05): the client follows
    each page's cursor, so an operator with more namespaces than a page gets every one."""

    def test_every_page_of_namespaces_is_read(self):
        pages = [{"items": [{"name": "a"}, {"name": "b"}], "nextCursor": "c1"},
                 {"items": [{"name": "c"}], "nextCursor": "c2"},
                 {"items": [{"name": "d"}]}]

        def answer(connection, n):
            whole(200, pages[n - 1])(connection, n)

        with FakeService(answer) as fake:
            client = CacheClient(fake.url, namespace="default", token="t", retries=0)
            names = [n["name"] for n in client.namespaces()]
        # before, the first answer's items alone: ['a', 'b']
        self.assertEqual(names, ["a", "b", "c", "d"])
        self.assertEqual(len(fake.requests), 3)
        self.assertNotIn("cursor", fake.requests[0])
        self.assertIn("cursor=c1", fake.requests[1])
        self.assertIn("cursor=c2", fake.requests[2])


class _SettingsService(http.server.BaseHTTPRequestHandler):
    """A namespace's settings as the service keeps them: GET reads, PUT replaces and PATCH merges
    (``application/merge-patch+json`` only, 415 otherwise). As the first request is
    answered another operator sets ``invalidateAfterReports``, as one may while a change is made
    (between its read and its write, where it reads first)."""

    settings: dict = {}
    answered = 0

    def _answer(self, status, body):
        data = json.dumps(body).encode()
        type(self).answered += 1
        if type(self).answered == 1:  # before the answer goes, so the caller sees it done
            self.settings["invalidateAfterReports"] = 3
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self):
        return json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))))

    def do_GET(self):
        self._answer(200, dict(self.settings, name="vision"))

    def do_PUT(self):
        self.settings.clear()
        self.settings.update(self._body())
        self._answer(200, dict(self.settings, name="vision"))

    def do_PATCH(self):
        if self.headers.get("Content-Type") != "application/merge-patch+json":
            self._answer(415, {"status": 415, "title": "Unsupported Media Type"})
            return
        self.settings.update(self._body())
        self._answer(200, dict(self.settings, name="vision"))

    def log_message(self, *args):
        pass


class UpdateNamespaceTest(unittest.TestCase):
    """``update_namespace`` changes the settings named and keeps every other one, a change made
    by someone else meanwhile included (docs/adr/0051)."""

    def test_a_change_made_meanwhile_by_another_is_kept(self):
        _SettingsService.settings = {"quotaBytes": 5_000_000, "maxIdleDays": 3}
        _SettingsService.answered = 0
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _SettingsService)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            client = CacheClient("http://127.0.0.1:%d" % server.server_address[1],
                                 namespace="vision", token="t", retries=0)
            client.update_namespace(max_idle_days=7)
            # read, then replaced: the other operator's invalidateAfterReports was lost (None)
            self.assertEqual(_SettingsService.settings,
                             {"quotaBytes": 5_000_000, "maxIdleDays": 7,
                              "invalidateAfterReports": 3})
        finally:
            server.shutdown()
            server.server_close()

    def test_a_service_without_patch_is_read_then_replaced(self):
        stored = {"name": "vision", "quotaBytes": 5_000_000, "maxIdleDays": 3}
        answers = [whole(405, {"status": 405, "title": "Method Not Allowed"},
                         "application/problem+json"),
                   whole(200, stored), whole(200, dict(stored, maxIdleDays=7))]

        def answer(connection, n):
            answers[n - 1](connection, n)

        with FakeService(answer) as fake:
            client = CacheClient(fake.url, namespace="vision", token="t", retries=0)
            changed = client.update_namespace(max_idle_days=7)
        self.assertEqual(changed["maxIdleDays"], 7)
        self.assertEqual([r.split()[0] for r in fake.requests], ["PATCH", "GET", "PUT"])


class UnreachableServiceTest(unittest.TestCase):

    def test_a_service_that_is_down_raises_after_bounded_retries(self):
        with socket.socket() as s:  # a port nobody listens on
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        client = CacheClient("http://127.0.0.1:%d" % port, retries=2, timeout=1)
        client.http.backoff = 0.01
        with self.assertRaises(ServiceUnavailable) as raised:
            client.lookup("mega-cache", descriptor("m"))
        self.assertIsNone(raised.exception.status)


if __name__ == "__main__":
    unittest.main()


class _CuttingProxy:
    """Between the client and the real service: relays each request to the service, and for the
    first one, after the service has acted on it, either cuts the connection without an answer or
    answers 503 in its place (a gateway timing out, an instance refused mid-way); the service's
    own answers to the rest go back as they came. Keeps each request's Idempotency-Key."""

    def __init__(self, target: str, first: str) -> None:
        parsed = urllib.parse.urlsplit(target)
        proxy = self
        self.keys = []

        class Relay(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                proxy.keys.append(self.headers.get("Idempotency-Key"))
                service = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=30)
                sent = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                service.request("POST", self.path, body=body, headers=sent)
                answer = service.getresponse()
                data = answer.read()
                service.close()
                if len(proxy.keys) == 1 and first == "cut":
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                if len(proxy.keys) == 1 and first == "503":
                    problem = json.dumps({"type": "urn:pt2cache:problem:database-unavailable",
                                          "status": 503}).encode()
                    self._answer(503, problem, "application/problem+json")
                    return
                self._answer(answer.status, data, answer.getheader("Content-Type"))

            def _answer(self, status, data, content_type):
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Retry-After", "0")
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Relay)
        self.url = "http://127.0.0.1:%d" % self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@needs_service
class ResentInvalidationTest(unittest.TestCase):
    """An invalidation whose answer never came (the connection cut after the request went out, or
    a 503 after the service acted) is sent again with the same Idempotency-Key, and the service
    answers the one invalidation it recorded: one record, one rule, not two."""

    def test_a_cut_or_refused_invalidation_is_resent_and_recorded_once(self):
        for first in ("cut", "503"):
            with self.subTest(first=first):
                client = fresh_client()
                model = "m-" + uuid.uuid4().hex[:6]
                client.upload("mega-cache", b"x", descriptor=descriptor(model))
                proxy = _CuttingProxy(client.url, first)
                try:
                    through = CacheClient(proxy.url, client.namespace, timeout=30)
                    through.http.backoff = 0.01
                    rule = through.invalidate({"modelName": model}, "retrained", block=True)
                finally:
                    proxy.close()

                self.assertEqual(len(proxy.keys), 2)
                self.assertIsNotNone(proxy.keys[0])
                self.assertEqual(proxy.keys[0], proxy.keys[1])
                trail = client.http.request(
                    "GET", client._ns("/invalidations")).json()["items"]
                self.assertEqual([i["id"] for i in trail], [rule["id"]])
                self.assertEqual(rule["invalidated"], 1)
                self.assertTrue(rule["active"])

    def test_each_call_has_a_key_of_its_own(self):
        client = fresh_client()
        model = "m-" + uuid.uuid4().hex[:6]
        first = client.invalidate({"modelName": model}, "retrained")
        second = client.invalidate({"modelName": model}, "retrained")
        self.assertNotEqual(first["id"], second["id"])
