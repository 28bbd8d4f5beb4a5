import { load, pinGenerator, signPool, startDshub } from './lib.js';
pinGenerator();
const dshub = await startDshub({ DSHUB_LOG_FILE: '/dev/null' }, 'GetCallerIdentity');
const opts = { accessKeyId: dshub.accessKeyId, accessKeySecret: dshub.accessKeySecret, action: 'GetCallerIdentity', method: 'GET' } as const;
const pool = signPool(260_000, opts, dshub.port);
const r = await load(dshub.port, { connections: 32, seconds: 10, pool, cpu: dshub.cpu, eventLoop: dshub.eventLoop });
console.log(r);
const out = dshub.output();
const gcs = out.split('\n').filter((l) => l.includes('Mark-Compact') || l.includes('Scavenge') || l.includes('Mark-sweep'));
const pauses = gcs.map((l) => ({ kind: /(Scavenge|Mark-Compact|Mark-sweep)/.exec(l)?.[1], ms: Number(/, ([\d.]+) \/ [\d.]+ ms/.exec(l)?.[1] ?? 'NaN'), l }));
const by = new Map<string, number[]>();
for (const p of pauses) { const a = by.get(p.kind!) ?? []; a.push(p.ms); by.set(p.kind!, a); }
for (const [k, a] of by) { a.sort((x, y) => x - y); console.log(k, a.length, 'total', a.reduce((s, x) => s + x, 0).toFixed(0), 'max', a.at(-1), 'p50', a[a.length >> 1]); }
for (const p of pauses.filter((p) => p.ms > 5)) console.log(p.l);
for (const l of out.split('\n').filter((l) => l.startsWith('STALL') || l.includes('event-loop'))) console.log(l);
await dshub.stop();
