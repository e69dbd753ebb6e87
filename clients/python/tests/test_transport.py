"""The client against a service that misbehaves: every failure is a CacheError, and a call with a
deadline ends within it whatever the service does (trickles, cuts its answer, or cannot even be
resolved). No running service needed."""

import contextlib
import email.utils
import hashlib
import json
import logging
import os
import platform
import signal
import socket
import ssl
import struct
import subprocess
import tempfile
import threading
import time
import unittest
import warnings
from typing import Iterator, List, Optional, Tuple
from unittest import mock

from fake_service import (CountingRelay, FakeService, KeepAliveService, TcpServer, head, reply,
                          whole)
from support import descriptor, fresh_client, needs_service

import pt2cache
from pt2cache import CacheClient, CacheError
from pt2cache.errors import IntegrityError, NotFound, ServiceUnavailable
from pt2cache import transport
from pt2cache.transport import Transport, _seconds

SHA = "a" * 64
PROBLEM = "application/problem+json"


def trickling(connection: socket.socket, _: int) -> None:
    """Headers at once, then a byte a second: each read succeeds, the whole never comes."""
    connection.sendall(head(200, 100, "application/octet-stream", {"ETag": '"%s"' % SHA}))
    for _ in range(100):
        connection.sendall(b"x")
        time.sleep(1)


def cut_short(connection: socket.socket, _: int) -> None:
    connection.sendall(head(200, 100, "application/octet-stream", {"ETag": '"%s"' % SHA}))
    connection.sendall(b"x" * 50)


@contextlib.contextmanager
def tls_service() -> Iterator[ssl.SSLContext]:
    """A server context with a throwaway self-signed certificate for 127.0.0.1, which the client
    trusts meanwhile (SSL_CERT_FILE)."""
    with tempfile.TemporaryDirectory() as keys:
        cert, key = os.path.join(keys, "cert.pem"), os.path.join(keys, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                        "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                        "-keyout", key, "-out", cert], check=True, capture_output=True)
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(cert, key)
        with mock.patch.dict(os.environ, {"SSL_CERT_FILE": cert}):
            yield tls


@contextlib.contextmanager
def private_ca() -> Iterator[Tuple[ssl.SSLContext, str, str]]:
    """A server context whose certificate, for 127.0.0.1 and localhost, a CA of its own signed
    (as a TLS terminator's in front of the service), that CA's PEM file, and another CA's."""
    with tempfile.TemporaryDirectory() as keys:
        def openssl(*arguments: str) -> None:
            subprocess.run(["openssl", *arguments], check=True, capture_output=True, cwd=keys)

        for ca in ("ca", "other"):
            openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                    "/CN=%s" % ca, "-keyout", ca + ".key", "-out", ca + ".pem")
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost",
                "-keyout", "server.key", "-out", "server.csr")
        with open(os.path.join(keys, "san"), "w") as san:
            san.write("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
        openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                "-CAcreateserial", "-days", "1", "-extfile", "san", "-out", "server.pem")
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(os.path.join(keys, "server.pem"), os.path.join(keys, "server.key"))
        yield tls, os.path.join(keys, "ca.pem"), os.path.join(keys, "other.pem")


def not_found(connection: socket.socket, _: int) -> None:
    connection.sendall(head(404, 0, "application/problem+json"))


class PrivateCaTest(unittest.TestCase):
    """The service behind a TLS terminator whose certificate a private CA signed: the client
    trusts that CA where PT2CACHE_CA_BUNDLE (this client's connections only) or SSL_CERT_FILE
    (OpenSSL's default, the whole process's) names its PEM file, and without it says at once,
    with no retry, what to set."""

    def _get(self, url: str, **env: str) -> CacheError:
        kept = {k: v for k, v in os.environ.items() if k not in ("SSL_CERT_FILE", "SSL_CERT_DIR",
                                                                   transport.CA_BUNDLE)}
        with mock.patch.dict(os.environ, {**kept, **env}, clear=True):
            with self.assertRaises(CacheError) as refused:
                CacheClient(url, "ns", timeout=5).get_entry("fx-graph", "k", retries=3)
        return refused.exception

    def test_the_ca_named_in_the_bundle_setting_or_ssl_cert_file_is_trusted(self):
        with private_ca() as (tls, ca, _), FakeService(not_found, tls=tls) as service:
            for env in ({transport.CA_BUNDLE: ca}, {"SSL_CERT_FILE": ca}):
                self.assertIsInstance(self._get(service.url, **env), NotFound, env)
            self.assertEqual(len(service.requests), 2)

    def test_a_service_signed_by_a_ca_not_given_fails_at_once_saying_what_to_set(self):
        with private_ca() as (tls, _, other), FakeService(not_found, tls=tls) as service:
            for tried, env in enumerate(({}, {transport.CA_BUNDLE: other}), start=1):
                refused = self._get(service.url, **env)
                self.assertIsInstance(refused, ServiceUnavailable, env)
                self.assertIn("certificate verify failed", str(refused))
                self.assertIn("set PT2CACHE_CA_BUNDLE", str(refused))
                self.assertEqual(service.connections, tried, "not retried")
            self.assertEqual(service.requests, [])

    def test_a_certificate_for_another_host_fails_at_once_naming_the_host_not_the_ca(self):
        # the right CA, a URL host the certificate does not name: 127.1 reaches 127.0.0.1, which
        # it does name; adding a CA would not help, the host in PT2CACHE_URL would
        with private_ca() as (tls, ca, _), FakeService(not_found, tls=tls) as service:
            refused = self._get(service.url.replace("127.0.0.1", "127.1"),
                                **{transport.CA_BUNDLE: ca})
            self.assertIsInstance(refused, ServiceUnavailable)
            self.assertIn("mismatch", str(refused))
            self.assertIn("does not name the host 127.1", str(refused))
            self.assertNotIn("set PT2CACHE_CA_BUNDLE", str(refused))
            self.assertEqual(service.connections, 1, "not retried")
            self.assertEqual(service.requests, [])

    def test_a_bundle_that_cannot_be_read_is_every_calls_failure_naming_it(self):
        with private_ca() as (tls, _, _), FakeService(not_found, tls=tls) as service:
            refused = self._get(service.url, **{transport.CA_BUNDLE: "/no/such/ca.pem"})
            self.assertIn("PT2CACHE_CA_BUNDLE=/no/such/ca.pem cannot be read", str(refused))
            self.assertEqual(service.requests, [])

    def test_the_bundle_leaves_a_service_on_plain_http_reached_over_http(self):
        # a fleet's nodes may carry the setting for one service while they call another on http
        with private_ca() as (_, ca, _), FakeService(not_found) as service:
            self.assertIsInstance(self._get(service.url, **{transport.CA_BUNDLE: ca}), NotFound)
            self.assertEqual(len(service.requests), 1)


def plain_http(connection: socket.socket) -> None:
    """A plain-HTTP service: the TLS ClientHello is a request it cannot read, and says so."""
    with connection:
        connection.recv(4096)
        connection.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n"
                           b"Connection: close\r\n\r\n")


def hangs_up(connection: socket.socket) -> None:
    """A load balancer restarting: the connection is taken, then closed mid-handshake."""
    with connection:
        connection.recv(4096)


def resets(connection: socket.socket) -> None:
    with connection:
        connection.recv(4096)
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def silent(connection: socket.socket) -> None:
    """A handshake that never gets its answer (the read times out)."""
    with connection:
        connection.recv(4096)
        time.sleep(3)


