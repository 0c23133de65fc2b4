#!/usr/bin/python3
"""Writes the PyTorch ONNX fixtures the import tests read, with the outputs PyTorch computed.

Run with Debian's PyTorch (apt-get install python3-torch python3-onnx; torch 1.13):
    /usr/bin/python3 tests/Nn.Simd.Tests/Fixtures/onnx/make_pytorch_fixtures.py
Each model is an nn.Sequential of Linear layers with ReLU / Sigmoid / Tanh and an optional final
Softmax, exported by torch.onnx.export (opset 13, batch dimension dynamic). Next to each
NAME.onnx, NAME.json records 16 inputs and PyTorch's outputs for them (float32 values printed
with 9 significant digits, enough to restore every bit).
"""
import json
import os

import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))


def export(name, model, inputs):
    model.eval()
    path = os.path.join(HERE, name + ".onnx")
    torch.onnx.export(
        model, inputs[:1], path, input_names=["input"], output_names=["output"],
        dynamic_axes={"input": {0: "N"}, "output": {0: "N"}}, opset_version=13)
    with torch.no_grad():
        outputs = model(inputs)
    record = {
        "torch": torch.__version__,
        "inputs": [[float("%.9g" % v) for v in row] for row in inputs.tolist()],
        "outputs": [[float("%.9g" % v) for v in row] for row in outputs.tolist()],
    }
    with open(os.path.join(HERE, name + ".json"), "w") as f:
        json.dump(record, f)


def main():
    torch.manual_seed(2026)
    export("sigmoid-softmax-784-100-10",
           nn.Sequential(nn.Linear(784, 100), nn.Sigmoid(), nn.Linear(100, 10), nn.Softmax(dim=1)),
           torch.rand(16, 784))
    export("relu-tanh-64-32-16-10",
           nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 16), nn.Tanh(), nn.Linear(16, 10)),
           torch.rand(16, 64) * 2 - 1)
    export("relu-relu-softmax-784-256-256-10",
           nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 10), nn.Softmax(dim=1)),
           torch.rand(16, 784))
    # Not an MLP this engine runs: LayerNorm must be refused by name.
    export("unsupported-layernorm",
           nn.Sequential(nn.Linear(8, 6), nn.LayerNorm(6), nn.ReLU(), nn.Linear(6, 3)),
           torch.rand(16, 8))
    # Bias-free layers (Linear(..., bias=False)): a MatMul without Add, here last and in the middle.
    export("nobias-relu-8-16-12-3",
           nn.Sequential(nn.Linear(8, 16, bias=False), nn.ReLU(), nn.Linear(16, 12), nn.ReLU(), nn.Linear(12, 3, bias=False)),
           torch.rand(16, 8) * 2 - 1)


if __name__ == "__main__":
    main()
