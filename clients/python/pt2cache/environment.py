"""The descriptor of the running process: what decides whether a compiled artifact can be reused."""

import hashlib
import importlib
import json
import math
import platform
import types
import warnings
from typing import Any, Dict, Optional, Tuple

# the process-wide settings PyTorch puts in its own graph keys beside the graph (torch 2.11's
# FxGraphHashDetails and AOTAutograd's key): a digest of them, so that two pools that differ only
# in these never share a Mega-Cache
SETTINGS_OPTION = "pt2cache.process_settings"

# the index of the GPU described, where it is not 0: PyTorch's FX graph and AOTAutograd keys hold
# the example inputs' device with its index (cuda:3), so a Mega-Cache compiled on GPU 0 loads on
# GPU 3 and every graph compiles again. Left out for GPU 0, which kept its key; a GPU chosen by
# CUDA_VISIBLE_DEVICES is GPU 0 to torch and to the key alike
DEVICE_OPTION = "pt2cache.device_index"

# Inductor's custom graph passes: left out of its portable config, put in PyTorch's graph keys by
# their uuid()
CUSTOM_PASSES = ("pre_grad_custom_pass", "joint_custom_pre_pass", "joint_custom_post_pass",
                 "post_grad_custom_pre_pass", "post_grad_custom_post_pass",
                 "_pre_fusion_custom_pass", "_post_fusion_custom_pass")


def describe(model_name: str, model_version: str, *, fingerprint: Optional[str] = None,
             backend: Optional[str] = "inductor", mode: Optional[str] = None,
             dynamic: Optional[bool] = None, options: Optional[Dict[str, Any]] = None,
             tags: Optional[Dict[str, str]] = None, device: Any = None,
             torch_module: Any = None) -> Dict[str, Any]:
    """Builds the descriptor from this process: torch, triton, CUDA or ROCm and Python versions,
    the GPU's name and compute capability (from ``torch.cuda``), plus the model and the compile
    settings given, and in ``compile.options`` a digest of the process-wide settings PyTorch puts
    in its own keys (:func:`process_settings`). Fields that do not apply are left out, as the
    service expects.
    """
    if torch_module is None:
        import torch as torch_module  # noqa: N813 - the real torch unless a test gives one
    torch = torch_module
    software: Dict[str, Any] = {"torch": torch.__version__, "python": platform.python_version()}
    try:
        import triton

        software["triton"] = triton.__version__
    except Exception:  # absent, or broken: the descriptor goes without it
        pass
    if getattr(torch.version, "cuda", None):
        software["cuda"] = torch.version.cuda
    if getattr(torch.version, "hip", None):
        software["rocm"] = torch.version.hip
    hardware: Dict[str, Any] = {"gpu": "cpu"}
    index = 0
    if torch.cuda.is_available():
        index = _ordinal(torch, device)
        major, minor = torch.cuda.get_device_capability(index)
        hardware = {"gpu": torch.cuda.get_device_name(index), "capability": "%d.%d" % (major, minor)}
    else:
        hardware["capability"] = platform.machine()
    if tags:
        hardware["tags"] = _checked_tags(tags)
    model = {"name": model_name, "version": model_version}
    if fingerprint:
        model["fingerprint"] = fingerprint
    options = _json_options(options)
    settings = process_settings(torch)
    if settings is not None:
        options = dict(options or {}, **{SETTINGS_OPTION: settings})
    if index:
        options = dict(options or {}, **{DEVICE_OPTION: index})
    compile_settings = {"backend": backend, "mode": mode, "dynamic": dynamic, "options": options}
    return {
        "model": model,
        "software": software,
        "hardware": hardware,
        "compile": {k: v for k, v in compile_settings.items() if v is not None},
    }


def _ordinal(torch: Any, device: Any) -> int:
    """The index of the GPU ``device`` names, as torch resolves it: None, ``"cuda"`` and
    ``torch.device("cuda")`` are the current device (``torch.cuda.set_device``), ``"cuda:3"`` and
    ``torch.device("cuda:3")`` by their index, ``torch.cuda.device(3)`` by its ``idx``. Before,
    those without an index, and ``torch.cuda.device(3)``, were index 0: GPU 3 described by name
    and capability but keyed as GPU 0."""
    if device is None:
        return torch.cuda.current_device()
    if isinstance(device, int):
        return device
    if isinstance(device, str):
        kind, _, number = device.partition(":")
        index = int(number) if number else None
    elif hasattr(device, "idx"):  # torch.cuda.device(3), the context manager
        kind, index = "cuda", device.idx
    else:  # torch.device
        kind, index = getattr(device, "type", "cuda"), getattr(device, "index", None)
    if kind != "cuda":
        raise ValueError("device=%r names no GPU: give an index, 'cuda' or 'cuda:N'" % (device,))
    return torch.cuda.current_device() if index is None else int(index)


def _json_options(options: Optional[Dict[str, Any]]) -> Optional[Dict[str, Any]]:
    """``torch.compile``'s options as JSON that is the same on every node. A value JSON already
    holds is kept as given (its key stays); a custom pass is named by its ``uuid()``, as PyTorch's
    keys name it; a set is sorted; any other object is named as :func:`_stable` names it, never by
    a ``repr`` holding an address. Before, such a value made every lookup and upload fail
    (``json.dumps``), so identical nodes each compiled and none shared."""
    if options is None:
        return None
    return {_json_name(name): _json_value(value) for name, value in options.items()}


