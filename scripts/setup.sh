#!/usr/bin/env bash
# Prepares a fresh Debian machine (as root, or with sudo) to build, test and run the BEFUnet monorepo:
#  - Node.js >= 20.19 must be present;
#  - Mesa's EGL/OpenGL drivers, on which Dawn runs software WebGPU (llvmpipe) when there is no GPU;
#  - pnpm at the pinned version;
#  - the workspace dependencies, exactly as the lockfile pins them.
set -euo pipefail
cd "$(dirname "$0")/.."

PNPM_VERSION=12.4.2
MESA_PACKAGES=(libegl1 libegl-mesa0 libgl1-mesa-dri)

node -e 'const [a, b] = process.versions.node.split(".").map(Number);
  if (a < 20 || (a === 20 && b < 19)) { console.error(`setup: Node.js >= 20.19 is required, found ${process.version}`); process.exit(1); }'

missing=()
for p in "${MESA_PACKAGES[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]} (software WebGPU)"
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ "$(pnpm --version 2>/dev/null || true)" != "$PNPM_VERSION" ]; then
  echo "setup: installing pnpm@$PNPM_VERSION"
  npm install -g --silent "pnpm@$PNPM_VERSION"
fi

pnpm install --frozen-lockfile --reporter=append-only
