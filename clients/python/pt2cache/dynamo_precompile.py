"""Dynamo's precompile in the Mega-Cache (docs/adr/0055): whether a warm start uses it, and the
failure after a precompiled load that a call gets past by being made again.

``warm_start(..., precompile=True)`` turns on ``torch._dynamo.config.caching_precompile`` for the
process, so that the Mega-Cache also carries Dynamo's own output. Not where the compile settings
ask Inductor for CUDA graphs: torch 2.11 loads a precompiled graph without them. The setting is
process-wide, so where it is already on such a model goes without the cache.
"""

import logging
import traceback
from collections.abc import Mapping
from typing import Any, Dict, Optional, Set, Tuple

log = logging.getLogger("pt2cache")


def precompile_or_no_cache(torch_module: Any, compile_kwargs: Dict[str, Any], backend_name: str,
                           precompile: bool) -> Optional[bool]:
    """Whether this model warm-starts with Dynamo's precompile (then turned on for the process),
    or None where it must go without the cache. Settings that ask for CUDA graphs a precompiled
    graph would lose go on without precompile, with a warning; where the process has it on
    already (an earlier ``warm_start(precompile=True)``, the user), a hit would load this model's
    graphs precompiled, without its CUDA graphs, and the key would say so: None, with a warning.
    ``backend_name`` is the backend as the descriptor names it."""
    settings = _inductor_settings(compile_kwargs, backend_name)
    if settings is not None and _loses_cuda_graphs(torch_module, *settings):
        if _precompile_on_for_the_process(torch_module):
            _warn_cuda_graphs("cache off", torch_module, *settings)
            return None
        if precompile:
            _warn_cuda_graphs("precompile dropped", torch_module, *settings)
            precompile = False
    return bool(precompile) and _turn_on_precompile(torch_module)  # None is no precompile


CUDA_GRAPHS_OPTION = "triton.cudagraphs"
CUDA_GRAPH_MODES = ("reduce-overhead", "max-autotune")  # where torch names no mode options


def _loses_cuda_graphs(torch_module: Any, mode: Any, options: Any) -> bool:
    """Whether Inductor's mode and options (as :func:`_inductor_settings` finds them) ask for
    CUDA graphs (``mode="reduce-overhead"`` or ``"max-autotune"``, or ``"triton.cudagraphs":
    True`` among the options) that a precompiled graph would run without: the process-wide
    setting off.

    PyTorch 2.11 loads Dynamo's precompiled output without calling Inductor's compile, where a
    mode's settings apply; it wraps the loaded graph in CUDA graphs only where the process-wide
    ``torch._inductor.config.triton.cudagraphs`` is on (a TODO of PyTorch's says so). On an H100,
    a precompiled hit of a transformer compiled with ``mode="reduce-overhead"`` ran its steady call
    in 2.78 ms against 0.86 ms without precompile (docs/warm-start-proof.md): a node ready a few
    seconds sooner, then three times slower for as long as it serves."""
    options = options or {}
    if not isinstance(options, Mapping):
        return False  # torch.compile refuses them, with its own message
    if CUDA_GRAPHS_OPTION in options:
        asked = bool(options[CUDA_GRAPHS_OPTION])
    elif mode is None:
        return False
    else:
        asked = _mode_has_cuda_graphs(torch_module, mode)
    return asked and not _cuda_graphs_on_for_the_process(torch_module)


COMPILE_FX = ("torch._inductor.compile_fx", "compile_fx")  # Inductor's compile, as a backend


def _inductor_settings(compile_kwargs: Dict[str, Any],
                       backend_name: str) -> Optional[Tuple[Any, Any]]:
    """The mode and options Inductor compiles with under these settings, None where the backend
    is not Inductor: torch.compile's own ``mode`` and ``options``, or, for a ``functools.partial``
    of ``compile_fx`` (where torch.compile's Inductor backend sends ``options``), no mode and its
    ``config_patches``. ``compile_fx`` itself reads the process-wide settings, as a precompiled
    graph does."""
    backend = compile_kwargs.get("backend", "inductor")
    wrapped = getattr(backend, "func", None)  # functools.partial
    if (getattr(wrapped, "__module__", None), getattr(wrapped, "__name__", None)) == COMPILE_FX:
        return None, (getattr(backend, "keywords", None) or {}).get("config_patches")
    if backend_name != "inductor":
        return None
    return compile_kwargs.get("mode"), compile_kwargs.get("options")


