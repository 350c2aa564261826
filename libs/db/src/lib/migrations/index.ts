import { InitialSchema1764390000000 } from './1764390000000-initial-schema';

/** Every migration, in order. Run by `npm run db:migrate` (and a Job in Kubernetes), never at app start. */
export const MIGRATIONS = [InitialSchema1764390000000];