class HandshakeFailureTest(unittest.TestCase):
    """A TLS handshake that fails the same way every time (https:// to a port that speaks plain
    HTTP, a TLS version the other end refuses) fails the call at once, saying what is likely wrong;
    one that may go through next time (the connection closed or reset mid-handshake, no answer in
    time) is retried as before."""

    def _get(self, port: int) -> Tuple[CacheError, float]:
        started = time.monotonic()
        with self.assertRaises(CacheError) as refused:
            Transport("https://127.0.0.1:%d" % port, timeout=0.5, retries=3,
                      backoff=0.05).request("GET", "/v1/health")
        return refused.exception, time.monotonic() - started

    def test_https_to_a_plain_http_port_fails_at_once_naming_the_likely_cause(self):
        with TcpServer(plain_http) as server:
            refused, took = self._get(server.port)
        self.assertEqual(server.connections, 1, "not retried")
        self.assertIsInstance(refused, ServiceUnavailable)
        self.assertIsInstance(refused.__cause__, ssl.SSLError)
        self.assertIn("plain HTTP", str(refused))
        self.assertIn("PT2CACHE_URL", str(refused))
        self.assertLess(took, 0.5)

    def test_a_tls_version_the_service_refuses_fails_at_once(self):
        with tls_service() as tls:
            tls.minimum_version = ssl.TLSVersion.TLSv1_3
            client = ssl.create_default_context()
            client.maximum_version = ssl.TLSVersion.TLSv1_2
            with TcpServer(lambda c: tls.wrap_socket(c, server_side=True).close()) as server, \
                    mock.patch.object(ssl, "_create_default_https_context", lambda: client):
                refused, took = self._get(server.port)
        self.assertEqual(server.connections, 1, "not retried")
        self.assertIsInstance(refused, ServiceUnavailable)
        self.assertIsInstance(refused.__cause__, ssl.SSLError)
        self.assertIn("TLS version", str(refused))
        self.assertLess(took, 0.5)

    def test_a_handshake_reset_says_it_was_reset(self):
        with TcpServer(resets) as server:
            refused, _ = self._get(server.port)
        self.assertIsInstance(refused.__cause__, ConnectionResetError)
        self.assertIn("Connection reset", str(refused))

    def test_a_handshake_failure_alert_is_retried_as_another_terminator_may_answer(self):
        """The generic handshake_failure alert is also what one terminator of several behind the
        service's name sends while its certificate is rotated or its settings rolled out (or for
        a client certificate it wants, in TLS 1.2): the next connection may reach another."""
        tried: List[int] = []
        with tls_service() as tls:
            refusing = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)  # no certificate (yet)

            def one_of_two_terminators(connection: socket.socket) -> None:
                tried.append(1)
                if len(tried) == 1:
                    with contextlib.suppress(OSError):
                        refusing.wrap_socket(connection, server_side=True).close()
                    return
                with tls.wrap_socket(connection, server_side=True) as answering:
                    answering.recv(65536)
                    answering.sendall(head(404, 0, "application/problem+json"))

            with TcpServer(one_of_two_terminators) as server:
                with self.assertRaises(NotFound):
                    Transport("https://127.0.0.1:%d" % server.port, timeout=5, retries=3,
                              backoff=0.05).request("GET", "/v1/health")
        self.assertEqual(server.connections, 2, "the refused handshake and its retry")

    def test_a_handshake_cut_reset_or_unanswered_is_retried(self):
        for answer in (hangs_up, resets, silent):
            with self.subTest(answer.__name__), TcpServer(answer) as server:
                refused, _ = self._get(server.port)
                self.assertIsInstance(refused, ServiceUnavailable)
                self.assertNotIn("plain HTTP", str(refused))
                self.assertEqual(server.connections, 4, "the first try and 3 retries")


class AlpnTest(unittest.TestCase):
    """The client offers ALPN http/1.1 over HTTPS, with its own CA bundle as with Python's default
    context: a terminator that requires it (some Envoy and load balancer settings) refuses a
    handshake without it."""

    def test_the_client_offers_http_1_1_with_and_without_its_ca_bundle(self):
        offered: List[Optional[str]] = []

        def record(connection: socket.socket, _: int) -> None:
            offered.append(connection.selected_alpn_protocol())  # type: ignore[attr-defined]
            not_found(connection, _)

        with private_ca() as (tls, ca, _), FakeService(record, tls=tls) as service:
            tls.set_alpn_protocols(["h2", "http/1.1"])
            for env in ({"SSL_CERT_FILE": ca}, {transport.CA_BUNDLE: ca}):
                kept = {k: v for k, v in os.environ.items()
                        if k not in ("SSL_CERT_FILE", "SSL_CERT_DIR", transport.CA_BUNDLE)}
                with mock.patch.dict(os.environ, {**kept, **env}, clear=True):
                    with self.assertRaises(NotFound):
                        CacheClient(service.url, "ns", timeout=5).get_entry("fx-graph", "k")
        self.assertEqual(offered, ["http/1.1", "http/1.1"])


class DeadlineTest(unittest.TestCase):

    def _ends_at_the_deadline(self, service: FakeService, deadline: float) -> None:
        """An entry's read from ``service`` ends at its deadline, saying so, long before the
        whole answer would have come."""
        client = CacheClient(service.url, "ns", timeout=5)
        started = time.monotonic()
        with self.assertRaisesRegex(ServiceUnavailable, "no whole answer within its deadline"):
            client.get_entry("fx-graph", "k", retries=0, deadline=deadline)
        self.assertLess(time.monotonic() - started, 3.0)

    def test_a_trickling_answer_ends_at_the_deadline_as_service_unavailable(self):
        with FakeService(trickling) as service:
            self._ends_at_the_deadline(service, 1.5)

    def test_an_answer_without_a_length_cut_at_the_deadline_is_not_taken_whole(self):
        """A body that ends when the connection closes (no Content-Length, as a proxy may send
        it) and trickles: the watchdog's shutting the socket at the deadline looks like its end.
        The call says the deadline came; the bytes read so far are not handed over as the
        answer, nor as an entry that came incomplete (which the adapter takes for a miss of that
        entry rather than a slow service)."""
        def trickling_without_length(connection: socket.socket, _: int) -> None:
            connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
                               b"Connection: close\r\nETag: \"%s\"\r\n\r\n" % SHA.encode())
            for _ in range(100):
                connection.sendall(b"x")
                time.sleep(0.25)

        with FakeService(trickling_without_length) as service:
            self._ends_at_the_deadline(service, 1.0)

    def test_a_trickling_answer_over_https_ends_at_the_deadline(self):
        """The deadline's watchdog shuts the socket that reads: over TLS, the TLS socket, which
        took the connection's descriptor over from the one the call connected."""
        with tls_service() as tls, FakeService(trickling, tls=tls) as service:
            self._ends_at_the_deadline(service, 1.5)

    def test_headers_that_trickle_end_at_the_deadline(self):
        def trickling_headers(connection: socket.socket, _: int) -> None:
            connection.sendall(b"HTTP/1.1 200 OK\r\n")
            for _ in range(20):
                connection.sendall(b"X-Slow: 1\r\n")
                time.sleep(0.5)

        with FakeService(trickling_headers) as service:
            client = CacheClient(service.url, "ns", timeout=1)
            started = time.monotonic()
            with self.assertRaises(ServiceUnavailable):
                client.get_entry("fx-graph", "k", retries=0, deadline=1.0)
            self.assertLess(time.monotonic() - started, 2.0)

    def test_no_answer_within_the_deadline_is_named_so_not_a_connection_the_service_closed(self):
        """The deadline's watchdog shuts the socket while the status line is awaited: http.client
        then says "Remote end closed connection without response", which blames the service (a
        restarting instance, say) for what was the caller's own deadline."""
        with FakeService(lambda connection, _: time.sleep(3)) as service:
            client = CacheClient(service.url, "ns", timeout=5)
            for call in (lambda: client.get_entry("fx-graph", "k", retries=0, deadline=1.0),
                         lambda: client.put_entry("fx-graph", "k", b"{}", retries=0,
                                                  deadline=1.0)):
                with self.assertRaisesRegex(ServiceUnavailable, "within the deadline") as raised:
                    call()
                self.assertNotIn("closed", str(raised.exception))

    def test_a_name_the_resolver_never_answers_costs_the_timeout_not_the_resolvers_own(self):
        def silent_resolver(*args, **kwargs):
            time.sleep(10)
            raise socket.gaierror("too late")

        client = CacheClient("http://cache.invalid:8080", "ns", timeout=0.5)
        with mock.patch("socket.getaddrinfo", silent_resolver):
            started = time.monotonic()
            with self.assertRaisesRegex(ServiceUnavailable, "resolving cache.invalid"):
                client.get_entry("fx-graph", "k", retries=0, deadline=0.5)
            self.assertLess(time.monotonic() - started, 2.0)


