/**
 * Debian's headless Chromium driven by playwright-core, with WebGPU on SwiftShader (a software
 * Vulkan device, no GPU needed) or without WebGPU, in a fresh profile folder each time.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';

export const CHROMIUM = process.env.BEFUNET_CHROMIUM ?? '/usr/bin/chromium';

/** Flags for a closed network: no background requests, no updates, no QUIC. */
const QUIET = [
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];
const WEBGPU = ['--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader'];

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

export async function launchChromium(options: { webgpu: boolean }): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium, or set BEFUNET_CHROMIUM`);
  }
  const profile = mkdtempSync(join(tmpdir(), 'befunet-demo-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    // playwright-core adds --headless itself; --no-sandbox because CI runs as root.
    args: ['--no-sandbox', ...QUIET, ...(options.webgpu ? WEBGPU : [])],
    viewport: { width: 1000, height: 1100 },
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
