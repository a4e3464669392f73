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
"""Times the OFFICIAL PyTorch BEFUnet (GitHub Omid-Nejati/BEFUnet) on one device.

It is the PyTorch side of the side-by-side comparison with our TF.js numbers
(see shared/reference/BASELINES.md): same card, same shapes, one run.

The official code is not part of this repository. Export it (code files only)
into .official/BEFUnet at the repo root (gitignored), or pass --official DIR.
This script imports it unchanged; the only things it supplies are:

  * the configuration: read from the official configs/BEFUnet_configs.py with
    `ast` (that file imports ml_collections and wget and downloads a Swin
    checkpoint, so it is never imported); values are put in a small
    attribute dict that stands in for ml_collections.ConfigDict;
  * the Swin-T ImageNet checkpoint the official constructor torch.load()s: not
    available offline, so `torch.load` is wrapped during construction and
    answers that one path with the state of a freshly initialised official
    SwinTransformer (plus freshly initialised patch-merging weights), i.e. a
    random init. Weights do not change the timings;
  * the PiDiNet-small BSDS checkpoint is loaded from the official
    weights/table5_pidinet-small.pth when present (as the released model
    does), otherwise it is replaced by a fresh random PiDiNet state;
  * stand-ins for modules the official utils.py imports only for its test-time
    helpers (medpy, SimpleITK, scipy.ndimage, and torchvision, which
    models/Encoder.py imports but never uses), installed only when the real
    module is missing and removed from sys.modules again after the import.

Usage (from the repo root):

  python3 packages/befunet/bench/pytorch_reference.py --out runs/pytorch-reference.json
  python3 packages/befunet/bench/pytorch_reference.py --amp --compile --out ref.json
  python3 packages/befunet/bench/pytorch_reference.py --smoke    # CPU, batch 2, 1 run

Measures, float32 unless --amp: eager forward (model.eval(), torch.no_grad())
at batch 1 and at --batch; one training step at --batch (SGD lr 0.01 momentum
0.9, CrossEntropyLoss on the logits against random labels, zero_grad /
backward / step); peak CUDA memory of the batch-1 forward and of the training
step. Every timed run is wrapped in torch.cuda.synchronize() and timed with
time.perf_counter(). Progress goes to stderr, the table to stdout, the JSON to
--out (rewritten after every stage, "complete": true at the end).
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import datetime
import hashlib
import importlib
import importlib.machinery
import json
import math
import os
import platform
import statistics
import sys
import time
import types
import warnings
from pathlib import Path

SCHEMA = "befunet-pytorch-reference/1"
# packages/befunet/bench/pytorch_reference.py -> repo root is three folders up.
REPO_ROOT = Path(__file__).resolve().parents[3]
DEFAULT_OFFICIAL = REPO_ROOT / ".official" / "BEFUnet"

# The released configuration (configs/BEFUnet_configs.py at commit f25a142).
# Used as a fallback and cross-checked against the official file at run time.
RELEASED_CONFIG = {
    "swin_pyramid_fm": [96, 192, 384, 768],
    "image_size": 224,
    "patch_size": 4,
    "num_classes": 9,
    "cnn_backbone": "pidinet_small_converted",
    "pdcs": "carv4",
    "cnn_pyramid_fm": [30, 60, 120, 120],
    "pidinet_pretrained": False,
    "depth": [[1, 2, 0]],
    "num_heads": (6, 12),
    "mlp_ratio": (2.0, 2.0, 1.0),
    "drop_rate": 0.0,
    "attn_drop_rate": 0.0,
    "drop_path_rate": 0.0,
    "qkv_bias": True,
    "qk_scale": None,
    "cross_pos_embed": True,
}
REQUIRED_OFFICIAL_FILES = (
    "models/BEFUnet.py",
    "models/Encoder.py",
    "models/Decoder.py",
    "models/pidinet.py",
    "models/ops.py",
    "models/config.py",
    "utils.py",
)
PIDINET_CHECKPOINT = "weights/table5_pidinet-small.pth"
SWIN_SENTINEL = "<pytorch_reference: random-init Swin-T, no checkpoint>"
PIDINET_SENTINEL = "<pytorch_reference: random-init PiDiNet-small, no checkpoint>"
SWIN_WINDOW = 7  # the official PyramidFeatures builds SwinTransformer with its default window 7

_T0 = time.perf_counter()


def log(msg: str) -> None:
    now = datetime.datetime.now().strftime("%H:%M:%S.%f")[:-3]
    print(f"[{now} +{time.perf_counter() - _T0:7.1f}s] {msg}", file=sys.stderr, flush=True)


class BenchError(Exception):
    """A failure with a message meant for the person running the benchmark."""


# --------------------------------------------------------------------------- args


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description="Benchmark the official PyTorch BEFUnet (forward b1/bN, training step, peak memory).",
    )
    p.add_argument("--official", type=Path, default=None,
                   help=f"folder holding the official BEFUnet code (default: {DEFAULT_OFFICIAL})")
    p.add_argument("--out", type=Path, default=None, help="write the results as JSON to this file")
    p.add_argument("--device", choices=("cuda", "cpu"), default=None, help="default: cuda")
    p.add_argument("--size", type=int, default=None,
                   help="image side in pixels (default 224; must be a multiple of 224 with the released Swin window 7)")
    p.add_argument("--batch", type=int, default=None, help="batch N for the second forward and the training step (default 10)")
    p.add_argument("--warmup", type=int, default=None, help="untimed runs before each measurement (default 3)")
    p.add_argument("--runs", type=int, default=None, help="timed runs per measurement (default 10)")
    p.add_argument("--classes", type=int, default=9, help="output classes (default 9, as released)")
    p.add_argument("--lr", type=float, default=0.01, help="SGD learning rate (default 0.01)")
    p.add_argument("--momentum", type=float, default=0.9, help="SGD momentum (default 0.9)")
    p.add_argument("--weight-decay", type=float, default=0.0,
                   help="SGD weight decay (default 0; the official trainer uses 1e-4)")
    p.add_argument("--cudnn-benchmark", action="store_true",
                   help="cudnn.benchmark=True, deterministic=False (train.py --deterministic 0). "
                        "Default: benchmark=False, deterministic=True, as the official train.py defaults")
    p.add_argument("--amp", action="store_true", help="also time autocast bfloat16 forward at batch 1 and N")
    p.add_argument("--compile", action="store_true",
                   help="also time torch.compile(model) forward at batch 1 and N (compiling takes ~100 s)")
    p.add_argument("--compile-mode", default=None,
                   help="mode passed to torch.compile (default: torch's default mode)")
    p.add_argument("--skip-train", action="store_true", help="do not time the training step")
    p.add_argument("--random-pidinet", action="store_true",
                   help="do not load the official PiDiNet checkpoint even when it is there")
    p.add_argument("--seed", type=int, default=1234, help="seed for weights and inputs (default 1234, as train.py)")
    p.add_argument("--smoke", action="store_true",
                   help="tiny CPU check: --device cpu --size 224 --batch 2 --runs 1 --warmup 0 unless given")
    args = p.parse_args(argv)

    smoke = {"device": "cpu", "size": 224, "batch": 2, "runs": 1, "warmup": 0}
    normal = {"device": "cuda", "size": 224, "batch": 10, "runs": 10, "warmup": 3}
    for key, value in (smoke if args.smoke else normal).items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    if args.official is None:
        args.official = DEFAULT_OFFICIAL

    if args.batch < 1:
        p.error("--batch must be at least 1")
    if args.runs < 1:
        p.error("--runs must be at least 1")
    if args.warmup < 0:
        p.error("--warmup must be 0 or more")
    if args.classes < 1:
        p.error("--classes must be at least 1")
    problem = size_problem(args.size)
    if problem:
        p.error(f"--size {args.size}: {problem}")
    return args


def size_problem(size: int) -> str | None:
    """Why the official graph cannot run at this image size, or None.

    The edge stages are strided by 4 again before meeting the Swin stages,
    which run at size/4, /8, /16, /32 with window 7: every stage wider than 7
    must split into whole windows. In practice: a multiple of 224.
    """
    if size < 32 or size % 32:
        return "must be a multiple of 32 (four Swin stages at size/4 .. size/32)"
    for k in (4, 8, 16, 32):
        r = size // k
        if r > SWIN_WINDOW and r % SWIN_WINDOW:
            return (f"Swin stage at {r}x{r} tokens does not split into {SWIN_WINDOW}x{SWIN_WINDOW} windows "
                    "(the official model needs a multiple of 224; use 224 for the smoke test)")
    return None


# ------------------------------------------------------------------- timing utils


def summarize(samples_ms: list[float]) -> dict:
    return {
        "median": statistics.median(samples_ms),
        "min": min(samples_ms),
        "max": max(samples_ms),
        "mean": statistics.fmean(samples_ms),
        "runs": len(samples_ms),
        "samples": [round(s, 4) for s in samples_ms],
    }


def time_runs(fn, warmup: int, runs: int, sync) -> dict:
    """Untimed warm-up runs, then `runs` runs each timed as sync / perf_counter / fn / sync."""
    for _ in range(warmup):
        fn()
        sync()
    samples = []
    for _ in range(runs):
        sync()
        t0 = time.perf_counter()
        fn()
        sync()
        samples.append((time.perf_counter() - t0) * 1e3)
    return summarize(samples)


def timing_text(timing: dict) -> str:
    return f"median {timing['median']:.2f} ms (min {timing['min']:.2f}, max {timing['max']:.2f})"


def batch_timing(batch: int, timing: dict) -> dict:
    """The JSON entry of a measurement at batch N (the TF.js benchmark's shape)."""
    return {"batch": batch, "timing": timing, "imagesPerSecond": images_per_second(batch, timing)}


def images_per_second(batch: int, timing: dict) -> float:
    return batch / (timing["median"] / 1e3) if timing["median"] > 0 else float("inf")


def fmt_ms(timing: dict | None) -> tuple[str, str, str]:
    if not timing:
        return ("-", "-", "-")
    return tuple(f"{timing[k]:.2f}" for k in ("median", "min", "max"))


def fmt_mb(nbytes) -> str:
    return "-" if nbytes is None else f"{nbytes / 2**20:.0f}"


def render_table(result: dict) -> str:
    """The compact stdout table, from the JSON result alone."""
    head = (f"Official PyTorch BEFUnet on {result.get('device')} | torch {result.get('torch')} | "
            f"{result.get('parameters', 0) / 1e6:.1f} M params | {result['settings']['size']}x{result['settings']['size']}, "
            f"{result['settings']['classes']} classes | float32 | cudnn.benchmark={result['settings']['cudnnBenchmark']}")
    rows = []  # (what, batch, timing, img/s, peak bytes)
    peak = result.get("peakBytes", {})
    if "forwardBatch1" in result:
        rows.append(("eager forward", 1, result["forwardBatch1"], None, peak.get("forwardBatch1")))
    if "forwardBatch" in result:
        fb = result["forwardBatch"]
        rows.append(("eager forward", fb["batch"], fb["timing"], fb["imagesPerSecond"], peak.get("forwardBatch")))
    if "trainStep" in result:
        ts = result["trainStep"]
        rows.append(("eager train step (SGD, CE)", ts["batch"], ts["timing"], ts.get("imagesPerSecond"), peak.get("trainStep")))
    for key, label in (("amp", "autocast bf16 forward"), ("compiled", "torch.compile forward")):
        entry = result.get(key)
        if not entry:
            continue
        if "error" in entry:
            rows.append((f"{label}: FAILED ({entry['error'][:100]})", None, None, None, None))
            continue
        if "forwardBatch1" in entry:
            rows.append((label, 1, entry["forwardBatch1"], None, None))
        if "forwardBatch" in entry:
            fb = entry["forwardBatch"]
            rows.append((label, fb["batch"], fb["timing"], fb["imagesPerSecond"], None))
    lines = [head,
             f"{'what':<30} {'batch':>5} {'median ms':>10} {'min ms':>9} {'max ms':>9} {'img/s':>8} {'peak MiB':>9}"]
    for what, batch, timing, ips, pk in rows:
        if timing is None:
            lines.append(what)
            continue
        med, lo, hi = fmt_ms(timing)
        lines.append(f"{what:<30} {'' if batch is None else batch:>5} {med:>10} {lo:>9} {hi:>9} "
                     f"{'-' if ips is None else f'{ips:.1f}':>8} {fmt_mb(pk):>9}")
    if "compiled" in result and "compileSeconds" in result["compiled"]:
        cs = result["compiled"]["compileSeconds"]
        lines.append("compile time (first call): " + ", ".join(f"{k} {v:.1f} s" for k, v in cs.items()))
    return "\n".join(lines)


def write_json(path: Path | None, result: dict) -> None:
    if path is None:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(result, indent=2, default=str) + "\n")
    os.replace(tmp, path)


