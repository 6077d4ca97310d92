"""Dump torch.randn / torch.rand reference streams for nudge's noise tests.

Run with a real PyTorch (the committed files came from Debian bookworm's python3-torch 1.13.1,
GCC 12.2 build, on an AMD EPYC VM):

    ATEN_CPU_CAPABILITY=default python3 gen_torch_reference.py torch/default
    ATEN_CPU_CAPABILITY=avx2    python3 gen_torch_reference.py torch/avx2

Each case is one fresh torch.Generator().manual_seed(seed) followed by the listed calls, all
results concatenated as little-endian float32 in <dir>/<name>.f32. manifest.json lists them.
"""
import json
import os
import sys

import torch

CASES = [
    # name, seed, calls: ("randn"|"rand", numel)
    ("latent_seed0", 0, [("randn", 16384)]),
    ("latent_seed42_twice", 42, [("randn", 16384), ("randn", 16384)]),
    ("seed_over_32bit", 2**32 + 7, [("randn", 64)]),
    ("tail_1000", 1234, [("randn", 1000)]),
    ("tail_17", 5, [("randn", 17)]),
    ("small_mix", 0, [("randn", 3), ("randn", 1), ("randn", 15), ("randn", 16), ("randn", 2)]),
    ("small_then_large", 7, [("randn", 5), ("randn", 40), ("randn", 1)]),
    ("uniform", 3, [("rand", 40), ("randn", 32)]),
]


def main(out_dir):
    os.makedirs(out_dir, exist_ok=True)
    manifest = {
        "torch": torch.__version__,
        "capability": os.environ.get("ATEN_CPU_CAPABILITY", ""),
        "cases": [],
    }
    for name, seed, calls in CASES:
        g = torch.Generator().manual_seed(seed)
        parts = []
        for kind, n in calls:
            fn = torch.randn if kind == "randn" else torch.rand
            parts.append(fn(n, generator=g, dtype=torch.float32))
        torch.cat(parts).numpy().astype("<f4").tofile(os.path.join(out_dir, name + ".f32"))
        manifest["cases"].append({"name": name, "seed": seed, "calls": [[k, n] for k, n in calls]})
    with open(os.path.join(out_dir, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)


if __name__ == "__main__":
    main(sys.argv[1])
