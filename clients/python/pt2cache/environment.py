"""The descriptor of the running process: what decides whether a compiled artifact can be reused."""

import platform
from typing import Any, Dict, Optional


def describe(model_name: str, model_version: str, *, fingerprint: Optional[str] = None,
             backend: Optional[str] = "inductor", mode: Optional[str] = None,
             dynamic: Optional[bool] = None, options: Optional[Dict[str, Any]] = None,
             tags: Optional[Dict[str, str]] = None, device: Optional[int] = None,
             torch_module: Any = None) -> Dict[str, Any]:
    """Builds the descriptor from this process: torch, triton, CUDA or ROCm and Python versions,
    the GPU's name and compute capability (from ``torch.cuda``), plus the model and the compile
    settings given. Fields that do not apply are left out, as the service expects.
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
    if torch.cuda.is_available():
        index = torch.cuda.current_device() if device is None else device
        major, minor = torch.cuda.get_device_capability(index)
        hardware = {"gpu": torch.cuda.get_device_name(index), "capability": "%d.%d" % (major, minor)}
    else:
        hardware["capability"] = platform.machine()
    if tags:
        hardware["tags"] = {str(k): str(v) for k, v in tags.items()}
    model = {"name": model_name, "version": model_version}
    if fingerprint:
        model["fingerprint"] = fingerprint
    compile_settings = {"backend": backend, "mode": mode, "dynamic": dynamic, "options": options}
    return {
        "model": model,
        "software": software,
        "hardware": hardware,
        "compile": {k: v for k, v in compile_settings.items() if v is not None},
    }
