/**
 * Serves the web console (built by Vite into dist/console) under /console/. Every file is read
 * once at start-up, so a request never touches the file system and no path from a URL is ever
 * joined to a directory. Each file is gzip-compressed once, on the first request that accepts
 * gzip, in zlib's thread pool: compressing them all at start-up cost more than the rest of
 * building the app, and an instance started for a test suite (serve --ephemeral) rarely serves
 * the console at all. Hashed assets are cached for a year; index.html is
 * revalidated so a new build is picked up. Unknown paths under /console/ answer index.html: the
 * console routes on the client, and a shared link must open the page it names.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { dirname, extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export const CONSOLE_PREFIX = '/console/';

/**
 * Nothing from other origins, no eval, no inline script. Inline styles stay allowed: the
 * component library writes its theme variables into a <style> element at run time.
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const TYPES: Record<string, string> = {
  '.html': 'text/html;charset=utf-8',
  '.js': 'text/javascript;charset=utf-8',
  '.css': 'text/css;charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json;charset=utf-8',
  '.txt': 'text/plain;charset=utf-8',
  '.woff2': 'font/woff2',
};
const COMPRESSIBLE = new Set(['.html', '.js', '.css', '.svg', '.json', '.txt']);

const gzipAsync = promisify(gzipCallback);

interface StaticFile {
  body: Buffer;
  /** Whether the file is worth compressing (a text type over 1 KiB). */
  compressible: boolean;
  /** The compressed body, made on the first request that accepts gzip. */
  gzip?: Promise<Buffer>;
  type: string;
  cache: string;
}

/** The built console next to the compiled server (dist/server → dist/console), or from src/. */
export function findConsoleDir(): string | undefined {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, '..', 'console'), join(here, '..', '..', 'dist', 'console')];
  return candidates.find((dir) => existsSync(join(dir, 'index.html')));
}

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, out);
    else out.push(path);
  }
  return out;
}

export function loadConsoleFiles(dir: string): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  for (const path of walk(dir)) {
    const rel = relative(dir, path).split(sep).join('/');
    const ext = extname(path);
    const body = readFileSync(path);
    files.set(rel, {
      body,
      compressible: COMPRESSIBLE.has(ext) && body.length > 1024,
      type: TYPES[ext] ?? 'application/octet-stream',
      // Vite names every asset by its content hash: it never changes under the same name.
      cache: rel.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
    });
  }
  return files;
}

async function send(
  req: FastifyRequest,
  reply: FastifyReply,
  file: StaticFile,
): Promise<FastifyReply> {
  const gzip = file.compressible && /\bgzip\b/.test(req.headers['accept-encoding'] ?? '');
  reply
    .header('content-type', file.type)
    .header('cache-control', file.cache)
    .header('content-security-policy', CONSOLE_CSP)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('x-frame-options', 'DENY')
    .header('cross-origin-opener-policy', 'same-origin')
    .header('vary', 'accept-encoding');
  if (!gzip) return reply.send(file.body);
  file.gzip ??= gzipAsync(file.body);
  return reply.header('content-encoding', 'gzip').send(await file.gzip);
}

/**
 * A browser opening "/" with no API parameters: the API would only answer an error. The lean API
 * route (api-route.ts) leaves these requests to Fastify, whose hook below redirects them.
 */
export function wantsConsole(req: Pick<IncomingMessage, 'method' | 'url' | 'headers'>): boolean {
  return (
    req.method === 'GET' &&
    req.url === '/' &&
    req.headers.authorization === undefined &&
    req.headers['x-acs-action'] === undefined &&
    /\btext\/html\b/.test(req.headers.accept ?? '')
  );
}

export function registerConsole(app: FastifyInstance, dir = findConsoleDir()): void {
  if (dir === undefined) return;
  const files = loadConsoleFiles(dir);
  const index = files.get('index.html');
  if (index === undefined) return;

  // Callback style: no promise per request on the API's hot path.
  app.addHook('onRequest', (req, reply, done) => {
    if (wantsConsole(req)) reply.redirect(CONSOLE_PREFIX, 302);
    else done();
  });
  app.get('/console', (_req, reply) => reply.redirect(CONSOLE_PREFIX, 301));
  app.get('/console/*', async (req, reply) => {
    const path = req.url.slice(CONSOLE_PREFIX.length).split('?')[0]!;
    const file = files.get(path);
    if (file !== undefined) return send(req, reply, file);
    // A missing hashed asset is a stale page asking for an old build: 404, not the HTML shell.
    if (path.startsWith('assets/')) return reply.code(404).type('text/plain').send('Not found');
    return send(req, reply, index);
  });
}
