"""PT2 Compile Cache client: warm-start ``torch.compile`` from a shared cache.

* :class:`CacheClient`: the REST API (lookups, uploads, verified downloads, entries, invalidations).
* :func:`describe`: the descriptor of this process (torch, triton, CUDA, Python, GPU).
* :func:`derive_key`: the key the service derives for a descriptor.
* :func:`warm_start`: ``torch.compile`` that loads the Mega-Cache on a hit and uploads it on a miss.
* :func:`install_remote_caches`: PyTorch's own FX graph, AOTAutograd and autotune remote caches on
  the service.
"""

from .client import CacheClient
from .errors import (AccessDenied, CacheError, Conflict, DigestMismatch, IncompleteAnswer,
                     IntegrityError, NotFound, ServiceUnavailable)
from .keys import canonical_json, derive_key
from .version import __version__

__all__ = [
    "AccessDenied", "CacheClient", "CacheError", "Conflict", "DigestMismatch", "IncompleteAnswer",
    "IntegrityError", "NotFound", "ServiceUnavailable",
    "canonical_json", "derive_key", "describe", "warm_start", "install_remote_caches",
    "__version__",
]


def __getattr__(name):  # torch-dependent parts load on first use
    if name == "describe":
        from .environment import describe
        return describe
    if name == "warm_start":
        from .megacache import warm_start
        return warm_start
    if name == "install_remote_caches":
        from .remote import install
        return install
    raise AttributeError(name)
