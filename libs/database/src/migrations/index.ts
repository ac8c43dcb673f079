import { InitialSchema1764200000000 } from './1764200000000-initial-schema';

/** Every migration, in order. Add new ones here (explicit list: works from ts and the build alike). */
export const MIGRATIONS = [InitialSchema1764200000000];
