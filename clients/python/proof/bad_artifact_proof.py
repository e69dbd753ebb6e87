"""What real PyTorch does with a Mega-Cache it cannot use, and what the warm start does then.

Run on a machine with torch (a GPU one for step 2), from clients/python:

  python proof/bad_artifact_proof.py ../../src/test/resources/fixtures/pt2/mega_resnet50_default.bin

1. Hands ``torch.compiler.load_cache_artifacts()`` damaged copies of a real blob (garbage, the
   first half, one byte flipped, the last byte cut) and the intact one, and prints whether each
   raised, and what.
2. Runs ``pt2cache.warm_start`` on a small model against a stand-in for the service that answers
   a hit with the truncated blob, and prints whether the artifact was reported, whether the model
   still compiled and ran, and whether anything was uploaded.
3. Runs it on resnet50 (fp16, batch 8, 224x224, as the blob was made) against a stand-in that
   answers the intact blob. The blob was compiled on an H100; on another GPU it loads and the
   first call compiles anyway, which the warm start counts in ``graphs_compiled_anyway``.

The GPU machine cannot reach the service, hence the stand-in; the service's side of a report is
tested against the real service by ReportApiTest and the client's tests. Prints JSON lines.
"""

import hashlib
import json
import os
import sys
import tempfile

import torch

import pt2cache


def attempt(name: str, data: bytes) -> None:
    try:
        info = torch.compiler.load_cache_artifacts(data)
        outcome = {"raised": False, "returned": str(info)[:200]}
    except Exception as e:  # what a serving node would see
        outcome = {"raised": True, "error": repr(e)[:300]}
    print(json.dumps(dict({"case": name, "bytes": len(data)}, **outcome)), flush=True)


class StandIn:
    """Answers a hit with the given bytes; records reports and uploads."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.reports = []
        self.uploads = []

    def lookup(self, kind, descriptor, **kwargs):
        return {"hit": True, "key": "k", "artifact": {
            "id": "00000000-0000-0000-0000-000000000001", "sha256":
            hashlib.sha256(self.data).hexdigest(), "sizeBytes": len(self.data)}}

    def download(self, artifact, destination):
        with open(destination, "wb") as f:
            f.write(self.data)
        return destination

    def report(self, artifact_id, problem, detail=None, node=None, **bounds):
        self.reports.append({"artifactId": artifact_id, "problem": problem, "detail": detail,
                             "node": node})
        return {"state": "ready", "reportCount": len(self.reports)}

    def upload(self, kind, source, descriptor=None, key=None):
        self.uploads.append(kind)
        return {"state": "ready", "id": "new"}


def main() -> None:
    blob = open(sys.argv[1], "rb").read()
    flipped = bytearray(blob)
    flipped[len(blob) // 2] ^= 0xFF
    for name, data in (("garbage", os.urandom(4096)), ("first-half", blob[: len(blob) // 2]),
                       ("one-byte-flipped", bytes(flipped)), ("last-byte-cut", blob[:-1]),
                       ("intact", blob)):
        attempt(name, data)

    os.environ["TORCHINDUCTOR_CACHE_DIR"] = tempfile.mkdtemp(prefix="inductor-")
    service = StandIn(blob[: len(blob) // 2])
    device = "cuda" if torch.cuda.is_available() else "cpu"
    compiled = pt2cache.warm_start(lambda x: torch.sin(x) + torch.cos(x), service,
                                   model_name="bad-artifact-proof", model_version="1",
                                   torch_module=torch)
    x = torch.randn(64, device=device)
    ok = torch.allclose(compiled(x), torch.sin(x) + torch.cos(x))
    compiled.wait_for_upload(30)
    print(json.dumps({"case": "warm-start-on-a-truncated-blob", "hit": compiled.hit,
                      "compiledAndCorrect": ok, "reports": service.reports,
                      "uploads": service.uploads, "torch": torch.__version__,
                      "device": torch.cuda.get_device_name() if device == "cuda" else "cpu"}),
          flush=True)

    if device == "cuda":
        from torchvision.models import resnet50

        os.environ["TORCHINDUCTOR_CACHE_DIR"] = tempfile.mkdtemp(prefix="inductor-")
        torch._dynamo.reset()
        model = resnet50().half().cuda().eval()
        service = StandIn(blob)
        compiled = pt2cache.warm_start(model, service, model_name="resnet50",
                                       model_version="1", torch_module=torch)
        with torch.no_grad():
            compiled(torch.randn(8, 3, 224, 224, device="cuda", dtype=torch.half))
        print(json.dumps({"case": "warm-start-on-a-blob-from-another-gpu", "hit": compiled.hit,
                          "graphsCompiledAnyway": compiled.graphs_compiled_anyway,
                          "reports": service.reports, "uploads": service.uploads}), flush=True)


if __name__ == "__main__":
    main()
