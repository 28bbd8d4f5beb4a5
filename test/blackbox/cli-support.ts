/**
 * Runs `dshub` as a user does: a spawned process with its own HOME (so profiles never touch
 * the real one), a controlled environment, optional stdin, and its exit code and output.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, type RunningServer } from './support.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Variables that would leak the developer's own credentials or profile into a test. */
const CLEARED = [
  'ALIBABA_CLOUD_ACCESS_KEY_ID',
  'ALIBABA_CLOUD_ACCESS_KEY_SECRET',
  'DSHUB_ENDPOINT',
  'DSHUB_PROFILE',
  'DSHUB_PORT',
];

export function tempHome(): { home: string; remove(): void } {
  const home = mkdtempSync(join(tmpdir(), 'dshub-home-'));
  return { home, remove: () => rmSync(home, { recursive: true, force: true }) };
}

export function dshub(
  args: string[],
  opts: { home: string; env?: Record<string, string>; input?: string; terminal?: boolean },
): Promise<CliResult> {
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    HOME: opts.home,
  };
  for (const k of CLEARED) delete env[k];
  Object.assign(env, opts.env);
  return new Promise((resolve, reject) => {
    // `terminal`: run under script(1), whose pseudo-terminal makes stdout and stderr TTYs (both
    // then arrive merged on stdout), as when a person runs the command.
    const argv = [process.execPath, CLI, ...args];
    const child = opts.terminal
      ? spawn('script', ['-qec', argv.map(shellQuote).join(' '), '/dev/null'], {
          env,
          stdio: ['pipe', 'pipe', 'pipe'],
        })
      : spawn(argv[0] as string, argv.slice(1), { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(opts.input ?? '');
  });
}

const shellQuote = (a: string): string => `'${a.replace(/'/g, `'\\''`)}'`;

/** The environment that points the CLI at a server with its root key. */
export function serverEnv(server: RunningServer): Record<string, string> {
  return {
    DSHUB_ENDPOINT: server.endpoint,
    ALIBABA_CLOUD_ACCESS_KEY_ID: server.accessKeyId,
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: server.accessKeySecret,
  };
}
