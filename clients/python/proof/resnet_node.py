"""What gpu_proof.py and live_proof.py both do in their fresh processes: import torch (timed),
build timm's resnet (fp16, batch 8, 224x224; torchvision's same network where timm is missing),
time the first compiled call, and read PyTorch's cache counters.

Each script imports this module before anything else of torch's, so that ``imported`` is the time
torch (with timm and pt2cache) took to import, as the scripts reported it before they shared it.
"""

import time

started = time.perf_counter()
import torch  # noqa: E402

try:
    import timm  # noqa: E402
except ImportError:  # torchvision's resnet50 is the same network
    timm = None

import pt2cache  # noqa: E402, F401  (imported here so that its import is timed with torch's)

imported = time.perf_counter() - started


def network(name: str):
    """The named timm model (torchvision's of that name without timm), fp16 on the GPU, in eval."""
    if timm is not None:
        return timm.create_model(name, pretrained=False).cuda().half().eval()
    import torchvision

    return getattr(torchvision.models, name)(weights=None).cuda().half().eval()


def network_source(name: str) -> str:
    return ("timm " if timm is not None else "torchvision ") + name


def batch():
    """The input every run compiles for: 8 images of 224x224, fp16."""
    return torch.randn(8, 3, 224, 224, device="cuda", dtype=torch.half)


def first_call(compiled, x) -> float:
    """Seconds the first call of ``compiled`` took (where torch.compile does its work)."""
    return timed_call(compiled, x)[0]


def timed_call(compiled, x):
    """Seconds one call of ``compiled`` took, and its output (a CUDA graph's output holds only
    until the graph's next replay: read it before the next call)."""
    torch.cuda.synchronize()
    t = time.perf_counter()
    with torch.no_grad():
        output = compiled(x)
    torch.cuda.synchronize()
    return round(time.perf_counter() - t, 2), output


def max_abs_diff(model, compiled, x) -> float:
    """How far the compiled output is from the eager one."""
    with torch.no_grad():
        return float((model(x) - compiled(x)).abs().max())


def counters() -> dict:
    """PyTorch's counters of its caches: Inductor's (with autotuning), AOTAutograd's and Dynamo's."""
    c = torch._dynamo.utils.counters
    return {
        "inductor": {k: v for k, v in dict(c["inductor"]).items() if "cache" in k or "autotune" in k},
        "aot_autograd": {k: v for k, v in dict(c["aot_autograd"]).items() if "cache" in k},
        # Dynamo's own, with caching_precompile (warm_start's precompile)
        "dynamo_cache": dict(c["dynamo_cache"]),
    }


def device() -> dict:
    """The GPU and torch the run had."""
    return {"device": torch.cuda.get_device_name(0), "torch": torch.__version__}
