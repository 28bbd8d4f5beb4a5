#!/usr/bin/env node
/**
 * The `dshub` binary. Start-up time is mostly module loading, so this file loads nothing itself:
 * it turns on Node's compile cache where Node has one, then loads the command tree, whose
 * commands each load their own code when they run (program.ts).
 */
import { enableCompileCache } from './compile-cache.js';

enableCompileCache();
await import('./program.js');