# ------------------------------------------------------------- official code import


class AttrDict(dict):
    """Stands in for ml_collections.ConfigDict: attribute access over a dict."""

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError as e:
            raise AttributeError(name) from e

    def __setattr__(self, name, value):
        self[name] = value


def check_official(official: Path) -> Path:
    official = official.expanduser().resolve()
    if not official.is_dir():
        raise BenchError(
            f"the official BEFUnet folder {official} does not exist. Export the official code there "
            "(e.g. `git --git-dir=<mirror> archive HEAD | tar -x -C .official/BEFUnet`) or pass --official DIR.")
    missing = [f for f in REQUIRED_OFFICIAL_FILES if not (official / f).is_file()]
    if missing:
        raise BenchError(f"{official} is not the official BEFUnet code: missing {', '.join(missing)}")
    return official


def official_source_hash(official: Path) -> str:
    h = hashlib.sha256()
    files = sorted(official.glob("models/*.py")) + [official / "utils.py", official / "configs" / "BEFUnet_configs.py"]
    for f in files:
        if f.is_file():
            h.update(f.relative_to(official).as_posix().encode() + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()


def read_official_config(official: Path) -> tuple[dict, list[str]]:
    """The literal `cfg.NAME = value` assignments of configs/BEFUnet_configs.py, without importing it."""
    notes = []
    values = dict(RELEASED_CONFIG)
    path = official / "configs" / "BEFUnet_configs.py"
    try:
        tree = ast.parse(path.read_text(), filename=str(path))
    except (OSError, SyntaxError) as e:
        notes.append(f"could not read {path} ({e}); using the built-in copy of the released config")
        return values, notes
    found = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            t = node.targets[0]
            if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id == "cfg":
                try:
                    found[t.attr] = ast.literal_eval(node.value)
                except ValueError:
                    pass  # non-literal (e.g. paths built at run time): not needed
    for key, value in found.items():
        if key in RELEASED_CONFIG and value != RELEASED_CONFIG[key]:
            notes.append(f"official config differs from the released one: {key}={value!r} "
                         f"(released {RELEASED_CONFIG[key]!r}); using the official file's value")
        values[key] = value
    absent = [k for k in RELEASED_CONFIG if k not in found]
    if absent:
        notes.append(f"not found in {path.name}, built-in released values used: {', '.join(absent)}")
    return values, notes


class _StandIn(type):
    """The type of a stand-in class: each attribute read off it is another stand-in, one per name."""

    def __getattr__(cls, attr):
        if attr.startswith("__"):
            raise AttributeError(attr)
        member = _StandIn(f"{cls.__name__}.{attr}", (cls,), {})
        setattr(cls, attr, member)  # distinct and stable: timm keys dicts by InterpolationMode members
        return member


def _stub_module(name: str) -> types.ModuleType:
    mod = types.ModuleType(name)
    mod.__spec__ = importlib.machinery.ModuleSpec(name, loader=None)
    mod.__pytorch_reference_stub__ = True

    def unavailable(*_args, **_kwargs):
        raise RuntimeError(f"{name} is not installed; pytorch_reference.py put a stand-in here "
                           "because the official code imports it only for evaluation helpers")

    def __getattr__(attr):  # PEP 562
        if attr.startswith("__"):
            raise AttributeError(attr)
        # A class, so that importers may subclass it (timm: `class MaybeToTensor(transforms.ToTensor)`)
        # or read constants off it (`InterpolationMode.BILINEAR`); using it raises.
        return _StandIn(attr, (), {"__init__": unavailable})

    mod.__getattr__ = __getattr__
    return mod


def install_stubs() -> list[str]:
    """Stand-ins for modules the official files import but the model never uses, only where missing."""
    installed = []
    wanted = {
        # utils.py (evaluation helpers): `from medpy import metric`, `import SimpleITK as sitk`,
        # `from scipy.ndimage import zoom`; models/Encoder.py: `import torchvision` (unused); timm 1.x
        # imports these torchvision modules at import time (pip's mirror has only CUDA torchvision
        # builds, which do not load beside a CPU torch).
        "medpy.metric": ["medpy", "medpy.metric"],
        "SimpleITK": ["SimpleITK"],
        "scipy.ndimage": ["scipy", "scipy.ndimage"],
        "torchvision.ops.misc": ["torchvision", "torchvision.ops", "torchvision.ops.misc", "torchvision.datasets",
                                 "torchvision.models", "torchvision.models.feature_extraction",
                                 "torchvision.transforms", "torchvision.transforms.functional", "torchvision.utils"],
    }
    for probe, names in wanted.items():
        try:
            importlib.import_module(probe)
            continue
        except Exception:  # ImportError, or a broken install (e.g. torchvision built for another torch)
            for name in list(sys.modules):
                if name in names or any(name.startswith(n + ".") for n in names):
                    del sys.modules[name]
        for name in names:
            sys.modules[name] = _stub_module(name)
            installed.append(name)
        for name in names:  # `from medpy import metric` reads the attribute on the parent
            if "." in name:
                parent, child = name.rsplit(".", 1)
                setattr(sys.modules[parent], child, sys.modules[name])
    return installed


def import_official(official: Path) -> tuple[types.ModuleType, list[str]]:
    """Imports models.BEFUnet from `official` exactly as the official train.py does (cwd-relative names)."""
    for name in ("models", "utils"):
        mod = sys.modules.get(name)
        if mod is not None and not str(getattr(mod, "__file__", "") or "").startswith(str(official)):
            del sys.modules[name]
    sys.path.insert(0, str(official))
    # models/ has no __init__.py (a namespace package): pin it to the official folder so that no other
    # `models` package on sys.path can shadow it.
    models_dir = str(official / "models")
    spec = importlib.machinery.ModuleSpec("models", loader=None, is_package=True)
    spec.submodule_search_locations = [models_dir]
    pkg = types.ModuleType("models")
    pkg.__spec__ = spec
    pkg.__path__ = [models_dir]
    pkg.__package__ = "models"
    sys.modules["models"] = pkg

    stubs = install_stubs()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)  # timm: "Importing from timm.models.layers is deprecated"
            befunet_mod = importlib.import_module("models.BEFUnet")
    finally:
        for name in stubs:  # keep them out of torch.compile's way; the official modules hold their own references
            sys.modules.pop(name, None)
        # Construction needs no further imports; do not leave the official top-level names (utils, datasets,
        # test, trainer, configs) shadowing anything for the rest of the run.
        with contextlib.suppress(ValueError):
            sys.path.remove(str(official))
    utils_file = str(getattr(sys.modules.get("utils"), "__file__", ""))
    if not utils_file.startswith(str(official)):
        raise BenchError(f"`utils` resolved to {utils_file!r}, not the official utils.py in {official}")
    return befunet_mod, stubs


