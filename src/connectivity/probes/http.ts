/**
 * HTTP services (Elasticsearch, ClickHouse over HTTP, REST endpoints): one GET of the configured
 * path with the stored credentials as Basic auth. The request goes to the checked IP over a
 * scope-owned socket, with the configured host name in the Host header and as TLS server name.
 */
import http from 'node:http';
import net from 'node:net';
import { candidateLabel } from '../scope.js';
import { describeError, errorCode, isNetworkError, StepFailure } from '../steps.js';
import type { Probe, ProbeContext } from './probe.js';

/** Enough to see the server answer; a connectivity test has no use for a large body. */
const BODY_LIMIT = 64 * 1024;

function hostHeader(ctx: ProbeContext): string {
  const { host, port } = ctx.candidate;
  const defaultPort = ctx.target.tls ? 443 : 80;
  const name = net.isIP(host) === 6 ? `[${host}]` : host;
  return port === defaultPort ? name : `${name}:${port}`;
}

function requestFailure(ctx: ProbeContext, err: unknown): StepFailure {
  const code = errorCode(err);
  if (code?.startsWith('HPE_')) {
    return new StepFailure(
      'ConfigError',
      `${candidateLabel(ctx.candidate)} did not answer in HTTP: ${describeError(err)}; check the endpoint's scheme and port`,
    );
  }
  if (isNetworkError(err) || ctx.scope.peerClosed) {
    return new StepFailure(
      'Unreachable',
      `the HTTP request to ${candidateLabel(ctx.candidate)} failed: ${describeError(err)}`,
    );
  }
  return new StepFailure('ConfigError', `the HTTP request failed: ${describeError(err)}`);
}

function readBody(res: http.IncomingMessage, signal: AbortSignal): Promise<number> {
  return new Promise((resolve, reject) => {
    let bytes = 0;
    const onAbort = () => res.destroy();
    signal.addEventListener('abort', onAbort, { once: true });
    const finish = (err?: Error) => {
      signal.removeEventListener('abort', onAbort);
      if (err) reject(err);
      else resolve(bytes);
    };
    res.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes >= BODY_LIMIT) {
        res.destroy();
        finish();
      }
    });
    res.once('end', () => finish());
    res.on('error', (err) => finish(err));
  });
}

export const httpProbe: Probe = async (ctx) => {
  const { target, candidate, scope, runner } = ctx;
  const method = `GET ${target.httpPath.split('?')[0]}`;
  const withCredentials = target.username !== undefined || target.password !== undefined;
  const headers: Record<string, string> = {
    host: hostHeader(ctx),
    'user-agent': 'dshub-connectivity',
    accept: '*/*',
  };
  if (withCredentials) {
    const pair = `${target.username ?? ''}:${target.password ?? ''}`;
    headers.authorization = `Basic ${Buffer.from(pair).toString('base64')}`;
  }

  const res = await runner.run('authenticate', 'ConfigError', async (signal) => {
    let response: http.IncomingMessage;
    try {
      response = await new Promise<http.IncomingMessage>((resolve, reject) => {
        const req = http.request(
          {
            method: 'GET',
            path: target.httpPath,
            headers,
            createConnection: () => scope.dial(candidate, target.tls),
            signal,
          },
          resolve,
        );
        scope.defer(() => {
          req.destroy();
        });
        // Kept for the request's whole life: the socket's errors keep arriving here after the
        // response (and when the scope destroys it), and an unheard 'error' would crash.
        req.on('error', reject);
        req.end();
      });
    } catch (err) {
      throw requestFailure(ctx, err);
    }
    scope.defer(() => {
      response.destroy();
    });
    const status = response.statusCode ?? 0;
    if (status === 401 || status === 403) {
      response.resume();
      throw new StepFailure(
        'ConfigError',
        `${method} answered HTTP ${status} ${response.statusMessage ?? ''}`.trimEnd() +
          (withCredentials
            ? ': the server rejected the configured username and password'
            : ': the server requires credentials and none are configured'),
      );
    }
    return {
      value: response,
      message: withCredentials
        ? `the server accepted the configured credentials (HTTP ${status})`
        : `no credentials configured; the server did not ask for any (HTTP ${status})`,
    };
  });

  await runner.run('run_test_query', 'ConfigError', async (signal) => {
    const status = res.statusCode ?? 0;
    const line = `${method} answered HTTP ${status} ${res.statusMessage ?? ''}`.trimEnd();
    let bytes: number;
    try {
      bytes = await readBody(res, signal);
    } catch (err) {
      throw requestFailure(ctx, err);
    }
    if (status >= 500) {
      throw new StepFailure('Unreachable', `${line}: the service behind the endpoint is failing`);
    }
    if (status === 404) {
      throw new StepFailure('ConfigError', `${line}: check the endpoint's path`);
    }
    if (status >= 400 || status < 200) {
      throw new StepFailure('ConfigError', `${line}: check the endpoint`);
    }
    return { value: undefined, message: `${line} (${bytes} bytes read)` };
  });
};