def _json_name(name: Any) -> str:
    """A member's name as ``json.dumps`` wrote it when the options were sent as given, so that
    its key stays: ``True`` as ``"true"``, ``None`` as ``"null"`` (``str`` would say ``"True"``,
    ``"None"``, and move the key of options that were shared before)."""
    if isinstance(name, str):
        return name
    if name is None or isinstance(name, (bool, int, float)):
        return json.dumps(name)
    return str(_json_value(name))  # a tuple or an object: json.dumps refused it


def _json_value(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        # json.dumps writes Infinity and NaN, which are no JSON: the service refused every lookup
        return json.dumps(value)
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, dict):
        return {_json_name(k): _json_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_value(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted((_json_value(v) for v in value), key=repr)
    if callable(getattr(value, "uuid", None)):
        return _json_value(_pass_identity(value))
    stable = _stable(value)
    return stable if isinstance(stable, str) else repr(stable)


def _checked_tags(tags: Dict[str, Any]) -> Dict[str, str]:
    """The tags as text; a value over 200 characters is refused here, as the service would refuse
    every lookup with it. (Keep names to 100 characters without a colon, so that the service's
    ``?tag=name:value`` can name them.)"""
    checked = {str(k): str(v) for k, v in tags.items()}
    for name, value in checked.items():
        units = len(value.encode("utf-16-le")) // 2  # the service counts UTF-16 code units
        if units > 200:
            raise ValueError("hardware tag %r: a value has at most 200 characters (UTF-16 code"
                             " units), not %d" % (name, units))
    return checked


def process_settings(torch: Any) -> Optional[str]:
    """A digest (16 hex digits) of the settings this process compiles under that PyTorch's own keys
    include: the Inductor and functorch configs as PyTorch saves them for its caches, private
    settings included (environment variables such as ``TORCHINDUCTOR_*`` too), the custom graph
    passes by their ``uuid()``, matmul precision, deterministic algorithms and the cache key tag;
    and Dynamo's ``caching_precompile`` where it is on.
    The same in every process of an identical node; None where torch has none of them (a
    stand-in in tests)."""
    settings: Dict[str, Any] = {}
    for name, module in (("inductor", "torch._inductor.config"),
                         ("functorch", "torch._functorch.config")):
        config = _config_module(torch, module)
        if config is not None and hasattr(config, "save_config_portable"):
            settings[name] = _portable(config)
            if name == "inductor":
                settings["custom_passes"] = {
                    p: _pass_identity(getattr(config, p, None)) for p in CUSTOM_PASSES}
    dynamo = _config_module(torch, "torch._dynamo.config")
    if dynamo is not None and getattr(dynamo, "caching_precompile", False) is True:
        # Dynamo's own output goes into the Mega-Cache with it (warm_start's ``precompile``): a
        # node with it on gains nothing from a blob saved without it. Named only when on, so
        # that the keys of every process without it stay what they were
        settings["dynamo"] = {"caching_precompile": True}
    for name, read in (
            ("float32_matmul_precision", lambda: torch.get_float32_matmul_precision()),
            ("matmul", lambda: _attributes(torch.backends.cuda.matmul, (
                "allow_tf32", "allow_fp16_reduced_precision_reduction",
                "allow_bf16_reduced_precision_reduction", "fp32_precision"))),
            ("cudnn", lambda: _attributes(torch.backends.cudnn, ("allow_tf32", "fp32_precision"))),
            ("deterministic", lambda: [torch.are_deterministic_algorithms_enabled(),
                                       torch.is_deterministic_algorithms_warn_only_enabled()]),
            ("fill_uninitialized_memory",
             lambda: torch.utils.deterministic.fill_uninitialized_memory),
            ("cache_key_tag", lambda: torch.compiler.config.cache_key_tag)):
        try:
            with warnings.catch_warnings():  # reading a flag that has a newer API warns
                warnings.simplefilter("ignore")
                settings[name] = read()
        except Exception:  # absent in this torch
            pass
    if not settings:
        return None
    return hashlib.sha256(repr(_stable(settings)).encode()).hexdigest()[:16]


def _portable(config: Any) -> Dict[str, Any]:
    """The config as PyTorch's graph keys take it: its portable form, private settings included
    (torch 2.11's FX graph key asks for them); the public ones where this torch cannot."""
    try:
        return config.save_config_portable(ignore_private_configs=False)
    except Exception:  # an older torch, or a factory setting without uuid()
        return config.save_config_portable()


def _pass_identity(graph_pass: Any) -> Any:
    """A custom pass as PyTorch's key names it: by its ``uuid()`` (PyTorch bypasses its caches for
    a pass without one, so its class name is as good as anything)."""
    if graph_pass is None:
        return None
    try:
        return graph_pass.uuid()
    except Exception:
        return type(graph_pass).__qualname__


def _config_module(torch: Any, name: str) -> Any:
    if not isinstance(torch, types.ModuleType):
        return None  # a stand-in: it has no configs of its own, and the real ones are not its
    try:
        return importlib.import_module(name)
    except Exception:
        return None


def _attributes(owner: Any, names: Tuple[str, ...]) -> Dict[str, Any]:
    return {n: getattr(owner, n) for n in names if hasattr(owner, n)}


def _stable(value: Any) -> Any:
    """The value in a form whose repr is the same in every process: sets sorted (their order
    follows the hash seed), mappings by key, and objects named by their type, never by a repr
    that holds an address."""
    if isinstance(value, dict):
        return [(str(k), _stable(v)) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))]
    if isinstance(value, (set, frozenset)):
        return sorted(repr(_stable(v)) for v in value)
    if isinstance(value, (list, tuple)):
        return [_stable(v) for v in value]
    if value is None or isinstance(value, (bool, int, float, str, bytes)):
        return value
    text = repr(value)
    return type(value).__qualname__ if " at 0x" in text else text
