/**
 * Reads a V8 `.cpuprofile` (written by `node --cpu-prof`) and says where the time went: the
 * functions with the most self time, the share of the garbage collector, and the share per
 * package (dshub's own code, each dependency, Node's internals). Shares are of the busy time
 * (idle excluded), so they do not depend on how loaded the machine was.
 *   npx tsx bench/profile.ts FILE.cpuprofile [TOP]
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface ProfileSummary {
  /** Microseconds of samples that were not idle. */
  busyUs: number;
  idleUs: number;
  gcShare: number;
  top: { name: string; where: string; selfUs: number; share: number }[];
  packages: { name: string; selfUs: number; share: number }[];
}

/** dshub's modules by folder, dependencies by package name, Node by its own label. */
function packageOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return 'node (internals)';
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + '/node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  const dist = /\/(?:dist|src)\/([^/]+)\//.exec(url);
  if (dist) return `dshub ${dist[1]}`;
  return 'other';
}

function shortWhere(url: string, line: number): string {
  if (!url) return '';
  const nm = url.lastIndexOf('/node_modules/');
  const short =
    nm >= 0 ? url.slice(nm + '/node_modules/'.length) : url.replace(/^.*\/(dist|src)\//, '$1/');
  return `${short.replace(/^file:\/\//, '')}:${line + 1}`;
}

export function summarizeProfile(profile: CpuProfile, topN = 25): ProfileSummary {
  const byId = new Map<number, ProfileNode>();
  for (const n of profile.nodes) byId.set(n.id, n);
  const selfByNode = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]!;
    selfByNode.set(id, (selfByNode.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  let idleUs = 0;
  let gcUs = 0;
  let busyUs = 0;
  const byFunction = new Map<string, { name: string; where: string; selfUs: number }>();
  const byPackage = new Map<string, number>();
  for (const [id, us] of selfByNode) {
    const f = byId.get(id)!.callFrame;
    if (f.functionName === '(idle)') {
      idleUs += us;
      continue;
    }
    busyUs += us;
    if (f.functionName === '(garbage collector)') gcUs += us;
    const where = shortWhere(f.url, f.lineNumber);
    const key = `${f.functionName}@${where}`;
    const entry = byFunction.get(key) ?? {
      name: f.functionName || '(anonymous)',
      where,
      selfUs: 0,
    };
    entry.selfUs += us;
    byFunction.set(key, entry);
    const pkg = packageOf(f.url, f.functionName);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + us);
  }
  const share = (us: number) => (busyUs > 0 ? us / busyUs : 0);
  return {
    busyUs,
    idleUs,
    gcShare: share(gcUs),
    top: [...byFunction.values()]
      .sort((a, b) => b.selfUs - a.selfUs)
      .slice(0, topN)
      .map((f) => ({ ...f, share: share(f.selfUs) })),
    packages: [...byPackage.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([name, selfUs]) => ({ name, selfUs, share: share(selfUs) })),
  };
}

export function readProfile(file: string): CpuProfile {
  return JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
}

const pct = (x: number) => `${(x * 100).toFixed(1).padStart(5)} %`;

/** The summary as text; `requests` (when known) turns busy time into CPU per request. */
export function formatSummary(s: ProfileSummary, requests?: number): string {
  const lines: string[] = [];
  const perRequest = requests ? `, ${Math.round(s.busyUs / requests)} µs per request` : '';
  lines.push(
    `busy ${(s.busyUs / 1e6).toFixed(2)} s, idle ${(s.idleUs / 1e6).toFixed(2)} s${perRequest}; garbage collector ${pct(s.gcShare).trim()} of busy time`,
  );
  lines.push('self time by package:');
  for (const p of s.packages.slice(0, 12)) lines.push(`  ${pct(p.share)}  ${p.name}`);
  lines.push('top functions by self time:');
  for (const f of s.top) lines.push(`  ${pct(f.share)}  ${f.name}  ${f.where}`);
  return lines.join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write('usage: tsx bench/profile.ts FILE.cpuprofile [TOP]\n');
    process.exit(2);
  }
  const top = Number(process.argv[3] ?? 25);
  process.stdout.write(`${formatSummary(summarizeProfile(readProfile(file), top))}\n`);
}