def build_official_model(torch, official: Path, args, result: dict):
    befunet_mod, stubs = import_official(official)
    encoder = sys.modules["models.Encoder"]
    utils_mod = sys.modules["utils"]
    if stubs:
        log(f"stand-ins for unused official imports: {', '.join(stubs)}")

    values, notes = read_official_config(official)
    for n in notes:
        log(f"config: {n}")
    cfg = AttrDict(values)
    cfg.image_size = args.size
    cfg.num_classes = args.classes
    cfg.swin_pretrained_path = SWIN_SENTINEL
    pidinet_ckpt = official / PIDINET_CHECKPOINT
    use_pidinet_ckpt = pidinet_ckpt.is_file() and not args.random_pidinet
    cfg.PDC_pretrained_path = str(pidinet_ckpt) if use_pidinet_ckpt else PIDINET_SENTINEL
    if not use_pidinet_ckpt:
        log(f"PiDiNet weights: random init ({'--random-pidinet' if args.random_pidinet else f'{pidinet_ckpt} absent'})")

    real_load = torch.load

    def synthetic_swin_checkpoint():
        # The official constructor loads Swin-T ImageNet weights into its SwinTransformer and copies the
        # stage-0..2 patch-merging weights into p1_pm..p3_pm. Offline, answer with fresh official modules.
        state = {k: v.detach().clone() for k, v in encoder.SwinTransformer(args.size, in_chans=3).state_dict().items()}
        for i, dim in enumerate(cfg.swin_pyramid_fm[:3]):
            pm = utils_mod.PatchMerging((2, 2), dim)
            for k, v in pm.state_dict().items():
                state[f"layers.{i}.downsample.{k}"] = v.detach().clone()
        return {"model": state}

    def synthetic_pidinet_checkpoint():
        net = encoder.PiDiNet(30, encoder.config_model(cfg.pdcs), dil=12, sa=True)
        return {"state_dict": {"module." + k: v.detach().clone() for k, v in net.state_dict().items()}}

    def offline_load(f, *a, **kw):
        if isinstance(f, str) and f == SWIN_SENTINEL:
            return synthetic_swin_checkpoint()
        if isinstance(f, str) and f == PIDINET_SENTINEL:
            return synthetic_pidinet_checkpoint()
        kw["map_location"] = "cpu"
        try:
            return real_load(f, *a, weights_only=True, **kw)  # the PiDiNet checkpoint holds tensors only
        except TypeError:  # a torch without weights_only
            return real_load(f, *a, **kw)

    torch.manual_seed(args.seed)
    torch.load = offline_load
    try:
        # The official constructors print (config dicts, "initialization done"): keep stdout for the table.
        with contextlib.redirect_stdout(sys.stderr):
            model = befunet_mod.BEFUnet(config=cfg, img_size=args.size, in_chans=3, n_classes=args.classes)
    finally:
        torch.load = real_load

    result["settings"]["swinWeights"] = "random init (Swin-T ImageNet checkpoint replaced, no download)"
    result["settings"]["pidinetWeights"] = (f"official checkpoint {PIDINET_CHECKPOINT}" if use_pidinet_ckpt
                                            else "random init")
    result["settings"]["officialImportStubs"] = stubs
    result["settings"]["configNotes"] = notes
    return model