class EveryFailureIsACacheErrorTest(unittest.TestCase):

    def test_an_answer_cut_short_says_how_much_came(self):
        with FakeService(cut_short) as service:
            client = CacheClient(service.url, "ns", timeout=5)
            with self.assertRaisesRegex(ServiceUnavailable, "after 50 bytes, 50 short"):
                client.get_entry("fx-graph", "k", retries=0)

    def test_a_page_that_is_no_json_is_a_cache_error(self):
        page = whole(200, b"<html>welcome to the proxy</html>", "text/html")
        with FakeService(page) as service:
            with self.assertRaisesRegex(CacheError, "not JSON"):
                CacheClient(service.url, "ns").lookup("mega-cache", {})

    def test_a_malformed_url_fails_each_call_not_the_constructor(self):
        client = CacheClient("pt2cache:8080", "ns")  # a node builds it at start: no crash there
        with self.assertRaisesRegex(CacheError, "not an http"):
            client.lookup("mega-cache", {})


class TokenTest(unittest.TestCase):
    """A token read from a file or a secret ends with a line break; one that cannot be sent must
    never appear in the error (logs keep errors, and a write token puts code on the fleet)."""

    def test_a_token_that_ends_with_a_line_break_is_sent_without_it(self):
        with FakeService(whole(200, {"hit": False, "key": "k"})) as service:
            CacheClient(service.url, "ns", token="s3cret-token\n").lookup("mega-cache", {})
            self.assertEqual(service.headers[0]["authorization"], "Bearer s3cret-token")

    def test_a_token_that_cannot_be_sent_is_refused_without_showing_it(self):
        for token in ("s3cret\ntoken", "s3cret token", "s3cret\x00"):
            client = CacheClient("http://127.0.0.1:9", "ns", token=token)
            with self.assertRaises(CacheError) as raised:
                client.lookup("mega-cache", {})
            self.assertIn("token is not shown", str(raised.exception))
            self.assertNotIn("s3cret", str(raised.exception))

    def test_another_header_that_cannot_be_sent_is_named_not_shown(self):
        client = CacheClient("http://127.0.0.1:9", "ns")
        with self.assertRaises(CacheError) as raised:
            client.http.request("GET", "/x", headers={"X-Secret": "s3cret\nvalue"})
        self.assertIn("X-Secret", str(raised.exception))
        self.assertNotIn("s3cret", str(raised.exception))


class UserAgentTest(unittest.TestCase):
    """An operator tells which client version made a call by the service's access line, which
    records the User-Agent: a node names its client and Python, each call."""

    def test_every_call_names_the_client_version(self):
        with FakeService(whole(200, {"hit": False, "key": "k"})) as service:
            client = CacheClient(service.url, "ns")
            client.lookup("mega-cache", {})
            client.lookup("mega-cache", {})
        self.assertEqual([h.get("user-agent") for h in service.headers],
                         ["pt2cache-python/%s python/%s" % (pt2cache.__version__,
                                                            platform.python_version())] * 2)


class TokenOverPlainHttpTest(unittest.TestCase):
    """A bearer token is the node's whole credential: sent over plain HTTP to another host, anyone
    on the path reads it (and a write token puts code on the fleet). The client says so once per
    service, naming the host, never the token; to a loopback address, or over HTTPS, it says
    nothing."""

    def setUp(self):
        getattr(transport, "_WARNED_PLAIN_HTTP", set()).clear()  # warned once per process

    def test_a_token_sent_over_plain_http_to_another_host_is_warned_of_once(self):
        with self.assertLogs("pt2cache", "WARNING") as logged:
            for _ in range(3):  # a serving process builds its client more than once
                CacheClient("http://cache.example:8080", "ns", token="s3cret-token")
        self.assertEqual(len(logged.records), 1, logged.output)
        said = logged.output[0]
        self.assertIn("plain HTTP", said)
        self.assertIn("cache.example:8080", said)
        self.assertIn("https://", said)
        self.assertNotIn("s3cret", said)

    def test_nothing_is_said_over_https_to_loopback_or_without_a_token(self):
        quiet = [("https://cache.example", "t0ken-value"), ("http://localhost:8080", "t0ken-value"),
                 ("http://127.0.0.1:8080", "t0ken-value"), ("http://[::1]:8080", "t0ken-value"),
                 ("http://localhost.:8080", "t0ken-value"),  # the fully qualified name
                 ("http://[::ffff:127.0.0.1]:8080", "t0ken-value"),  # IPv4 loopback, mapped
                 ("http://cache.example:8080", None)]
        said: List[logging.LogRecord] = []
        catch = logging.Handler(logging.WARNING)
        catch.emit = said.append  # type: ignore[method-assign]
        logger = logging.getLogger("pt2cache")
        logger.addHandler(catch)  # assertNoLogs is 3.10's; the client runs on 3.9
        try:
            for url, token in quiet:
                with mock.patch.dict(os.environ, {"PT2CACHE_TOKEN": ""}):
                    CacheClient(url, "ns", token=token)
        finally:
            logger.removeHandler(catch)
        self.assertEqual([r.getMessage() for r in said], [])


class IncompleteAnswerIsPublicTest(unittest.TestCase):
    """The README and docs/adr/0028 name IncompleteAnswer for callers to catch: it is importable
    from the package, as every other error is."""

    def test_it_is_exported_beside_service_unavailable(self):
        import pt2cache

        self.assertIn("IncompleteAnswer", pt2cache.__all__)
        self.assertTrue(issubclass(pt2cache.IncompleteAnswer, pt2cache.ServiceUnavailable))


