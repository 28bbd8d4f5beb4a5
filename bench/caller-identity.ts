/**
 * Signed GetCallerIdentity through the whole stack against a bare node:http JSON hello, same
 * load generator, same run: the ratio is what to compare across machines.
 *   npm run bench -- caller-identity [--profile]   (DSHUB_BENCH_SECONDS, DSHUB_BENCH_CONNECTIONS)
 */
import { request } from 'node:http';
import type { SignedHttpRequest } from '../test/helpers/signer.js';
import {
  fmt,
  GENERATOR,
  load,
  measureBare,
  memoryAfterIdle,
  pinGenerator,
  SETTLE_MS,
  signPool,
  startDshub,
  startFloor,
} from './lib.js';

const seconds = Number(process.env.DSHUB_BENCH_SECONDS ?? 10);
const connections = Number(process.env.DSHUB_BENCH_CONNECTIONS ?? 32);

pinGenerator();
const bareResult = await measureBare(connections, seconds);

const dshub = await startDshub({}, 'GetCallerIdentity');
const opts = {
  accessKeyId: dshub.accessKeyId,
  accessKeySecret: dshub.accessKeySecret,
  action: 'GetCallerIdentity',
  method: 'GET',
} as const;
// More than the bare server's rate: on this shared machine a later run can be faster than bare's,
// and a pool that runs dry replays nonces (refused, then counted as errors). `load` writes it out
// before the warm-up, so that the timed run follows the warm-up at once (an idle spell in between
// would let the server's idle collection meet the run's start).
// At least 30,000 a second: a bare run in a slow spell must not leave the floor's run short.
const pool = signPool(
  Math.ceil(Math.max(bareResult.rps, 30_000) * seconds * 1.5),
  opts,
  dshub.port,
);
const answer = await send(dshub.port, signPool(1, opts, dshub.port)[0]!);
const dshubResult = await load(dshub.port, {
  connections,
  seconds,
  pool,
  cpu: dshub.cpu,
  eventLoop: dshub.eventLoop,
  warmUp: { connections, seconds: 2, pool: signPool(120_000, opts, dshub.port) },
});
const settled = await memoryAfterIdle(dshub);
await dshub.stop();

// The same requests (the floor keeps its own nonces) against the floor of a signed call.
const floor = await startFloor(opts.accessKeySecret, answer, undefined, 'floor-GetCallerIdentity');
// Its warm-up has a pool of its own, so the timed run has all of dshub's: the floor can run
// faster than bare, and a part of the pool could run dry (replayed nonces, refused).
const floorResult = await load(floor.port, {
  connections,
  seconds,
  pool,
  cpu: floor.cpu,
  warmUp: { connections, seconds: 2, pool: signPool(120_000, opts, dshub.port) },
});
await floor.stop();
if (floorResult.non2xx > 0)
  throw new Error(
    `the floor server refused signed requests: ${fmt(floorResult)}; bare ${fmt(bareResult)}`,
  );

process.stdout.write(
  `${GENERATOR}, concurrency ${connections}, ${seconds} s, keep-alive, SQLite store\n`,
);
process.stdout.write(`bare node:http hello           ${fmt(bareResult)}\n`);
process.stdout.write(`signature check only (floor)    ${fmt(floorResult)}\n`);
process.stdout.write(`signed GetCallerIdentity (GET)  ${fmt(dshubResult)}\n`);
if (dshubResult.eventLoop?.memory)
  process.stdout.write(`server memory at the end: ${dshubResult.eventLoop.memory}\n`);
if (settled) process.stdout.write(`${SETTLE_MS / 1000} s later, idle: ${settled}\n`);
process.stdout.write(
  `ratio ${(dshubResult.rps / bareResult.rps).toFixed(2)} (target ≥ 0.50); floor ${(floorResult.rps / bareResult.rps).toFixed(2)}; dshub / floor ${(dshubResult.rps / floorResult.rps).toFixed(2)}\n`,
);

/** One signed request's answer text. */
async function send(port: number, r: SignedHttpRequest): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, method: r.method, path: r.url, headers: r.headers },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          text += c;
        });
        res.on('end', () => resolve(text));
      },
    );
    req.on('error', reject);
    req.end(r.payload);
  });
}
