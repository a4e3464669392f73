// By path: vite loads config files with Node, which cannot import the TypeScript of a linked package.
import { backendProjects } from '../testing/src/vitest-config.ts';

// Benchmarks (bench/) and reliability code (reliability/) live outside src so that they are not published.
export default backendProjects({
  include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'bench/**/*.test.ts', 'reliability/**/*.test.ts'],
});