class TokenStaysWithTheServiceTest(unittest.TestCase):
    """The token goes to the service's host and port only: neither a redirect nor an upload URL
    that names another host sends it there."""

    def test_a_redirect_to_another_host_is_not_followed(self):
        with FakeService(whole(200, {"hit": False, "key": "k"})) as elsewhere:
            moved = whole(307, b"", "text/plain", {"Location": elsewhere.url + "/v1/x"})
            with FakeService(moved) as service:
                with self.assertRaises(CacheError) as refused:
                    CacheClient(service.url, "ns", token="s3cret-token").lookup("mega-cache", {})
            self.assertEqual(elsewhere.requests, [])
        self.assertEqual(refused.exception.status, 307)
        self.assertNotIn("s3cret", str(refused.exception))

    def test_an_upload_url_naming_another_host_is_sent_to_the_service(self):
        with FakeService(whole(200, {"state": "ready"})) as elsewhere:
            def answer(connection: socket.socket, n: int) -> None:
                if n == 1:
                    whole(201, {"state": "pending",
                                "uploadUrl": elsewhere.url + "/v1/upload/a1"})(connection, n)
                else:
                    whole(200, {"state": "ready"})(connection, n)

            with FakeService(answer) as service:
                CacheClient(service.url, "ns", token="s3cret-token").upload(
                    "mega-cache", b"bytes", key="k")
            self.assertEqual(elsewhere.requests, [])
        self.assertEqual(len(service.requests), 2)


class FileChangedWhileSentTest(unittest.TestCase):
    """A file pushed while something still writes it: the service must not get a whole body that
    is not what was declared, and the push must fail at once, saying so (it hung for the socket
    timeout when the file shrank, and sent bytes past Content-Length when it grew)."""

    def push_while(self, change) -> CacheError:
        with tempfile.TemporaryDirectory() as directory:
            path = os.path.join(directory, "artifact.bin")
            with open(path, "wb") as f:
                f.write(os.urandom(300_000))
            received = []

            def answer(connection: socket.socket, n: int) -> None:
                if n == 1:  # the declaration, made after hashing: the file changes now
                    change(path)
                    whole(201, {"id": "i", "uploadUrl": "/v1/namespaces/ns/artifacts/i/content"})(
                        connection, n)

            with FakeService(answer) as service:
                started = time.monotonic()
                with self.assertRaises(CacheError) as raised:
                    CacheClient(service.url, "ns", timeout=20).upload("mega-cache", path, {})
                self.assertLess(time.monotonic() - started, 5)
                while len(service.requests) < 2 and time.monotonic() - started < 5:
                    time.sleep(0.05)  # the service notes a request once its body stops coming
                time.sleep(0.2)
                self.assertEqual(len(service.requests), 2, "declared and sent once, not retried")
                received.append(service.headers[1])
        self.assertEqual(received[0]["content-length"], "300000")
        self.assertIn("changed while it was sent", str(raised.exception))
        return raised.exception

    def test_a_file_that_shrinks(self):
        self.assertIn("shrank by 100000 bytes",
                      str(self.push_while(lambda p: os.truncate(p, 200_000))))

    def test_a_file_that_grows(self):
        def grow(path: str) -> None:
            with open(path, "ab") as f:
                f.write(b"more")
        self.assertIn("it grew", str(self.push_while(grow)))

    def test_a_file_rewritten_in_place(self):
        def rewrite(path: str) -> None:
            with open(path, "r+b") as f:
                f.seek(299_999)
                f.write(b"!")
        self.assertIn("not those hashed", str(self.push_while(rewrite)))


class ResumedDownloadTest(unittest.TestCase):

    def test_an_answer_that_breaks_off_is_resumed_where_it_stopped(self):
        content = bytes(range(256)) * 400
        sha = hashlib.sha256(content).hexdigest()

        def first_cut_then_the_rest(connection: socket.socket, number: int) -> None:
            if number == 1:
                connection.sendall(head(200, len(content), "application/octet-stream",
                                        {"ETag": '"%s"' % sha}) + content[:40000])
                return
            rest = content[40000:]
            connection.sendall(head(206, len(rest), "application/octet-stream", {
                "ETag": '"%s"' % sha,
                "Content-Range": "bytes 40000-%d/%d" % (len(content) - 1, len(content))}) + rest)

        with FakeService(first_cut_then_the_rest) as service, \
                tempfile.TemporaryDirectory() as directory:
            artifact = {"id": "a", "sha256": sha, "sizeBytes": len(content),
                        "downloadUrl": "/v1/namespaces/ns/artifacts/a/content"}
            path = CacheClient(service.url, "ns").download(
                artifact, os.path.join(directory, "out"), retries=1)

            with open(path, "rb") as f:
                self.assertEqual(f.read(), content)
            self.assertEqual(len(service.requests), 2)
            self.assertEqual(service.headers[1].get("range"), "bytes=40000-")
            self.assertEqual(service.headers[1].get("if-range"), '"%s"' % sha)
            self.assertEqual(os.listdir(directory), ["out"], "no temporary file left")

    def test_with_no_retries_left_the_cut_is_raised_and_nothing_is_left(self):
        with FakeService(cut_short) as service, tempfile.TemporaryDirectory() as directory:
            artifact = {"id": "a", "sha256": SHA, "sizeBytes": 100,
                        "downloadUrl": "/v1/namespaces/ns/artifacts/a/content"}
            with self.assertRaisesRegex(ServiceUnavailable, "50 short"):
                CacheClient(service.url, "ns").download(
                    artifact, os.path.join(directory, "out"), retries=0)
            self.assertEqual(os.listdir(directory), [])


class EntryMissTest(unittest.TestCase):

    def test_only_the_services_own_no_such_entry_is_a_miss(self):
        absent = whole(404, {"type": "urn:pt2cache:problem:artifact-not-found"}, PROBLEM)
        with FakeService(absent) as service:
            self.assertIsNone(CacheClient(service.url, "ns").get_entry("fx-graph", "k"))

    def test_a_404_from_something_else_is_raised(self):
        for answer in (whole(404, {"type": "urn:pt2cache:problem:not-found"}, PROBLEM),
                       whole(404, b"<html>no such page</html>", "text/html")):
            with FakeService(answer) as service:
                with self.assertRaises(NotFound):
                    CacheClient(service.url, "ns").get_entry("fx-graph", "k")

    def test_bytes_without_their_digest_are_not_handed_over(self):
        untagged = whole(200, b'{"graph": 1}', "application/octet-stream")
        with FakeService(untagged) as service:
            with self.assertRaisesRegex(IntegrityError, "without its digest"):
                CacheClient(service.url, "ns").get_entry("fx-graph", "k")

    def test_an_entry_downloaded_corrupt_is_named_and_leaves_no_file(self):
        corrupt = whole(200, b'{"graph": 1}', "application/octet-stream", {"ETag": '"%s"' % SHA})
        with FakeService(corrupt) as service, tempfile.TemporaryDirectory() as directory:
            destination = os.path.join(directory, "entry")
            with self.assertRaisesRegex(IntegrityError, "^fx-graph entry k: downloaded 12 bytes"):
                CacheClient(service.url, "ns").download_entry("fx-graph", "k", destination)
            self.assertEqual(os.listdir(directory), [])


