/**
 * Throw-away servers for the connectivity tests, all on 127.0.0.1: a closed port, a listener
 * that never answers, one that hangs up at once, a DNS responder, and a temporary PostgreSQL
 * cluster with password authentication and TLS.
 */
import { execFile } from 'node:child_process';
import dgram from 'node:dgram';
import { chmod, chown, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import ipaddr from 'ipaddr.js';

const run = promisify(execFile);

/** A port nothing listens on: bound, then closed again. */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface TestListener {
  port: number;
  /** Connections ever accepted. */
  accepted: number;
  /** Connections open now, as the server counts them. */
  open(): Promise<number>;
  close(): Promise<void>;
}

/** `hang`: accepts and never answers. `slam`: accepts and closes at once. */
export async function listener(behaviour: 'hang' | 'slam'): Promise<TestListener> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    state.accepted++;
    socket.on('error', () => {});
    if (behaviour === 'slam') {
      socket.destroy();
      return;
    }
    sockets.add(socket);
    // The client going away is the only thing this server reacts to; reading (and dropping)
    // what it sends is what lets 'end' arrive.
    socket.resume();
    socket.on('end', () => socket.destroy());
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const state: TestListener = {
    port: (server.address() as net.AddressInfo).port,
    accepted: 0,
    open: () =>
      new Promise((resolve, reject) =>
        server.getConnections((err, count) => (err ? reject(err) : resolve(count))),
      ),
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return state;
}

export interface DnsResponder {
  /** `127.0.0.1:port`, for ConnectivityOptions.dnsServers. */
  server: string;
  /** Names asked for, in order. */
  queries: string[];
  close(): Promise<void>;
}

/**
 * A DNS server answering A queries (AAAA for a record written as an IPv6 address) for `records`
 * and NXDOMAIN for every other name (the other family of a known name: no data). The packets are written by hand; the format is small (RFC 1035 §4).
 */
export async function dnsResponder(records: Record<string, string>): Promise<DnsResponder> {
  const socket = dgram.createSocket('udp4');
  const queries: string[] = [];
  socket.on('message', (query, peer) => {
    if (query.length < 12) return;
    // Question: labels, then QTYPE and QCLASS.
    let offset = 12;
    const labels: string[] = [];
    while (offset < query.length) {
      const len = query[offset] ?? 0;
      offset++;
      if (len === 0) break;
      labels.push(query.subarray(offset, offset + len).toString('ascii'));
      offset += len;
    }
    const qtype = query.readUInt16BE(offset);
    const questionEnd = offset + 4;
    const name = labels.join('.').toLowerCase();
    queries.push(name);
    const address = records[name];
    const answers: Buffer[] = [];
    if (address?.includes(':') && qtype === 28) {
      const rr = Buffer.alloc(28);
      rr.writeUInt16BE(0xc00c, 0);
      rr.writeUInt16BE(28, 2); // AAAA
      rr.writeUInt16BE(1, 4);
      rr.writeUInt32BE(60, 6);
      rr.writeUInt16BE(16, 10);
      Buffer.from(ipaddr.parse(address).toByteArray()).copy(rr, 12);
      answers.push(rr);
    }
    if (address !== undefined && !address.includes(':') && qtype === 1) {
      const rr = Buffer.alloc(16);
      rr.writeUInt16BE(0xc00c, 0); // pointer to the name in the question
      rr.writeUInt16BE(1, 2); // A
      rr.writeUInt16BE(1, 4); // IN
      rr.writeUInt32BE(60, 6); // TTL
      rr.writeUInt16BE(4, 10);
      const octets = address.split('.').map(Number);
      for (const [i, octet] of octets.entries()) rr.writeUInt8(octet, 12 + i);
      answers.push(rr);
    }
    const header = Buffer.alloc(12);
    query.copy(header, 0, 0, 2); // id
    const rd = (query.readUInt16BE(2) & 0x0100) !== 0 ? 0x0100 : 0;
    const rcode = address === undefined ? 3 : 0; // NXDOMAIN : NOERROR
    header.writeUInt16BE(0x8000 | rd | 0x0080 | rcode, 2);
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(answers.length, 6);
    const reply = Buffer.concat([header, query.subarray(12, questionEnd), ...answers]);
    socket.send(reply, peer.port, peer.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return {
    server: `127.0.0.1:${socket.address().port}`,
    queries,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

/** True when something accepts TCP connections on 127.0.0.1:port within a second. */
export function reachable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export interface SelfSignedCert {
  key: string;
  cert: string;
}

/** A self-signed certificate for `localhost`, or undefined when openssl is not installed. */
export async function selfSignedCert(): Promise<SelfSignedCert | undefined> {
  const dir = await mkdtemp(join(tmpdir(), 'dshub-connectivity-cert-'));
  try {
    await run('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
      '-subj',
      '/CN=localhost',
      '-days',
      '2',
    ]);
    return {
      key: await readFile(join(dir, 'key.pem'), 'utf8'),
      cert: await readFile(join(dir, 'cert.pem'), 'utf8'),
    };
  } catch {
    return undefined;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export interface TempPostgres {
  port: number;
  user: string;
  password: string;
  close(): Promise<void>;
}

async function postgresBinDir(): Promise<string | undefined> {
  try {
    const { stdout } = await run('pg_config', ['--bindir']);
    const dir = stdout.trim();
    await run(join(dir, 'initdb'), ['--version']);
    return dir;
  } catch {
    // pg_config may belong to a client-only package; look where Debian puts servers.
  }
  try {
    const { stdout } = await run('sh', [
      '-c',
      'ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1',
    ]);
    const dir = stdout.trim();
    if (dir === '') return undefined;
    await run(join(dir, 'initdb'), ['--version']);
    return dir;
  } catch {
    return undefined;
  }
}

/**
 * A PostgreSQL cluster of its own (scram-sha-256 for every connection, TLS with a self-signed
 * certificate), on a free port, with its socket directory inside its temporary directory. As
 * root, the server runs as the `postgres` OS user (initdb refuses root). Undefined when the
 * server binaries are missing.
 */
export async function tempPostgres(
  cert: SelfSignedCert | undefined,
): Promise<TempPostgres | undefined> {
  const bin = await postgresBinDir();
  if (!bin) return undefined;
  const asRoot = process.getuid?.() === 0;
  let uid: number | undefined;
  let gid: number | undefined;
  if (asRoot) {
    try {
      uid = Number((await run('id', ['-u', 'postgres'])).stdout.trim());
      gid = Number((await run('id', ['-g', 'postgres'])).stdout.trim());
    } catch {
      return undefined;
    }
  }
  const exec = (cmd: string, args: string[]) =>
    asRoot
      ? run('runuser', ['-u', 'postgres', '--', join(bin, cmd), ...args])
      : run(join(bin, cmd), args);
  const own = async (path: string) => {
    if (uid !== undefined && gid !== undefined) await chown(path, uid, gid);
  };

  const dir = await mkdtemp(join(tmpdir(), 'dshub-connectivity-pg-'));
  const data = join(dir, 'data');
  const password = `pw-${Math.random().toString(36).slice(2)}`;
  const port = await closedPort();
  let started = false;
  const close = async () => {
    if (started)
      await exec('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => {});
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await own(dir);
    await writeFile(join(dir, 'pwfile'), `${password}\n`, { mode: 0o600 });
    await own(join(dir, 'pwfile'));
    await exec('initdb', [
      '-D',
      data,
      '-U',
      'postgres',
      '--auth=scram-sha-256',
      `--pwfile=${join(dir, 'pwfile')}`,
      '--no-sync',
      '-E',
      'UTF8',
    ]);
    const options = [`-p ${port}`, `-k ${dir}`, '-c listen_addresses=127.0.0.1', '-c fsync=off'];
    if (cert) {
      for (const [name, body] of [
        ['server.key', cert.key],
        ['server.crt', cert.cert],
      ] as const) {
        await writeFile(join(data, name), body, { mode: 0o600 });
        await own(join(data, name));
        await chmod(join(data, name), 0o600);
      }
      options.push('-c ssl=on');
    }
    await exec('pg_ctl', [
      '-D',
      data,
      '-o',
      options.join(' '),
      '-l',
      join(dir, 'log'),
      '-w',
      'start',
    ]);
    started = true;
    return { port, user: 'postgres', password, close };
  } catch (err) {
    await close();
    throw err;
  }
}
