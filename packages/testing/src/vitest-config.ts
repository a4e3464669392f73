/**
 * The vitest configuration every package uses: two projects that run the same test files,
 * `cpu` on TF.js's cpu backend and `webgpu` on TF.js's webgpu backend through Dawn.
 *
 * Usage in a package's `vitest.config.ts`:
 *   export default backendProjects();
 */
import { fileURLToPath } from 'node:url';
import { defineConfig, type ViteUserConfig } from 'vitest/config';

export type TestBackend = 'cpu' | 'webgpu';
export const TEST_BACKENDS: readonly TestBackend[] = ['cpu', 'webgpu'];

const setupFile = (backend: TestBackend) => fileURLToPath(new URL(`./setup-${backend}.ts`, import.meta.url));

export interface BackendProjectsOptions {
  /** Test files, relative to the package. Defaults to `src/**\/*.test.ts` and `test/**\/*.test.ts`. */
  include?: string[];
  /** Per-test timeout in ms. Software WebGPU is slow; defaults to 120 s. */
  testTimeout?: number;
}

export function backendProjects(options: BackendProjectsOptions = {}): ViteUserConfig {
  const include = options.include ?? ['src/**/*.test.ts', 'test/**/*.test.ts'];
  return defineConfig({
    test: {
      projects: TEST_BACKENDS.map((backend) => ({
        extends: true,
        test: {
          name: backend,
          include,
          setupFiles: [setupFile(backend)],
          // One worker process: each test file gets a fresh module graph (so one TF.js engine and,
          // on webgpu, one Dawn device that its teardown destroys), and files never compete for
          // the two cores or the software GPU.
          pool: 'forks',
          maxWorkers: 1,
          testTimeout: options.testTimeout ?? 120_000,
          hookTimeout: 120_000,
          env: { EGL_PLATFORM: 'surfaceless', BEFUNET_TEST_PROJECT: backend },
        },
      })),
    },
  });
}