# ---------------------------------------------------------------------- benchmark


def pick_logits(out):
    """The official BEFUnet.forward returns the logits tensor itself; tolerate a tuple/list anyway."""
    while isinstance(out, (tuple, list)):
        out = out[0]
    if isinstance(out, dict):
        out = out.get("logits", next(iter(out.values())))
    return out


def run(args) -> int:
    try:
        import torch
        import torch.nn as nn
    except ImportError as e:
        raise BenchError(f"PyTorch is not importable ({e}); run this on the GPU host's python3") from e
    for mod in ("timm", "einops", "numpy"):
        try:
            importlib.import_module(mod)
        except Exception as e:
            raise BenchError(f"the official BEFUnet needs `{mod}`, which does not import here: {e}") from e

    official = check_official(args.official)
    if args.device == "cuda" and not torch.cuda.is_available():
        raise BenchError(
            f"CUDA is not available (torch {torch.__version__}, built for CUDA {torch.version.cuda}). "
            "Run on the GPU host, or pass --smoke / --device cpu for the CPU smoke test.")
    device = torch.device(args.device)
    cuda = device.type == "cuda"
    sync = torch.cuda.synchronize if cuda else (lambda: None)

    if cuda:
        # Official train.py: deterministic=1 (its default) -> benchmark False, deterministic True.
        torch.backends.cudnn.benchmark = bool(args.cudnn_benchmark)
        torch.backends.cudnn.deterministic = not args.cudnn_benchmark
        if not hasattr(torch.cuda, "FloatTensor"):
            # models/ops.py (rd conv) allocates with the legacy torch.cuda.FloatTensor(shape); shim if removed.
            torch.cuda.FloatTensor = lambda *shape: torch.empty(*shape, dtype=torch.float32, device="cuda")
            log("shim: torch.cuda.FloatTensor (removed from this torch) -> torch.empty(..., device='cuda')")

    result = {
        "schema": SCHEMA,
        "complete": False,
        "timestamp": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "device": torch.cuda.get_device_name(device) if cuda else (platform.processor() or platform.machine() or "cpu"),
        "deviceType": device.type,
        "torch": torch.__version__,
        "cudaRuntime": torch.version.cuda,
        "cudnn": torch.backends.cudnn.version() if cuda else None,
        "python": platform.python_version(),
        "libraries": {m: getattr(sys.modules.get(m), "__version__", None) for m in ("timm", "einops", "numpy")},
        "official": {"path": str(official), "sourceSha256": official_source_hash(official)},
        "units": {"timing": "ms", "peakBytes": "bytes", "imagesPerSecond": "images/s"},
        "settings": {
            "size": args.size,
            "classes": args.classes,
            "inChannels": 3,
            "dtype": "float32",
            "warmup": args.warmup,
            "runs": args.runs,
            "seed": args.seed,
            "cudnnBenchmark": bool(torch.backends.cudnn.benchmark) if cuda else None,
            "cudnnDeterministic": bool(torch.backends.cudnn.deterministic) if cuda else None,
            "timingMethod": "torch.cuda.synchronize() before and after each run, time.perf_counter()" if cuda
                            else "time.perf_counter() around each run",
            "forwardMode": "model.eval(), torch.no_grad()",
        },
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tf32 = {}
        for key, get in (("matmulAllowTf32", lambda: torch.backends.cuda.matmul.allow_tf32),
                         ("cudnnAllowTf32", lambda: torch.backends.cudnn.allow_tf32),
                         ("float32MatmulPrecision", torch.get_float32_matmul_precision)):
            try:
                tf32[key] = get()
            except Exception as e:  # the TF32 switches moved between torch releases
                tf32[key] = f"unavailable ({type(e).__name__})"
        result["settings"]["tf32"] = tf32
    if cuda:
        props = torch.cuda.get_device_properties(device)
        result["deviceMemoryBytes"] = props.total_memory
    failures = []

    log(f"{result['device']} | torch {torch.__version__} (CUDA {torch.version.cuda}) | official code {official}")
    log(f"cudnn.benchmark={result['settings']['cudnnBenchmark']} cudnn.deterministic={result['settings']['cudnnDeterministic']} "
        f"tf32={tf32}")

    # ---- model
    t = time.perf_counter()
    model = build_official_model(torch, official, args, result)
    n_params = sum(p.numel() for p in model.parameters())
    result["parameters"] = n_params
    result["trainableParameters"] = sum(p.numel() for p in model.parameters() if p.requires_grad)
    log(f"built the official BEFUnet in {time.perf_counter() - t:.1f} s: {n_params:,} parameters ({n_params / 1e6:.2f} M)")
    model = model.to(device=device, dtype=torch.float32)
    if cuda:
        sync()
        result["modelBytes"] = torch.cuda.memory_allocated(device)
    write_json(args.out, result)

    gen = torch.Generator(device="cpu").manual_seed(args.seed)
    x1 = torch.randn(1, 3, args.size, args.size, generator=gen).to(device)
    xn = torch.randn(args.batch, 3, args.size, args.size, generator=gen).to(device)
    yn = torch.randint(0, args.classes, (args.batch, args.size, args.size), generator=gen).to(device)

    # ---- eager forward
    model.eval()
    with torch.no_grad():
        out = model(x1)
        sync()
        logits = pick_logits(out)
        kind = type(out).__name__ if not isinstance(out, torch.Tensor) else "Tensor"
        log(f"forward returns {kind}; logits {tuple(logits.shape)} {logits.dtype}")
        expected = (1, args.classes, args.size, args.size)
        if tuple(logits.shape) != expected:
            raise BenchError(f"unexpected logits shape {tuple(logits.shape)}, expected {expected}")
        if not bool(torch.isfinite(logits).all()):
            log("warning: the batch-1 logits are not all finite")
        result["output"] = {"type": kind, "logitsShape": list(logits.shape)}
        del out, logits

        if cuda:
            torch.cuda.reset_peak_memory_stats(device)
        timing = time_runs(lambda: model(x1), args.warmup, args.runs, sync)
        result["forwardBatch1"] = timing
        result.setdefault("peakBytes", {})["forwardBatch1"] = torch.cuda.max_memory_allocated(device) if cuda else None
        log(f"eager forward b1: {timing_text(timing)}, peak {fmt_mb(result['peakBytes']['forwardBatch1'])} MiB")
        write_json(args.out, result)

        if cuda:
            torch.cuda.reset_peak_memory_stats(device)
        timing = time_runs(lambda: model(xn), args.warmup, args.runs, sync)
        result["forwardBatch"] = batch_timing(args.batch, timing)
        result["peakBytes"]["forwardBatch"] = torch.cuda.max_memory_allocated(device) if cuda else None
        log(f"eager forward b{args.batch}: {timing_text(timing)}, "
            f"{result['forwardBatch']['imagesPerSecond']:.1f} img/s, "
            f"peak {fmt_mb(result['peakBytes']['forwardBatch'])} MiB")
        write_json(args.out, result)

    # ---- autocast bf16 forward
    if args.amp:
        entry = {"dtype": "bfloat16", "mode": f"torch.autocast('{device.type}', torch.bfloat16), eval, no_grad"}
        try:
            with torch.no_grad(), torch.autocast(device_type=device.type, dtype=torch.bfloat16):
                entry["outputDtype"] = str(pick_logits(model(x1)).dtype)
                timing = time_runs(lambda: model(x1), args.warmup, args.runs, sync)
                entry["forwardBatch1"] = timing
                log(f"bf16 autocast forward b1: {timing_text(timing)}")
                timing = time_runs(lambda: model(xn), args.warmup, args.runs, sync)
                entry["forwardBatch"] = batch_timing(args.batch, timing)
                log(f"bf16 autocast forward b{args.batch}: {timing_text(timing)}")
        except Exception as e:
            entry["error"] = f"{type(e).__name__}: {e}"
            failures.append("amp")
            log(f"autocast bf16 forward FAILED: {entry['error']}")
        result["amp"] = entry
        write_json(args.out, result)

    # ---- training step
    if not args.skip_train:
        saved = {k: v.detach().to("cpu", copy=True) for k, v in model.state_dict().items()}
        model.train()
        criterion = nn.CrossEntropyLoss()
        optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=args.momentum,
                                    weight_decay=args.weight_decay)
        last = {}

        def train_step():
            # Order as in the official trainer: forward, loss, zero_grad, backward, step.
            loss = criterion(pick_logits(model(xn)), yn)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            last["loss"] = loss.detach()

        if cuda:
            sync()
            torch.cuda.reset_peak_memory_stats(device)
        timing = time_runs(train_step, args.warmup, args.runs, sync)
        peak = torch.cuda.max_memory_allocated(device) if cuda else None
        final_loss = float(last["loss"]) if "loss" in last else None
        result["trainStep"] = {
            **batch_timing(args.batch, timing),
            "optimizer": {"name": "SGD", "lr": args.lr, "momentum": args.momentum, "weightDecay": args.weight_decay},
            "loss": "nn.CrossEntropyLoss(logits, labels in [0, classes))",
            "mode": "model.train()",
            "finalLoss": final_loss,
        }
        result["peakBytes"]["trainStep"] = peak
        log(f"train step b{args.batch}: {timing_text(timing)}, peak {fmt_mb(peak)} MiB, last loss {final_loss}")
        if final_loss is not None and not math.isfinite(final_loss):
            log("warning: the training loss is not finite")
        write_json(args.out, result)
        # Back to the untrained weights, free gradients and optimizer state before anything else runs.
        model.zero_grad(set_to_none=True)
        del optimizer, last
        with torch.no_grad():
            model.load_state_dict(saved)
        del saved
        model.eval()
        if cuda:
            torch.cuda.empty_cache()

    # ---- torch.compile forward
    if args.compile:
        entry = {"mode": args.compile_mode or "default"}
        try:
            model.eval()
            compiled = torch.compile(model, mode=args.compile_mode) if args.compile_mode else torch.compile(model)
            entry["compileSeconds"] = {}
            with torch.no_grad():
                for key, x, batch in (("forwardBatch1", x1, 1), ("forwardBatch", xn, args.batch)):
                    log(f"torch.compile: first call at batch {batch} (compiles) ...")
                    sync()
                    t = time.perf_counter()
                    compiled(x)
                    sync()
                    entry["compileSeconds"][f"batch{batch}"] = time.perf_counter() - t
                    log(f"torch.compile: first call at batch {batch} took {entry['compileSeconds'][f'batch{batch}']:.1f} s")
                    timing = time_runs(lambda: compiled(x), args.warmup, args.runs, sync)
                    entry[key] = timing if key == "forwardBatch1" else batch_timing(batch, timing)
                    log(f"compiled forward b{batch}: {timing_text(timing)}")
                    write_json(args.out, {**result, "compiled": entry})
            try:
                from torch._dynamo.utils import counters
                breaks = counters.get("graph_break", {})
                entry["graphBreaks"] = int(sum(breaks.values()))
                entry["graphBreakReasons"] = [str(r)[:200] for r in list(breaks)[:10]]
            except Exception:
                pass
        except Exception as e:
            entry["error"] = f"{type(e).__name__}: {e}"
            failures.append("compile")
            log(f"torch.compile FAILED: {entry['error']}")
        result["compiled"] = entry
        write_json(args.out, result)

    result["complete"] = True
    result["failures"] = failures
    write_json(args.out, result)
    print(render_table(result), flush=True)
    if args.out:
        log(f"wrote {args.out}")
    return 3 if failures else 0


def main(argv=None) -> int:
    sys.dont_write_bytecode = True  # leave no __pycache__ in the official folder
    args = parse_args(argv)
    try:
        return run(args)
    except BenchError as e:
        print(f"pytorch_reference.py: error: {e}", file=sys.stderr, flush=True)
        return 2


if __name__ == "__main__":
    sys.exit(main())
