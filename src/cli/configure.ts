/**
 * `dshub configure`: asks for the endpoint, AccessKey ID and secret of a profile and keeps them
 * in the 0600 profile file. The secret is read without echo on a terminal (or as a line from a
 * pipe) and never taken as an argument, so it stays out of shell history and `ps`.
 */
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { UsageError } from './call-params.js';
import { normalizeEndpoint } from './client/endpoint.js';
import {
  checkProfileName,
  configPath,
  DEFAULT_PROFILE,
  type Profile,
  readProfiles,
  writeProfiles,
} from './profiles.js';

/** Reads lines from stdin whether it is a terminal or a pipe. */
class LineReader {
  private readonly lines: string[] = [];
  private waiting: ((line: string | undefined) => void) | undefined;
  private ended = false;
  private readonly rl = createInterface({ input: process.stdin, terminal: false });
  constructor() {
    this.rl.on('line', (l) => {
      if (this.waiting) {
        const w = this.waiting;
        this.waiting = undefined;
        w(l);
      } else this.lines.push(l);
    });
    this.rl.on('close', () => {
      this.ended = true;
      this.waiting?.(undefined);
    });
  }
  next(): Promise<string | undefined> {
    if (this.lines.length) return Promise.resolve(this.lines.shift());
    if (this.ended) return Promise.resolve(undefined);
    return new Promise((r) => (this.waiting = r));
  }
  close(): void {
    this.rl.close();
  }
}

/** Reads one line from a terminal in raw mode, echoing nothing. */
function readHidden(): Promise<string> {
  const stdin = process.stdin;
  return new Promise((resolve, reject) => {
    let value = '';
    stdin.setRawMode(true);
    stdin.resume();
    stdin.setEncoding('utf8');
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') {
          finish();
          process.stderr.write('\n');
          resolve(value);
          return;
        }
        if (ch === '\u0003') {
          finish();
          process.stderr.write('\n');
          reject(new UsageError('cancelled'));
          return;
        }
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else if (ch >= ' ') value += ch;
      }
    };
    const finish = () => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
    };
    stdin.on('data', onData);
  });
}

export function registerConfigureCommands(program: Command): void {
  const configure = program
    .command('configure')
    .description(
      `create or change a credential profile in ~/.dshub/config.json (mode 0600); the secret is prompted for, never echoed`,
    )
    .option('-p, --profile <name>', 'the profile to write', DEFAULT_PROFILE)
    .action(async (o: { profile: string }) => {
      const name = checkProfileName(o.profile);
      const file = readProfiles();
      const current: Profile = file.profiles[name] ?? {};
      const tty = Boolean(process.stdin.isTTY);
      // Prompts go to stderr so that stdout stays clean for scripts.
      const lines = tty ? undefined : new LineReader();
      const ask = async (label: string, shown: string | undefined, hidden = false) => {
        process.stderr.write(`${label}${shown ? ` [${shown}]` : ''}: `);
        let answer: string | undefined;
        if (hidden && tty) answer = await readHidden();
        else if (lines) answer = await lines.next();
        else {
          const rl = createInterface({ input: process.stdin, output: process.stderr });
          answer = await new Promise<string>((r) => rl.question('', r));
          rl.close();
        }
        if (!tty) process.stderr.write('\n');
        return answer?.trim() ?? '';
      };
      try {
        const endpoint =
          (await ask('Endpoint (e.g. http://127.0.0.1:8080)', current.endpoint)) ||
          current.endpoint;
        if (!endpoint) throw new UsageError('an endpoint is required');
        normalizeEndpoint(endpoint);
        const accessKeyId = (await ask('AccessKey ID', current.accessKeyId)) || current.accessKeyId;
        if (!accessKeyId) throw new UsageError('an AccessKey ID is required');
        const secret =
          (await ask(
            'AccessKey Secret',
            current.accessKeySecret ? 'keep current' : undefined,
            true,
          )) || current.accessKeySecret;
        if (!secret) throw new UsageError('an AccessKey secret is required');
        file.profiles[name] = { endpoint, accessKeyId, accessKeySecret: secret };
      } finally {
        lines?.close();
      }
      const path = writeProfiles(file);
      process.stderr.write(`profile "${name}" saved in ${path} (mode 0600)\n`);
    });

  configure
    .command('list')
    .description('list the profiles (endpoint and AccessKey ID; never the secret)')
    .action(() => {
      const { profiles } = readProfiles();
      const rows = Object.entries(profiles).map(([name, p]) => ({
        profile: name,
        endpoint: p.endpoint ?? '',
        accessKeyId: p.accessKeyId ?? '',
        secret: p.accessKeySecret ? 'set' : 'missing',
      }));
      process.stdout.write(`${JSON.stringify(rows, null, process.stdout.isTTY ? 2 : undefined)}\n`);
      if (rows.length === 0) process.stderr.write(`no profiles in ${configPath()}\n`);
    });
}
