import { backendProjects } from '@befunet/testing/vitest';

export default backendProjects();