# why a warm start with CUDA graphs went on without precompile or without the cache, once each
CUDA_GRAPHS_WARNINGS = {
    "precompile dropped": (
        "pt2cache: precompile=True is not used with CUDA graphs (mode %r, options %r): torch %s "
        "runs a precompiled graph loaded from the Mega-Cache without them, only the process-wide "
        "torch._inductor.config.triton.cudagraphs turning them on; warm start goes on without "
        "Dynamo's precompile (see the client README, \"Dynamo's precompile in the Mega-Cache\")"),
    "cache off": (
        "pt2cache: these compile settings ask for CUDA graphs (mode %r, options %r), which torch "
        "%s drops from precompiled graphs, and torch._dynamo.config.caching_precompile is already "
        "on in this process (an earlier warm_start(precompile=True), or set by hand): warm start "
        "is off for this model, compiling locally (see the client README, \"Dynamo's precompile "
        "in the Mega-Cache\")"),
}
_cuda_graphs_warned: Set[str] = set()


def _warn_cuda_graphs(which: str, torch_module: Any, mode: Any, options: Any) -> None:
    """One of ``CUDA_GRAPHS_WARNINGS``, once per process."""
    if which not in _cuda_graphs_warned:
        _cuda_graphs_warned.add(which)
        log.warning(CUDA_GRAPHS_WARNINGS[which], mode, options,
                    getattr(torch_module, "__version__", "?"))


def _precompile_on_for_the_process(torch_module: Any) -> bool:
    """Whether Dynamo's ``caching_precompile`` is on in this process, whoever turned it on."""
    try:
        return torch_module._dynamo.config.caching_precompile is True
    except Exception:
        return False


def _mode_has_cuda_graphs(torch_module: Any, mode: str) -> bool:
    """Whether torch.compile's ``mode`` turns CUDA graphs on, as this torch lists its modes
    (``torch._inductor.list_mode_options``), or by the modes' names where it cannot say."""
    try:
        return bool(torch_module._inductor.list_mode_options(mode).get(CUDA_GRAPHS_OPTION))
    except Exception:  # a torch without the call, or a mode it does not know
        return mode in CUDA_GRAPH_MODES


def _cuda_graphs_on_for_the_process(torch_module: Any) -> bool:
    """Whether Inductor's process-wide setting already turns CUDA graphs on, which a precompiled
    graph does read."""
    try:
        return torch_module._inductor.config.triton.cudagraphs is True
    except Exception:
        return False


_no_precompile_warned = False


def _turn_on_precompile(torch_module: Any) -> bool:
    """Turns on Dynamo's ``caching_precompile`` for this process, before the descriptor is built
    (its digest names the setting); where this torch has none, a warning, once per process, and
    False."""
    global _no_precompile_warned
    config = getattr(getattr(torch_module, "_dynamo", None), "config", None)
    try:
        getattr(config, "caching_precompile")  # a torch without it: AttributeError
        config.caching_precompile = True
        return True
    except Exception:
        if not _no_precompile_warned:
            _no_precompile_warned = True
            log.warning("pt2cache: torch %s has no torch._dynamo.config.caching_precompile: "
                        "warm start goes on without Dynamo's precompile",
                        getattr(torch_module, "__version__", "?"))
        return False


DYNAMO_CONVERT_FRAME = "torch/_dynamo/convert_frame.py"


def raised_converting_a_frame(failure: BaseException) -> bool:
    """Whether ``failure`` came up through Dynamo's conversion of the model's frame (where it
    traces and compiles, before the frame runs), with only torch's own frames between this call
    and it: not from the model's own code nor from a compiled graph, and not from a frame Dynamo
    converted after some of the model's code had run (the frame after a graph break, a function
    the model calls), which a call made again would run twice."""
    for frame, _ in list(traceback.walk_tb(failure.__traceback__))[1:]:  # after WarmStart's own
        filename = frame.f_code.co_filename.replace("\\", "/")
        if filename.endswith(DYNAMO_CONVERT_FRAME):
            return True
        if "/torch/" not in filename and not filename.startswith("torch/"):
            return False  # the model's code (or another's) ran before Dynamo failed
    return False
