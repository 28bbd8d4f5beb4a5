/**
 * Node's module compile cache (`module.enableCompileCache`, Node ≥ 22.8): V8 keeps the compiled
 * code of every loaded module on disk, so the next start skips most parsing and compiling.
 * Feature-detected: on Node 20 it does not exist and nothing happens.
 *
 * The cache lives under the user's own cache directory (XDG_CACHE_HOME, else ~/.cache), not in
 * the shared temporary directory, so no other user can plant compiled code in it. NODE_COMPILE_CACHE
 * (Node's own variable) chooses another directory; NODE_DISABLE_COMPILE_CACHE=1 turns it off.
 * A directory that cannot be written (a read-only home in a container) only costs the gain.
 */
import nodeModule from 'node:module';
import { homedir } from 'node:os';
import { join } from 'node:path';

type EnableCompileCache = (dir?: string) => unknown;

export function compileCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.NODE_COMPILE_CACHE) return env.NODE_COMPILE_CACHE;
  const base = env.XDG_CACHE_HOME || join(env.HOME || homedir(), '.cache');
  return join(base, 'dshub', 'node-compile-cache');
}

export function enableCompileCache(env: NodeJS.ProcessEnv = process.env): void {
  const enable = (nodeModule as unknown as { enableCompileCache?: EnableCompileCache })
    .enableCompileCache;
  if (typeof enable !== 'function' || env.NODE_DISABLE_COMPILE_CACHE) return;
  try {
    enable(compileCacheDir(env));
  } catch {
    // A cache is an optimisation; starting without one is always correct.
  }
}
