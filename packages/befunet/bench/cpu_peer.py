#!/usr/bin/env python3
# Copyright 2025 The BEFUnet TF.js authors.
#
# Licensed under the Apache License, Version 2.0 (the "License");
# you may not use this file except in compliance with the License.
# You may obtain a copy of the License at
#
#     http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS,
# WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
# See the License for the specific language governing permissions and
# limitations under the License.
"""The PyTorch side of the CPU benchmark (bench/cpu.ts): a persistent process that times one sample on request.

It builds the OFFICIAL BEFUnet with pytorch_reference.py's builder (the official code imported
unchanged from .official/BEFUnet or --official; random Swin weights, the official PiDiNet checkpoint
when present), then, before answering anything, writes into --cache:

  official.safetensors  its state_dict (what the TF.js side imports with importOfficialStateDict)
  official.onnx         the same model exported by torch.onnx.export at opset 17 (eval mode, batch 1)
  input.f32             the batch-1 input, float32 NCHW [1, 3, size, size], raw little-endian
  torch-logits.f32      PyTorch's eval logits on that input, float32 NCHW [1, classes, size, size]

Then it prints one JSON line {"ready": ...} on stdout and answers each stdin line:
  forward  -> {"ms": t}   one eval forward at batch 1 under torch.no_grad()
  step     -> {"ms": t}   one training step at --batch (SGD lr 0.01 momentum 0.9, cross-entropy)
Progress goes to stderr. Run with a PyTorch 2.x (see the core README's "CPU benchmark").
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import time
from pathlib import Path

import pytorch_reference as ref


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description="PyTorch peer of the CPU benchmark (JSON lines on stdin/stdout).")
    p.add_argument("--cache", type=Path, required=True, help="folder for the exported model and tensors")
    p.add_argument("--official", type=Path, default=ref.DEFAULT_OFFICIAL, help="the official BEFUnet code")
    p.add_argument("--threads", type=int, default=2, help="torch.set_num_threads (default 2)")
    p.add_argument("--batch", type=int, default=2, help="batch of the training step (default 2)")
    p.add_argument("--seed", type=int, default=7, help="seed of the weights and inputs (default 7)")
    return p.parse_args(argv)


def build(torch, args):
    """The official model (eval mode) through pytorch_reference.py's builder, at 224 px, 9 classes."""
    ref_args = ref.parse_args(["--device", "cpu", "--official", str(args.official), "--seed", str(args.seed)])
    official = ref.check_official(ref_args.official)
    result = {"settings": {}}
    model = ref.build_official_model(torch, official, ref_args, result).float().eval()
    return model, ref_args.size, ref_args.classes


def save_state(torch, model, path: Path) -> None:
    from safetensors.torch import save_file

    # Cloned: the official decoder shares storages between duplicated keys, which save_file refuses.
    save_file({k: v.detach().clone().contiguous() for k, v in model.state_dict().items()}, str(path))


def export_onnx(torch, model, x, path: Path) -> None:
    with torch.no_grad(), contextlib.redirect_stdout(sys.stderr):
        torch.onnx.export(model, (x,), str(path), opset_version=17, input_names=["input"],
                          output_names=["logits"], dynamo=False)


def write_f32(tensor, path: Path) -> None:
    path.write_bytes(tensor.detach().contiguous().float().numpy().astype("<f4").tobytes())


def timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return (time.perf_counter() - t0) * 1e3


def make_step(torch, model, x, y):
    """One official-trainer-ordered SGD step: forward, loss, zero_grad, backward, step."""
    criterion = torch.nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)

    def step():
        model.train()
        loss = criterion(ref.pick_logits(model(x)), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        model.eval()

    return step


def serve(handlers: dict) -> None:
    for line in sys.stdin:
        op = line.strip()
        if not op:
            continue
        if op == "quit":
            return
        fn = handlers.get(op)
        reply = {"ms": timed(fn)} if fn else {"error": f"unknown op {op!r}"}
        print(json.dumps(reply), flush=True)


def main(argv=None) -> int:
    sys.dont_write_bytecode = True
    args = parse_args(argv)
    import torch

    torch.set_num_threads(args.threads)
    args.cache.mkdir(parents=True, exist_ok=True)
    model, size, classes = build(torch, args)
    gen = torch.Generator().manual_seed(args.seed)
    x1 = torch.randn(1, 3, size, size, generator=gen)
    xb = torch.randn(args.batch, 3, size, size, generator=gen)
    yb = torch.randint(0, classes, (args.batch, size, size), generator=gen)

    save_state(torch, model, args.cache / "official.safetensors")
    write_f32(x1, args.cache / "input.f32")
    with torch.no_grad():
        write_f32(ref.pick_logits(model(x1)), args.cache / "torch-logits.f32")
    ref.log("exporting to ONNX (opset 17)")
    export_onnx(torch, model, x1, args.cache / "official.onnx")

    def forward():
        with torch.no_grad():
            model(x1)

    print(json.dumps({"ready": True, "torch": torch.__version__, "threads": torch.get_num_threads(),
                      "size": size, "classes": classes}), flush=True)
    serve({"forward": forward, "step": make_step(torch, model, xb, yb)})
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except ref.BenchError as e:
        print(f"cpu_peer.py: error: {e}", file=sys.stderr, flush=True)
        sys.exit(2)
