// By path: vite loads config files with Node, which cannot import the TypeScript of a linked package.
import { backendProjects } from '../testing/src/vitest-config.ts';

export default backendProjects();
