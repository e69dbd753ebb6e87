"""A decoder-only transformer as a language-model server runs one, for live_proof.py's ``lm``: a
GPT-2-small shape (12 layers, 12 heads, width 768, a vocabulary of 50,304), bf16, random weights
from a fixed seed, causal attention through scaled_dot_product_attention. Each call takes a batch
of prompts of one length and returns the logits, as a server's prefill does; prompts of another
length are a new input shape, so PyTorch compiles again, with the length dynamic.

Written here rather than taken from a model library: the GPU machine has no network, and the
point is the shape of the work (matmuls, attention, layer norms, a dynamic sequence length), not
a particular checkpoint.
"""

import torch
from torch import nn
from torch.nn import functional as F

LAYERS, HEADS, WIDTH, VOCAB, CONTEXT = 12, 12, 768, 50304, 1024
BATCH = 4


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.norm1 = nn.LayerNorm(WIDTH)
        self.qkv = nn.Linear(WIDTH, 3 * WIDTH)
        self.out = nn.Linear(WIDTH, WIDTH)
        self.norm2 = nn.LayerNorm(WIDTH)
        self.up = nn.Linear(WIDTH, 4 * WIDTH)
        self.down = nn.Linear(4 * WIDTH, WIDTH)

    def forward(self, x):
        b, t, _ = x.shape
        q, k, v = self.qkv(self.norm1(x)).split(WIDTH, dim=2)
        q, k, v = (z.view(b, t, HEADS, WIDTH // HEADS).transpose(1, 2) for z in (q, k, v))
        attended = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        x = x + self.out(attended.transpose(1, 2).reshape(b, t, WIDTH))
        return x + self.down(F.gelu(self.up(self.norm2(x)), approximate="tanh"))


class Decoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.tokens = nn.Embedding(VOCAB, WIDTH)
        self.positions = nn.Embedding(CONTEXT, WIDTH)
        self.blocks = nn.ModuleList(Block() for _ in range(LAYERS))
        self.norm = nn.LayerNorm(WIDTH)
        self.head = nn.Linear(WIDTH, VOCAB, bias=False)

    def forward(self, ids):
        positions = torch.arange(ids.shape[1], device=ids.device)
        x = self.tokens(ids) + self.positions(positions)
        for block in self.blocks:
            x = block(x)
        return self.head(self.norm(x))


def network():
    """The decoder, bf16 on the GPU, in eval; the same weights in every process."""
    torch.manual_seed(0)
    return Decoder().cuda().to(torch.bfloat16).eval()


def prompts(length: int):
    """BATCH prompts of ``length`` tokens, the same in every process."""
    generator = torch.Generator(device="cuda").manual_seed(length)
    return torch.randint(0, VOCAB, (BATCH, length), device="cuda", generator=generator)
