"""A TorchServe handler whose model warm-starts from the PT2 Compile Cache.

TorchServe's own PT2 example compiles in each worker with ``torch.compile`` and, at best, shares
a local ``TORCHINDUCTOR_CACHE_DIR``. This handler asks the cache service instead: a worker on any
host whose model, software, GPU and compile settings match one that already compiled downloads the
Mega-Cache and starts warm; otherwise it compiles and uploads for the next one. If the service is
down or slow, the worker compiles locally as if there were no cache.

``initialize`` ends with a warm-up call on a dummy input of each shape it is given (``warmup_shape``,
or ``warmup_shapes`` for batches of several sizes), so that the compiles, and after a miss the
start of the upload, happen while the worker starts (TorchServe's
``startupTimeout``) rather than in the first request (``responseTimeout``, past which TorchServe
restarts the worker, which would compile again and never upload).

The settings are the ``pt2cache`` section of model-config.yaml. ``PT2CACHE_URL`` and
``PT2CACHE_NAMESPACE`` in the worker's environment win over its ``url`` and ``namespace``, so that
one .mar serves in every environment; the token comes from ``PT2CACHE_TOKEN`` only. Without the
``pt2cache`` package, without a URL, or with a cache setting it cannot read, the worker compiles
with plain ``torch.compile`` and logs why.
"""

import logging
import math
import os
import time

import torch
from ts.torch_handler.image_classifier import ImageClassifier

try:
    import pt2cache
except ImportError:  # serve without the cache rather than not at all
    pt2cache = None

log = logging.getLogger(__name__)

WARMUP_SHAPE = [1, 3, 224, 224]  # one 224x224 RGB image, as ImageClassifier's preprocess makes it

_warned = set()


def _warn_once(message, *args):
    if message not in _warned:
        _warned.add(message)
        log.warning(message, *args)


def _seconds(settings, name, default):
    value = settings.get(name)
    if value is None:
        return default
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        seconds = math.nan
    if isinstance(value, bool) or not 0 < seconds < math.inf:
        raise ValueError("%s: %r is not a number of seconds" % (name, value))
    return seconds


def cache_settings(settings):
    """``(url, namespace, timeout, lookup_timeout)``: ``PT2CACHE_URL`` and ``PT2CACHE_NAMESPACE``
    win over the section's ``url`` and ``namespace``; ``url`` is None where neither names one.
    ``ValueError`` for a setting that cannot be read."""
    url = os.environ.get("PT2CACHE_URL") or settings.get("url") or None
    if url is not None and not isinstance(url, str):
        raise ValueError("url: %r is not a URL" % (url,))
    namespace = os.environ.get("PT2CACHE_NAMESPACE") or settings.get("namespace") or "default"
    if not isinstance(namespace, str):
        raise ValueError("namespace: %r is not a name" % (namespace,))
    return (url, namespace, _seconds(settings, "timeout", 30.0),
            _seconds(settings, "lookup_timeout", 5.0))


def compile_settings(settings):
    """The section's ``compile`` mapping: ``torch.compile``'s keyword arguments."""
    value = settings.get("compile") or {}
    if not isinstance(value, dict):
        raise ValueError("pt2cache.compile in model-config.yaml is not a mapping of torch.compile "
                         "arguments: %r" % (value,))
    return dict(value)


def precompile_setting(settings):
    """The section's ``precompile``: :func:`pt2cache.warm_start`'s ``precompile``, ``false``
    where it is not set."""
    value = settings.get("precompile")
    if value is None:
        return False
    if not isinstance(value, bool):
        raise ValueError("pt2cache.precompile in model-config.yaml is not true or false: %r"
                         % (value,))
    return value


