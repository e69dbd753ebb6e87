"""What the tests share: the service they run against (``PT2CACHE_TEST_URL``, set by the Java
test that starts the real service for them) and a namespace of their own."""

import os
import unittest
import uuid

from pt2cache import CacheClient

URL = os.environ.get("PT2CACHE_TEST_URL")

needs_service = unittest.skipUnless(URL, "PT2CACHE_TEST_URL names no running service")

try:
    import torch  # noqa: F401

    HAS_TORCH = True
except ImportError:
    HAS_TORCH = False

needs_torch = unittest.skipUnless(HAS_TORCH, "torch is not installed here")


def fresh_client() -> CacheClient:
    """A client on a namespace of its own, created for the test."""
    client = CacheClient(URL, "py-" + uuid.uuid4().hex[:12], timeout=30)
    client.put_namespace()
    return client


def descriptor(model: str, torch_version: str = "2.11.0+cu130", **compile_settings):
    return {
        "model": {"name": model, "version": "1"},
        "software": {"torch": torch_version, "triton": "3.6.0", "cuda": "13.0",
                     "python": "3.12.3"},
        "hardware": {"gpu": "NVIDIA H100 80GB HBM3", "capability": "9.0"},
        "compile": dict({"backend": "inductor", "mode": "default"}, **compile_settings),
    }
