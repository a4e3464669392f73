#!/usr/bin/env bash
# Prepares a fresh Debian machine (as root, or with sudo) to build, test and run the BEFUnet monorepo:
#  - Node.js >= 20.19 must be present;
#  - Mesa's EGL/OpenGL drivers, on which Dawn runs software WebGPU (llvmpipe) when there is no GPU;
#  - the independent tools the tests compare against: libjpeg's cjpeg/djpeg (JPEG files and reference
#    decodes), h5py (HDF5 and Synapse files written by the HDF5 library itself), pydicom and dcmtk
#    (DICOM series written, DICOM SEG read back), and Chromium (the
#    demo page's end-to-end test, WebGPU on SwiftShader);
#  - pnpm at the pinned version;
#  - the workspace dependencies, exactly as the lockfile pins them.
set -euo pipefail
cd "$(dirname "$0")/.."

PNPM_VERSION=12.4.2
DEBIAN_PACKAGES=(libegl1 libegl-mesa0 libgl1-mesa-dri libjpeg-turbo-progs python3-h5py python3-pydicom dcmtk chromium)

node -e 'const [a, b] = process.versions.node.split(".").map(Number);
  if (a < 20 || (a === 20 && b < 19)) { console.error(`setup: Node.js >= 20.19 is required, found ${process.version}`); process.exit(1); }'

missing=()
for p in "${DEBIAN_PACKAGES[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ "$(pnpm --version 2>/dev/null || true)" != "$PNPM_VERSION" ]; then
  echo "setup: installing pnpm@$PNPM_VERSION"
  npm install -g --silent "pnpm@$PNPM_VERSION"
fi

pnpm install --frozen-lockfile --reporter=append-only