class StalledBodyTest(unittest.TestCase):
    """``408 request-timeout``: the service stopped waiting for a body that stopped arriving, kept
    nothing of it, and says to send it again (the contract's introduction)."""

    def test_bytes_the_service_stopped_waiting_for_are_sent_again(self):
        stalled = {"type": "urn:pt2cache:problem:request-timeout", "title": "Request Timeout",
                   "status": 408, "detail": "the request body stopped arriving for longer than "
                   "the service waits between its bytes (60 s); nothing of it was kept: send it "
                   "again"}
        ready = {"id": "a1", "state": "ready", "sha256": hashlib.sha256(b"bytes").hexdigest()}
        answers = {1: whole(201, dict(ready, state="pending", uploadUrl="/v1/upload/a1")),
                   2: whole(408, stalled, PROBLEM), 3: whole(200, ready)}
        with FakeService(lambda connection, n: answers[n](connection, n)) as service:
            client = CacheClient(service.url, "ns", timeout=5)
            client.http.backoff = 0.01
            # before, the 408 was raised: the upload after a miss was lost, though nothing of
            # the reservation had changed
            self.assertEqual(client.upload("mega-cache", b"bytes", key="k")["state"], "ready")
        self.assertEqual(service.requests[1:], ["PUT /v1/upload/a1 HTTP/1.1"] * 2)


class RetryAfterTest(unittest.TestCase):

    def test_seconds_or_an_http_date(self):
        self.assertEqual(_seconds("7"), 7.0)
        later = email.utils.formatdate(time.time() + 20, usegmt=True)
        self.assertAlmostEqual(_seconds(later), 20.0, delta=2.0)
        self.assertIsNone(_seconds("soon"))
        self.assertIsNone(_seconds(None))

    def test_a_fleet_told_the_same_wait_spreads_its_retries_beyond_it(self):
        # 200 nodes refused at once with Retry-After: 5: none comes back before it, and they do
        # not all come back in the same instant (before, every one slept exactly 5.0 s)
        slept = self.pauses("5", 200)
        self.assertGreaterEqual(min(slept), 5.0)
        self.assertLessEqual(max(slept), 10.0)
        in_the_first_tenth = sum(1 for s in slept if s < 5.5)
        self.assertLess(in_the_first_tenth, 50, sorted(slept)[:60])
        self.assertGreater(len(set(round(s, 2) for s in slept)), 60)

    def test_a_fleet_told_the_same_wait_comes_back_over_a_window_as_long_as_it(self):
        # 200 nodes told "1 s" come back between 1 and 2 s, a quarter of them or so in each
        # quarter of that window; before, all within 1 to 1.5 s, none in the second half
        slept = self.pauses("1", 200)
        self.assertGreaterEqual(min(slept), 1.0)
        self.assertLessEqual(max(slept), 2.0)
        quarters = [sum(1 for s in slept if 1.0 + q / 4 <= s < 1.0 + (q + 1) / 4)
                    for q in range(4)]
        self.assertTrue(all(n >= 25 for n in quarters), quarters)

    @staticmethod
    def pauses(retry_after, nodes):
        """What each of a fleet refused at once with this Retry-After sleeps before its retry."""
        transport = Transport("http://localhost:1")
        slept = []
        with mock.patch("pt2cache.transport.time.sleep", slept.append):
            for _ in range(nodes):
                transport._pause(1, retry_after, "answered 429", None)
        return slept

    def test_a_refusal_whose_wait_outlasts_the_deadline_is_raised_as_what_it_said(self):
        busy = {"type": "urn:pt2cache:problem:database-unavailable", "status": 503,
                "detail": "no database connection within 5000 ms"}
        with FakeService(whole(503, busy, PROBLEM, {"Retry-After": "5"})) as service:
            client = CacheClient(service.url, "ns", timeout=5)
            with self.assertRaises(ServiceUnavailable) as refused:
                client.lookup("mega-cache", {}, deadline=2.0, retries=2)
        # before: status None and "answered 503; no time left to retry", which cause unsaid
        self.assertEqual((refused.exception.status, refused.exception.slug),
                         (503, "database-unavailable"))
        self.assertIn("no database connection", str(refused.exception))
        self.assertIn("no time left to wait", str(refused.exception))

    def test_the_wait_it_is_told_is_kept_within_the_deadline(self):
        transport = Transport("http://localhost:1")
        with mock.patch("pt2cache.transport.time.sleep") as sleep:
            with self.assertRaises(ServiceUnavailable):
                transport._pause(1, "5", "answered 503", time.monotonic() + 4.0)
        sleep.assert_not_called()


def nginx_page(status: int, reason: str):
    """The page nginx answers itself with, as it sends it."""
    return whole(status, ("<html>\r\n<head><title>%d %s</title></head>\r\n<body>\r\n<center>"
                          "<h1>%d %s</h1></center>\r\n<hr><center>nginx/1.22.1</center>\r\n"
                          "</body>\r\n</html>\r\n" % (status, reason, status, reason)).encode(),
                 "text/html")


class ProxyAnswersTest(unittest.TestCase):
    """What a proxy in front of the service answers itself (docs/behind-a-proxy.md): its 413, 502
    and 504 pages carry no problem details; the error says a proxy answered, and why."""

    def test_a_proxys_body_limit_is_named_and_not_resent(self):
        with FakeService(nginx_page(413, "Request Entity Too Large")) as service:
            client = CacheClient(service.url, "ns", timeout=5)
            client.http.backoff = 0.01
            with self.assertRaises(CacheError) as refused:
                client.put_entry("fx-graph", "k", b"x" * 2000)
        # before: "PUT /v1/namespaces/ns/entries/fx-graph/k (HTTP 413)", which named no cause
        self.assertEqual(refused.exception.status, 413)
        self.assertIn("413 Request Entity Too Large", str(refused.exception))
        self.assertIn("a proxy or balancer in front of the service", str(refused.exception))
        self.assertIn("client_max_body_size", str(refused.exception))
        self.assertEqual(len(service.requests), 1)

    def test_a_proxys_bad_gateway_is_retried_then_named(self):
        with FakeService(nginx_page(502, "Bad Gateway")) as service:
            client = CacheClient(service.url, "ns", timeout=5)
            client.http.backoff = 0.01
            with self.assertRaises(ServiceUnavailable) as failed:
                client.get_entry("fx-graph", "k")
        self.assertEqual(len(service.requests), 4)  # the first and three retries
        self.assertIn("502 Bad Gateway", str(failed.exception))
        self.assertIn("reached no instance that answered", str(failed.exception))

    def test_an_upload_cut_by_the_proxys_gateway_timeout_is_sent_again(self):
        # the bytes' PUT is idempotent (a second one of the same bytes answers the same ready
        # artifact), so a 504 after them is resent; the declaration before is answered first
        def answer(connection: socket.socket, n: int) -> None:
            if n == 1:
                whole(201, {"state": "pending", "uploadUrl": "/v1/upload/a1"})(connection, n)
            elif n == 2:
                nginx_page(504, "Gateway Time-out")(connection, n)
            else:
                whole(200, {"state": "ready"})(connection, n)

        with FakeService(answer) as service:
            client = CacheClient(service.url, "ns", timeout=5)
            client.http.backoff = 0.01
            self.assertEqual(client.upload("mega-cache", b"bytes", key="k")["state"], "ready")
        self.assertEqual(service.requests[1:], ["PUT /v1/upload/a1 HTTP/1.1"] * 2)

    def test_a_bodyless_answer_is_not_blamed_on_a_proxy(self):
        with FakeService(whole(404, b"", "text/plain")) as service:
            with self.assertRaises(NotFound) as missing:
                CacheClient(service.url, "ns", timeout=5).artifact("a1")
        self.assertNotIn("proxy", str(missing.exception))


