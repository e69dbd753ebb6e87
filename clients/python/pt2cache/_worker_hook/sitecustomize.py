"""Started by the interpreters of Inductor's compile workers, which PyTorch gives the compiling
process's ``sys.path`` as their ``PYTHONPATH``: ``pt2cache.install_remote_caches`` puts this
directory first on it. It routes the per-kernel autotune cache, which PyTorch builds inside those
workers, to the store the compiling process uses (``pt2cache.workers``), then runs the
``sitecustomize`` this one shadows, if there is one. It never stops an interpreter from starting;
one the shadowed ``sitecustomize`` fails in still routes, and still says so as Python would
(``Error in sitecustomize``).
"""

import os
import sys


def _is_hook(directory: str) -> bool:
    """Whether a directory on the path is this hook's, however it is spelt (a symlink, a second
    copy of the package): their sitecustomize would run this one again."""
    real = os.path.realpath(directory or os.curdir)
    return os.path.basename(real) == "_worker_hook" and os.path.basename(
        os.path.dirname(real)) == "pt2cache"


def _shadowed() -> None:
    import importlib.machinery
    import importlib.util

    rest = [p for p in sys.path if not _is_hook(p)]
    spec = importlib.machinery.PathFinder.find_spec("sitecustomize", rest)
    if spec is not None and spec.loader is not None:
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)


def _activate() -> None:
    if os.environ.get("PT2CACHE_WORKER_CACHES"):
        try:
            from pt2cache import workers

            workers.activate(os.environ["PT2CACHE_WORKER_CACHES"])
        except Exception as e:  # a worker without the remote cache still compiles
            sys.stderr.write("pt2cache: remote autotune cache not routed in this worker: %r\n" % e)


try:
    _shadowed()
except BaseException:  # the image's own error: raised again once the caches are routed
    _activate()
    raise
_activate()
