/**
 * The Kafka probe against what runs here (no Kafka broker does): a fake listener on 127.0.0.1
 * that reads the client's first request and hangs up. It shows the client speaks Kafka's wire
 * protocol first (an ApiVersions request under dshub's client id) for a data source written to
 * the published schema with SASL, and that the test ends within its budget, never echoing the
 * password. Closed ports, silent and hanging-up servers: connectivity.test.ts.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ConnectivityTester } from '../../src/connectivity/index.js';

interface Seen {
  apiKey: number;
  apiVersion: number;
  clientId: string;
}

/** Reads one request frame (size, api key, version, correlation id, client id) and hangs up. */
async function fakeBroker(): Promise<{ port: number; seen: Seen[]; close(): Promise<void> }> {
  const seen: Seen[] = [];
  const server = net.createServer((socket) => {
    let buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      if (buffer.length < 4 || buffer.length < 4 + buffer.readInt32BE(0)) return;
      const length = buffer.readInt16BE(12);
      seen.push({
        apiKey: buffer.readInt16BE(4),
        apiVersion: buffer.readInt16BE(6),
        clientId: buffer.subarray(14, 14 + length).toString('utf8'),
      });
      socket.destroy();
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    seen,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

describe('Kafka probe on the wire (fake broker on 127.0.0.1)', () => {
  let broker: Awaited<ReturnType<typeof fakeBroker>>;
  before(async () => {
    broker = await fakeBroker();
  });
  after(async () => {
    await broker.close();
  });

  it('a SASL data source in the published schema gets past validation and speaks Kafka first', async () => {
    const password = 'k4fka-S3cret!';
    const tester = new ConnectivityTester({ stepTimeoutMs: 2000 });
    const started = Date.now();
    const r = await tester.test({
      type: 'kafka',
      mode: 'UrlMode',
      probe: 'kafka',
      properties: {
        bootstrapServers: `127.0.0.1:${broker.port}`,
        securityProtocol: 'SASL_PLAINTEXT',
        sasl: { mechanism: 'SCRAM-SHA-256', username: 'alice', password },
      },
    });
    const elapsed = Date.now() - started;
    const steps = r.DetailLogs.map((l) => l.Code);
    assert.deepEqual(steps.slice(0, 4), [
      'validate_input_parameters',
      'resolve_host',
      'check_network_policy',
      'tcp_connect',
    ]);
    assert.equal(steps.at(-1), 'authenticate', JSON.stringify(r));
    assert.equal(r.ConnectState, 'Unreachable', r.ConnectMessage);
    assert.ok(elapsed < 2000, `took ${elapsed} ms`);
    assert.ok(!JSON.stringify(r).includes(password), 'the password never appears');
    // The first thing the client sent: ApiVersions (api key 18) as dshub-connectivity.
    assert.equal(broker.seen.length >= 1, true);
    assert.equal(broker.seen[0]!.apiKey, 18);
    assert.equal(broker.seen[0]!.clientId, 'dshub-connectivity');
  });
});
