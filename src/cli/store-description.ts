import type { Config } from '../config.js';
import { describePostgresUrl } from '../store/wait.js';

/** Which store a command opened, in words (never a password). */
export function describeStore(config: Config): string {
  return config.database.kind === 'sqlite'
    ? `sqlite ${config.database.file}`
    : `postgres ${describePostgresUrl(config.database.url)}`;
}
