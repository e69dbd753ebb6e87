"""A TorchServe handler whose model warm-starts from the PT2 Compile Cache.

TorchServe's own PT2 example compiles in each worker with ``torch.compile`` and, at best, shares
a local ``TORCHINDUCTOR_CACHE_DIR``. This handler asks the cache service instead: a worker on any
host whose model, software, GPU and compile settings match one that already compiled downloads the
Mega-Cache and starts warm; otherwise it compiles and uploads for the next one. If the service is
down or slow, the worker compiles locally as if there were no cache.
"""

import logging
import os

from ts.torch_handler.image_classifier import ImageClassifier

import pt2cache

log = logging.getLogger(__name__)


class WarmStartImageClassifier(ImageClassifier):
    """TorchServe's image classifier, compiled through :func:`pt2cache.warm_start`."""

    def initialize(self, context):
        super().initialize(context)  # loads the eager model; leave the `pt2` section out
        settings = (context.model_yaml_config or {}).get("pt2cache", {})
        manifest = context.manifest["model"]
        gpu = context.system_properties.get("gpu_id")
        client = None
        try:
            client = pt2cache.CacheClient(
                settings.get("url", os.environ.get("PT2CACHE_URL")),
                settings.get("namespace", os.environ.get("PT2CACHE_NAMESPACE", "default")),
                timeout=float(settings.get("timeout", 30)),
            )
        except Exception as e:  # a bad URL must not stop the worker: it compiles locally
            log.warning("pt2cache: no cache (%s); compiling locally", e)
        self.model = pt2cache.warm_start(
            self.model,
            client,  # None: warm_start falls back to the environment, then to no cache
            model_name=manifest["modelName"],
            model_version=str(manifest.get("modelVersion", "1.0")),
            device=None if gpu is None else int(gpu),  # describe this worker's GPU, not GPU 0
            **settings.get("compile", {}),
        )
        log.info("pt2cache warm start: %s", "hit" if self.model.hit else "miss, compiling")