def entry(handler, _: int) -> None:
    """An entry's answer, as the service gives it: its bytes, tagged with their SHA-256."""
    data = b'{"graph": 1}'
    reply(handler, 200, data, {"ETag": '"%s"' % hashlib.sha256(data).hexdigest()},
          "application/octet-stream")


def stored(handler, _: int) -> None:
    reply(handler, 201, {"state": "ready"})


class KeepAliveTest(unittest.TestCase):
    """Calls through one client share a connection (a far node paid a TCP round trip, and over
    HTTPS a handshake, for every call), and never at the price of an error, a request applied
    twice or an answer read from another call's leftovers (docs/adr/0041)."""

    def test_calls_through_one_client_use_one_connection(self):
        absent = {"type": "urn:pt2cache:problem:artifact-not-found"}
        for tls in (None, "tls"):
            with self.subTest(tls=tls), self.service(lambda h, n: entry(h, n) if n % 3 else
                                                     reply(h, 404, absent, content_type=PROBLEM),
                                                     tls) as service:
                client = CacheClient(service.url, "ns", timeout=5)
                answers = [client.get_entry("fx-graph", "k%d" % i) for i in range(12)]
                self.assertTrue(client.has_entry("fx-graph", "k"))
                # before: 13 connections, one per call
                self.assertEqual(service.connections, 1)
                self.assertEqual(answers.count(None), 4, "the misses, each read whole")

    def test_a_kept_connection_sends_each_part_of_a_request_at_once(self):
        """http.client sends a request's headers and its body in two writes, a body of bytes
        too, and a file's in blocks: with Nagle's algorithm on, on a kept connection, the body
        waited for the service's delayed acknowledgement of the headers, about 40 ms a call (a
        lookup's median 6 to 47 ms against the real service). The client's connections send with
        TCP_NODELAY (http.client sets it as it connects; the transport's own connect and TLS
        wrapping must keep it), over HTTP and HTTPS."""
        ready = {"id": "a", "state": "ready"}
        created = dict(ready, state="pending", uploadUrl="/v1/namespaces/ns/artifacts/a/content")
        for tls in (None, "tls"):
            with self.subTest(tls=tls), self.service(
                    lambda h, n: reply(h, 201 if n == 1 else 200, created if n == 1 else ready),
                    tls) as service, tempfile.TemporaryDirectory() as directory:
                path = os.path.join(directory, "mega-cache.bin")
                with open(path, "wb") as f:
                    f.write(os.urandom(1024))
                client = CacheClient(service.url, "ns", timeout=5)
                self.assertEqual(client.upload("mega-cache", path), ready)
                kept = client.http._pool.take()
                self.assertIsNotNone(kept, "the upload's connection is kept for the next call")
                self.assertEqual(service.connections, 1)
                self.assertEqual(kept.sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY), 1,
                                 "Nagle's algorithm is on for the client's connection")
                kept.close()

    def test_a_service_that_closed_an_idle_connection_costs_no_error_and_no_second_write(self):
        """The service's close of an idle connection may still be on its way when the next
        request goes out on it (here: the check for it is told nothing came): the request is sent
        again on a new connection, once, though the call allows no retry."""
        with KeepAliveService(stored, idle=0.2) as service:
            client = CacheClient(service.url, "ns", timeout=5)
            client.put_entry("fx-graph", "k1", b"{}", retries=0)
            service.await_closed(1)  # after 0.2 s idle
            with mock.patch("pt2cache.connections._quiet", return_value=True):
                self.assertEqual(client.put_entry("fx-graph", "k2", b"{}", retries=0),
                                 {"state": "ready"})
            self.assertEqual([r.split()[1][-2:] for r in service.requests], ["k1", "k2"])
            self.assertEqual(service.connections, 2)

    def test_an_idle_connection_the_service_closed_is_passed_over_before_sending(self):
        with KeepAliveService(stored, idle=0.2) as service:
            client = CacheClient(service.url, "ns", timeout=5)
            client.put_entry("fx-graph", "k1", b"{}", retries=0)
            service.await_closed(1)
            with mock.patch.object(client.http, "_send", wraps=client.http._send) as sent:
                client.put_entry("fx-graph", "k2", b"{}", retries=0)
            self.assertEqual(sent.call_count, 1, "no request went out on the closed connection")
            self.assertEqual(len(service.requests), 2)

    def test_a_request_that_is_not_idempotent_never_takes_an_idle_connection(self):
        """Sent on an idle connection, it could not be sent again after a failure: the service
        may have read it. So it opens its own."""
        with KeepAliveService(stored, idle=0.2) as service:
            transport = CacheClient(service.url, "ns", timeout=5).http
            transport.request("GET", "/a", expect=(201,)).read()
            service.await_closed(1)
            with mock.patch("pt2cache.connections._quiet", return_value=True):
                transport.request("POST", "/b", b"{}", expect=(201,), retries=0,
                                  idempotent=False).read()
            self.assertEqual(service.requests, ["GET /a HTTP/1.1", "POST /b HTTP/1.1"])
            self.assertEqual(service.connections, 2)

    def test_an_answer_abandoned_midway_is_not_reused(self):
        big = os.urandom(3 * 1024 * 1024)
        with KeepAliveService(lambda h, n: reply(h, 200, big if n == 1 else {"n": n})) as service:
            transport = CacheClient(service.url, "ns", timeout=5).http
            response = transport.request("GET", "/big")
            next(iter(response.iter_chunks(64 * 1024)))
            response.close()
            # the next call reads its own answer, not the rest of the first one
            self.assertEqual(transport.request("GET", "/small").json(), {"n": 2})
            self.assertEqual(transport.request("GET", "/small").json(), {"n": 3})
            self.assertEqual(service.connections, 2)

    def test_an_answer_that_says_connection_close_is_not_reused(self):
        answer = lambda h, n: reply(h, 200, {"n": n}, {"Connection": "close"} if n == 1 else None)
        with KeepAliveService(answer) as service:
            transport = CacheClient(service.url, "ns", timeout=5).http
            for n in (1, 2, 3):
                self.assertEqual(transport.request("GET", "/x").json(), {"n": n})
            self.assertEqual(service.connections, 2)

    def test_a_retry_after_a_transient_failure_uses_a_new_connection(self):
        busy = {"type": "urn:pt2cache:problem:storage-busy", "status": 503}
        answer = lambda h, n: reply(h, 503, busy, {"Retry-After": "0"}, PROBLEM) if n == 2 \
            else entry(h, n)
        with KeepAliveService(answer) as service:
            client = CacheClient(service.url, "ns", timeout=5)
            client.http.backoff = 0.01
            client.get_entry("fx-graph", "k1")
            client.get_entry("fx-graph", "k2")  # 503 on the first connection, then a new one
            client.get_entry("fx-graph", "k3")
            self.assertEqual(len(service.requests), 4)
            self.assertEqual(service.connections, 2)

    def test_a_download_that_broke_off_resumes_on_a_new_connection(self):
        content = os.urandom(200_000)
        sha = hashlib.sha256(content).hexdigest()

        def answer(handler, n: int) -> None:
            if n <= 2:
                return reply(handler, 200, {"n": n})
            if n == 3:  # the download's first answer: its headers and half, then the end
                handler.send_response(200)
                handler.send_header("Content-Length", str(len(content)))
                handler.send_header("ETag", '"%s"' % sha)
                handler.end_headers()
                handler.wfile.write(content[:100_000])
                handler.close_connection = True
                return
            rest = content[100_000:]
            reply(handler, 206, rest, {"ETag": '"%s"' % sha, "Content-Range": "bytes 100000-%d/%d"
                                       % (len(content) - 1, len(content))},
                  "application/octet-stream")

        with KeepAliveService(answer) as service, tempfile.TemporaryDirectory() as directory:
            client = CacheClient(service.url, "ns", timeout=5)
            first = client.http.request("GET", "/one")
            second = client.http.request("GET", "/two")  # both in use: two connections
            first.read(), second.read()  # both kept
            artifact = {"id": "a", "sha256": sha, "sizeBytes": len(content),
                        "downloadUrl": "/v1/namespaces/ns/artifacts/a/content"}
            client.download(artifact, os.path.join(directory, "out"), retries=1)
            with open(os.path.join(directory, "out"), "rb") as f:
                self.assertEqual(f.read(), content)
            # a resume is a retry: on a new connection, not the other kept one (before: 2)
            self.assertEqual(service.connections, 3)

    def test_threads_sharing_one_client_each_read_their_own_answer(self):
        def own(handler, _: int) -> None:  # each key's own bytes, of its own length
            key = handler.path.rsplit("/", 1)[1]
            data = json.dumps({"key": key, "pad": "x" * (len(key) * 997 % 50_000)}).encode()
            reply(handler, 200, data, {"ETag": '"%s"' % hashlib.sha256(data).hexdigest()},
                  "application/octet-stream")

        with KeepAliveService(own) as service:
            client = CacheClient(service.url, "ns", timeout=10)
            wrong = []

            def calls(thread: int) -> None:
                for i in range(25):
                    key = "t%d-%d" % (thread, i)
                    if json.loads(client.get_entry("fx-graph", key))["key"] != key:
                        wrong.append(key)

            threads = [threading.Thread(target=calls, args=(t,)) for t in range(16)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(60)
            self.assertEqual(wrong, [])
            self.assertEqual(len(service.requests), 400)
            # 16 here (one per thread); before, 400: one per call
            self.assertLess(service.connections, 100)

    def test_a_deadline_holds_on_a_reused_connection(self):
        def second_trickles(handler, n: int) -> None:
            if n == 1:
                return entry(handler, n)
            handler.send_response(200)
            handler.send_header("Content-Length", "100")
            handler.send_header("ETag", '"%s"' % SHA)
            handler.end_headers()
            for _ in range(20):
                handler.wfile.write(b"x")
                handler.wfile.flush()
                time.sleep(0.5)

        for tls in (None, "tls"):
            with self.subTest(tls=tls), self.service(second_trickles, tls) as service:
                client = CacheClient(service.url, "ns", timeout=5)
                client.get_entry("fx-graph", "k1", retries=0, deadline=5)
                started = time.monotonic()
                with self.assertRaisesRegex(ServiceUnavailable, "deadline"):
                    client.get_entry("fx-graph", "k2", retries=0, deadline=1.5)
                self.assertLess(time.monotonic() - started, 3.0)
                self.assertEqual(service.connections, 1, "the second call reused the first's")
                self.assertIsNone(client.http._pool.take(), "a cut connection is not kept")

    def test_a_deadline_that_goes_off_as_its_call_ends_never_cuts_the_next_calls_answer(self):
        """A deadline's timer that had woken and passed its check when its call ended (a timer's
        cancel stops it only before that, threading.Timer.run) shut the socket down after the
        connection was kept, in the middle of the next call's answer on it. Here that timer's
        last step runs while the next answer is on its way."""
        watchdogs = []
        watch = transport._Watchdog.watch

        def watching(self, sock) -> None:
            watchdogs.append(self)
            watch(self, sock)

        def answer(handler, n: int) -> None:
            if n != 2:
                return reply(handler, 200, {"n": n})
            data = json.dumps({"n": n, "pad": "x" * 100_000}).encode()
            handler.send_response(200)
            handler.send_header("Content-Length", str(len(data)))
            handler.end_headers()
            handler.wfile.write(data[:1000])
            handler.wfile.flush()
            time.sleep(0.2)
            watchdogs[0]._shut()  # the first call's timer, late
            handler.wfile.write(data[1000:])

        with KeepAliveService(answer) as service, \
                mock.patch.object(transport._Watchdog, "watch", watching):
            http = CacheClient(service.url, "ns", timeout=5).http
            self.assertEqual(http.request("GET", "/a", deadline=30).json(), {"n": 1})
            self.assertEqual(http.request("GET", "/b", deadline=30, retries=0).json()["n"], 2)
            self.assertEqual(service.connections, 1)
            self.assertFalse(watchdogs[0].fired, "its call was over")

    def test_two_threads_closing_one_answer_at_once_keep_its_connection_once(self):
        """A caller and another thread (a serving process's own watchdog) closing one answer at
        once: each read 'not closed yet' before either marked it (Python 3.9 and 3.10 may switch
        threads there; 3.11 to 3.13 happen not to, a build without the GIL does), and both put
        the connection back: two later calls then took the same one and read each other's
        answers. Here each close's look at the mark waits until both have looked."""
        with KeepAliveService(lambda h, n: reply(h, 200)) as service:
            http = CacheClient(service.url, "ns", timeout=5).http
            answer = http.request("GET", "/a")  # no body: read to its end already
            looked = threading.Barrier(2)
            marks = {}

            def closed(response) -> bool:
                seen = marks[id(response)]
                try:
                    looked.wait(1)  # the second close to look comes at once, if it can
                except threading.BrokenBarrierError:
                    pass  # it could not: the first close holds the answer
                return seen

            def mark(response, value) -> None:
                marks[id(response)] = value

            with mock.patch.object(transport.Response, "_closed", property(closed, mark),
                                   create=True):
                marks[id(answer)] = False
                closers = [threading.Thread(target=answer.close) for _ in range(2)]
                for closer in closers:
                    closer.start()
                for closer in closers:
                    closer.join(10)
            first, second = http._pool.take(), http._pool.take()
            self.assertIsNotNone(first, "an answer read to its end keeps its connection")
            # before: the same connection, twice
            self.assertIsNone(second, "kept once")

    @unittest.skipUnless(hasattr(os, "fork"), "needs os.fork")
    def test_a_forked_child_never_uses_its_parents_idle_connections(self):
        with KeepAliveService(lambda h, n: reply(h, 200, {"n": n})) as service:
            transport = CacheClient(service.url, "ns", timeout=5).http
            self.assertEqual(transport.request("GET", "/parent").json(), {"n": 1})
            answers, gets = os.pipe()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)  # fork with threads, 3.12
                pid = os.fork()
            if pid == 0:
                status = 1
                try:
                    os.close(answers)
                    signal.alarm(30)
                    os.write(gets, json.dumps(transport.request("GET", "/child").json()).encode())
                    status = 0
                finally:
                    os._exit(status)
            os.close(gets)
            with os.fdopen(answers, "rb") as child:
                told = child.read()
            _, status = os.waitpid(pid, 0)
            self.assertEqual(status, 0)
            self.assertEqual(json.loads(told), {"n": 2})
            # the parent's idle connection is still whole and still its own
            self.assertEqual(transport.request("GET", "/parent").json(), {"n": 3})
            self.assertEqual(service.connections, 2, "the child opened its own")

    def test_calls_where_no_thread_can_be_started_still_share_a_connection(self):
        start, caller = threading.Thread.start, threading.current_thread()

        def refuse(thread):
            if threading.current_thread() is caller:
                raise RuntimeError("can't create new thread at interpreter shutdown")
            start(thread)

        with KeepAliveService(lambda h, n: reply(h, 200, {"n": n})) as service:
            client = CacheClient(service.url, "ns")
            with mock.patch("pt2cache.transport.threading.Thread.start", refuse):
                answers = [client.lookup("mega-cache", {}, deadline=5) for _ in range(3)]
            self.assertEqual(answers, [{"n": 1}, {"n": 2}, {"n": 3}])
            self.assertEqual(service.connections, 1)

    @contextlib.contextmanager
    def service(self, answer, tls):
        if tls is None:
            with KeepAliveService(answer) as service:
                yield service
        else:
            with tls_service() as context, KeepAliveService(answer, tls=context) as service:
                yield service


