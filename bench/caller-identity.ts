/**
 * Signed GetCallerIdentity through the whole stack against a bare node:http JSON hello, same
 * load generator, same run: the ratio is what to compare across machines.
 *   npm run bench -- caller-identity [--profile]   (DSHUB_BENCH_SECONDS, DSHUB_BENCH_CONNECTIONS)
 */
import { fmt, GENERATOR, load, pinGenerator, signPool, startBare, startDshub } from './lib.js';

const seconds = Number(process.env.DSHUB_BENCH_SECONDS ?? 10);
const connections = Number(process.env.DSHUB_BENCH_CONNECTIONS ?? 32);

pinGenerator();
const bare = await startBare();
await load(bare.port, { connections, seconds: 2 }); // warm-up
const bareResult = await load(bare.port, { connections, seconds, cpu: bare.cpu });
await bare.stop();

const dshub = await startDshub({}, 'GetCallerIdentity');
const opts = {
  accessKeyId: dshub.accessKeyId,
  accessKeySecret: dshub.accessKeySecret,
  action: 'GetCallerIdentity',
  method: 'GET',
} as const;
await load(dshub.port, { connections, seconds: 2, pool: signPool(120_000, opts, dshub.port) }); // warm-up
const pool = signPool(Math.ceil(bareResult.rps * seconds * 1.1), opts, dshub.port);
const dshubResult = await load(dshub.port, {
  connections,
  seconds,
  pool,
  cpu: dshub.cpu,
  eventLoop: dshub.eventLoop,
});
await dshub.stop();

process.stdout.write(
  `${GENERATOR}, concurrency ${connections}, ${seconds} s, keep-alive, SQLite store\n`,
);
process.stdout.write(`bare node:http hello           ${fmt(bareResult)}\n`);
process.stdout.write(`signed GetCallerIdentity (GET)  ${fmt(dshubResult)}\n`);
if (dshubResult.eventLoop?.memory)
  process.stdout.write(`server memory at the end: ${dshubResult.eventLoop.memory}\n`);
process.stdout.write(`ratio ${(dshubResult.rps / bareResult.rps).toFixed(2)} (target ≥ 0.50)\n`);
