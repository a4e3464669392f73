#!/usr/bin/env bash
# Every GPU measurement of the README's GPU table, in one run on the NVIDIA host, PyTorch and TF.js
# side by side on the same card. Run from the repository root there, with these folders carried:
#   .gpu      built here by: (cd packages/befunet && bash ../../../shared/device/pack.sh ../../.gpu bench/gpu.ts)
#             plus the official fixtures copied into .gpu/fixtures (parity check on the card)
#   .gl       the glvnd .deb files Dawn's Vulkan needs there (see bench/gpu.ts)
#   .official/BEFUnet  the official PyTorch code (git-ignored; never committed)
# usage: bash packages/befunet/bench/gpu-host.sh OUT_DIR [SECONDS]   (SECONDS: the time to stay within)
#        STOCK_BATCH=0 skips the comparison with TF.js's own kernels (default: at batch 2)
#        PRESETS=official measures that preset alone (default: official,paper)
#        VARIANT_FLAG=NAME=VALUE measures the first preset again with that tf.env() flag set
#        PYTORCH_EXTRA=0 skips PyTorch's cudnn.benchmark, torch.compile and bf16 runs (eager only)
#        SUBMIT_BATCHES=15,64,1000 (the default; 0 skips) times the forward with each WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE
# The TF.js table has the replayed forward passes and training step (captured once, replayed) beside
# the TF.js ones, and the CPU time to issue each either way.
set -u
out=${1:?usage: gpu-host.sh OUT_DIR [SECONDS]}
budget=${2:-540}
start=$SECONDS
left() { echo $((budget - (SECONDS - start))); }
mkdir -p "$out"

for f in .gl/*.deb; do dpkg -x "$f" /; done
ldconfig
export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json PYTHONUNBUFFERED=1
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv | tee "$out/gpu.txt"

reference=packages/befunet/bench/pytorch_reference.py
echo "== PyTorch eager, the official code's settings (cudnn deterministic)"
timeout 100 python3 $reference --out "$out/pytorch-eager.json" 2>"$out/pytorch-eager.log" | tail -20

echo "== TF.js WebGPU (Dawn, Vulkan)"
timeout $(($(left) - 20)) bash .gpu/run.sh $( [ -d .gpu/fixtures ] && echo --fixtures .gpu/fixtures ) --out "$out/tfjs.json" --runs 20 --batch 10 --presets "${PRESETS:-official,paper}" \
  $( [ -n "${VARIANT_FLAG:-}" ] && echo --variant-flag "$VARIANT_FLAG" ) \
  $( [ "${STOCK_BATCH:-2}" != 0 ] && echo --stock-batch "${STOCK_BATCH:-2}" ) \
  $( [ "${SUBMIT_BATCHES:-15,64,1000}" != 0 ] && echo --submit-batches "${SUBMIT_BATCHES:-15,64,1000}" ) 2>"$out/tfjs.log" | tail -80
grep -E "round trip|dispatch cost|parity|median|first step|done in|submit every|CPU to issue" "$out/tfjs.log" | tail -48

if [ "${PYTORCH_EXTRA:-1}" != 0 ] && [ "$(left)" -gt 70 ]; then
  echo "== PyTorch eager, cudnn.benchmark ($(left) s left)"
  timeout $(($(left) - 10)) python3 $reference --cudnn-benchmark --out "$out/pytorch-benchmark.json" \
    2>"$out/pytorch-benchmark.log" | tail -20
fi
if [ "${PYTORCH_EXTRA:-1}" != 0 ] && [ "$(left)" -gt 150 ]; then
  echo "== PyTorch torch.compile and bf16 autocast ($(left) s left)"
  timeout $(($(left) - 10)) python3 $reference --cudnn-benchmark --amp --compile --skip-train \
    --out "$out/pytorch-compile.json" 2>"$out/pytorch-compile.log" | tail -20
fi
echo "== done in $((SECONDS - start)) s"