@needs_service
class RealServiceKeepAliveTest(unittest.TestCase):
    """The real service (Tomcat) keeps a connection open for the client's next call: reads, a
    miss, a lookup and an upload through one client are one connection (counted at a relay)."""

    def test_calls_through_one_client_use_one_connection(self):
        client = fresh_client()
        client.put_entry("autotune", "k", b'{"x": 1}')
        with CountingRelay(client.url) as relay:
            through = CacheClient(relay.url, client.namespace, timeout=30)
            for _ in range(20):
                self.assertEqual(through.get_entry("autotune", "k"), b'{"x": 1}')
            self.assertIsNone(through.get_entry("autotune", "absent"))
            self.assertTrue(through.has_entry("autotune", "k"))
            d = descriptor("keep-alive")
            self.assertFalse(through.lookup("mega-cache", d)["hit"])
            through.upload("mega-cache", os.urandom(300_000), descriptor=d)
            self.assertTrue(through.lookup("mega-cache", d)["hit"])
            # before: 26 connections, one per call
            self.assertEqual(relay.connections, 1)

    def test_an_upload_from_a_file_and_an_entry_go_out_without_nagles_wait(self):
        """With Nagle's algorithm on, Tomcat got a request's body only after its delayed
        acknowledgement of the headers (strace of the service, a 1 KiB upload on a kept
        connection: a read of the 311 bytes of headers, the body's 1024 bytes 72 ms later; with
        TCP_NODELAY one read of 1335 bytes). Asserted on the connection the calls went out on, not
        timed."""
        client = fresh_client()
        with tempfile.TemporaryDirectory() as directory:
            path = os.path.join(directory, "mega-cache.bin")
            with open(path, "wb") as f:
                f.write(os.urandom(1024))
            d = descriptor("no-nagle")
            client.upload("mega-cache", path, descriptor=d)
            client.put_entry("fx-graph", "k", os.urandom(300))
            self.assertTrue(client.lookup("mega-cache", d)["hit"])
        kept = client.http._pool.take()
        self.assertIsNotNone(kept, "the calls' connection is kept for the next call")
        self.assertEqual(kept.sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY), 1,
                         "Nagle's algorithm is on for the client's connection")
        self.assertIsNone(client.http._pool.take(), "the calls went out on one connection")
        kept.close()

    def test_the_services_last_answer_on_a_connection_costs_no_error(self):
        """Tomcat closes a connection after its 100th answer (maxKeepAliveRequests), which says
        so (Connection: close): the next call opens another."""
        client = fresh_client()
        client.put_entry("autotune", "k", b'{"x": 1}')
        with CountingRelay(client.url) as relay:
            through = CacheClient(relay.url, client.namespace, timeout=30, retries=0)
            for _ in range(150):
                self.assertEqual(through.get_entry("autotune", "k"), b'{"x": 1}')
            self.assertEqual(relay.connections, 2)


