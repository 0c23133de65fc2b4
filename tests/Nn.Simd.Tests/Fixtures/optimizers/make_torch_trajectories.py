"""Writes torch-trajectories.json: 20 steps of torch.optim's SGD (momentum, Nesterov), Adam, AdamW
and RMSprop on 64 float32 parameters with seeded float32 gradients, every step's parameters kept.
OptimizerTorchTests replays the same gradients through Nn.Simd's step kernels and compares.

    /usr/bin/python3 make_torch_trajectories.py     # PyTorch 1.13 (Debian python3-torch) (single-tensor code path, one thread)
"""
import json

import torch

torch.set_num_threads(1)
generator = torch.Generator().manual_seed(17)
N, STEPS = 64, 20
w0 = torch.rand(N, generator=generator) * 2 - 1
grads = torch.randn(STEPS, N, generator=generator) * 0.5
grads[:, 0] = 0.0
grads[:, 1] = 1e-6
grads[:, 2] = -40.0

CONFIGS = {
    "momentum": lambda p: torch.optim.SGD([p], lr=0.05, momentum=0.9, weight_decay=1e-3, foreach=False),
    "nesterov": lambda p: torch.optim.SGD([p], lr=0.05, momentum=0.9, weight_decay=1e-3, nesterov=True, foreach=False),
    "adam": lambda p: torch.optim.Adam([p], lr=1e-3, weight_decay=1e-2, foreach=False),
    "adamw": lambda p: torch.optim.AdamW([p], lr=1e-3, weight_decay=1e-2, foreach=False),
    "rmsprop": lambda p: torch.optim.RMSprop([p], lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=1e-3, foreach=False),
}

out = {"torch": torch.__version__, "w0": w0.tolist(), "gradients": grads.tolist(), "trajectories": {}}
for name, make in CONFIGS.items():
    p = w0.clone().requires_grad_(True)
    optimizer = make(p)
    trajectory = []
    for t in range(STEPS):
        p.grad = grads[t].clone()
        optimizer.step()
        trajectory.append(p.detach().tolist())
    out["trajectories"][name] = trajectory

with open("torch-trajectories.json", "w") as f:
    json.dump(out, f)
