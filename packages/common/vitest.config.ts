// @befunet/common cannot depend on @befunet/testing (which depends on it), so it takes the shared
// configuration by path.
import { backendProjects } from '../testing/src/vitest-config.ts';

export default backendProjects();