@unittest.skipUnless(hasattr(os, "fork"), "needs os.fork")
class ForkTest(unittest.TestCase):
    """A process forked while a call is in flight (a pre-fork server, a DataLoader's workers
    started while the upload after a miss runs): the child's copy of the call's socket must not
    keep the connection open once the parent is done with it, nor after the parent is killed."""

    def test_a_call_in_flight_at_a_fork_is_closed_when_the_parent_closes_it(self):
        self.assertTrue(self._closed_in_the_child_when_the_parent_closes(None),
                        "the connection stayed open in the forked child after the parent closed "
                        "it")

    def test_a_call_in_flight_at_a_fork_over_https_is_closed_when_the_parent_closes_it(self):
        """Over TLS the connection's descriptor passes from the socket the client connected to
        the TLS socket that wraps it, which the child must close too."""
        with tls_service() as tls:
            self.assertTrue(self._closed_in_the_child_when_the_parent_closes(tls),
                            "the TLS connection stayed open in the forked child after the parent "
                            "closed it")

    def _closed_in_the_child_when_the_parent_closes(self, tls: Optional[ssl.SSLContext]) -> bool:
        """Whether the service sees the call's connection closed once the parent is done with
        it, while a child forked during the call lives on."""
        asked, forked, closed = threading.Event(), threading.Event(), threading.Event()

        def answer_once_forked(connection: socket.socket, _: int) -> None:
            asked.set()
            forked.wait(30)
            whole(200, {})(connection, 0)
            try:
                while connection.recv(1024):  # until the client's side closes
                    pass
            except OSError:  # over TLS: closed without a close_notify
                pass
            closed.set()

        with FakeService(answer_once_forked, tls=tls) as service:
            call = threading.Thread(target=CacheClient(service.url, "ns").namespace_info)
            call.start()
            self.assertTrue(asked.wait(30))
            child_ends, live_on = os.pipe()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)  # fork with threads, 3.12
                pid = os.fork()
            if pid == 0:  # a child that lives on (until the test lets it go)
                try:
                    os.close(live_on)
                    signal.alarm(60)
                    os.read(child_ends, 1)
                finally:
                    os._exit(0)
            os.close(child_ends)
            try:
                forked.set()
                call.join(30)
                return closed.wait(10)
            finally:
                os.close(live_on)
                os.waitpid(pid, 0)


class ExitingInterpreterTest(unittest.TestCase):
    """Python 3.12.0 to 3.12.2 start no thread once the interpreter is exiting (cpython#113964),
    which is when a process that ends right after its miss waits for the upload after it."""

    def test_a_call_goes_out_where_no_thread_can_be_started(self):
        start, caller = threading.Thread.start, threading.current_thread()

        def refuse(thread):
            if threading.current_thread() is caller:  # the client's; the fake service's start
                raise RuntimeError("can't create new thread at interpreter shutdown")
            start(thread)

        with FakeService(whole(200, {"name": "ns"})) as service:
            with mock.patch("pt2cache.transport.threading.Thread.start", refuse):
                info = CacheClient(service.url, "ns").namespace_info()
                with_deadline = CacheClient(service.url, "ns").lookup("mega-cache", {},
                                                                       deadline=5)
        self.assertEqual(info, {"name": "ns"})
        self.assertEqual(with_deadline, {"name": "ns"})


if __name__ == "__main__":
    unittest.main()