def warmup_shapes(settings):
    """The section's ``warmup_shapes`` (a list of shapes) or ``warmup_shape`` (one), each a list
    of positive integers; ``[WARMUP_SHAPE]`` where neither is set."""
    shapes, shape = settings.get("warmup_shapes"), settings.get("warmup_shape")
    if shapes is not None and shape is not None:
        raise ValueError("pt2cache.warmup_shape and pt2cache.warmup_shapes in model-config.yaml: "
                         "give one of them")
    if shapes is None:
        return [_shape("pt2cache.warmup_shape", shape if shape is not None else WARMUP_SHAPE)]
    if not isinstance(shapes, (list, tuple)) or not shapes:
        raise ValueError("pt2cache.warmup_shapes in model-config.yaml is not a list of shapes: %r"
                         % (shapes,))
    return [_shape("pt2cache.warmup_shapes", one) for one in shapes]


def _shape(name, shape):
    if not isinstance(shape, (list, tuple)) or not shape or not all(
            isinstance(n, int) and not isinstance(n, bool) and n > 0 for n in shape):
        raise ValueError("%s in model-config.yaml is not a list of positive integers: %r"
                         % (name, shape))
    return list(shape)


class WarmStartImageClassifier(ImageClassifier):
    """TorchServe's image classifier, compiled through :func:`pt2cache.warm_start`."""

    def initialize(self, context):
        super().initialize(context)  # loads the eager model; leave the `pt2` section out
        settings = (getattr(context, "model_yaml_config", None) or {}).get("pt2cache") or {}
        if not isinstance(settings, dict):
            raise ValueError("the pt2cache section of model-config.yaml is not a mapping: %r"
                             % (settings,))
        compile_kwargs, shapes = compile_settings(settings), warmup_shapes(settings)
        precompile = precompile_setting(settings)
        self.model = self.compile_model(context, settings, compile_kwargs, len(shapes),
                                        precompile)
        for shape in shapes:
            self.warm_up(shape)

    def warm_up(self, shape):
        """One call on zeros of ``shape`` on the worker's device, in inference mode as
        ``BaseHandler.inference`` makes requests (the input made outside it, as ``preprocess``
        makes theirs): the compile for that shape happens here, and after a miss
        :func:`pt2cache.warm_start` starts the upload in the background once the last warm-up
        call returns, with every shape's graph in it."""
        started = time.perf_counter()
        dummy = torch.zeros(shape, device=self.device)
        with torch.inference_mode():
            self.model(dummy)
        log.info("pt2cache: warm-up call on %s took %.1f s", shape, time.perf_counter() - started)

    def compile_model(self, context, settings, compile_kwargs, warmup_calls=1, precompile=False):
        """The model compiled through the cache, or by plain ``torch.compile`` where there is none
        (the reason logged). ``precompile`` is :func:`pt2cache.warm_start`'s: it has no use
        without the cache."""
        if pt2cache is None:
            _warn_once("pt2cache: the pt2cache package is not installed: compiling without the "
                       "cache")
            return torch.compile(self.model, **compile_kwargs)
        try:
            url, namespace, timeout, lookup_timeout = cache_settings(settings)
            client = None if url is None else pt2cache.CacheClient(url, namespace,
                                                                   timeout=timeout)
        except Exception as e:  # a setting it cannot use must not stop the worker
            log.warning("pt2cache: the pt2cache section of model-config.yaml: %s: compiling "
                        "without the cache", e)
            return torch.compile(self.model, **compile_kwargs)
        if client is None:
            log.warning("pt2cache: no cache URL (PT2CACHE_URL, or url in model-config.yaml's "
                        "pt2cache section): compiling without the cache")
            return torch.compile(self.model, **compile_kwargs)
        manifest = context.manifest["model"]
        gpu = context.system_properties.get("gpu_id")
        model = pt2cache.warm_start(
            self.model,
            client,
            model_name=manifest["modelName"],
            model_version=str(manifest.get("modelVersion", "1.0")),
            device=None if gpu is None else int(gpu),  # describe this worker's GPU, not GPU 0
            lookup_timeout=lookup_timeout,
            upload_after_calls=warmup_calls,  # a Mega-Cache with every warm-up shape's graph
            precompile=precompile,
            **compile_kwargs,
        )
        log.info("pt2cache warm start (%s, namespace %s): %s", url, namespace,
                 "hit" if model.hit else "miss, compiling")
        return model
