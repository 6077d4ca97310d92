"""Dump diffusers' alphas_cumprod tables, computed the way its schedulers do in torch float32.

    ATEN_CPU_CAPABILITY=default python3 gen_torch_alphas.py

(committed files: Debian bookworm python3-torch 1.13.1). Each file is 1000 little-endian float32.
The cosine schedule is diffusers' betas_for_alpha_bar.
"""
import math

import torch


def cosine_betas(n, max_beta=0.999):
    f = lambda t: math.cos((t + 0.008) / 1.008 * math.pi / 2) ** 2
    return torch.tensor([min(1 - f((i + 1) / n) / f(i / n), max_beta) for i in range(n)], dtype=torch.float32)


TABLES = {
    "scaled_linear_0.00085_0.012": torch.linspace(0.00085**0.5, 0.012**0.5, 1000, dtype=torch.float32) ** 2,
    "linear_0.0001_0.02": torch.linspace(0.0001, 0.02, 1000, dtype=torch.float32),
    "squaredcos_cap_v2": cosine_betas(1000),
}

for name, betas in TABLES.items():
    torch.cumprod(1.0 - betas, dim=0).numpy().astype("<f4").tofile(f"alphas_cumprod_{name}.f32")
