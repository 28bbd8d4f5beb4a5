/**
 * How a failed command ends, with the exit codes documented in the README: 1 the API answered an
 * error (Code, Message, RequestId and HTTP status on stderr) or something unexpected failed,
 * 2 a usage or configuration mistake found locally, 3 the server could not be reached.
 *
 * Errors are told apart by their `name` (each class sets its own), not by `instanceof`: this
 * file must not import the modules that define them, or every command would load them.
 */

const USAGE = new Set(['UsageError', 'ConfigError', 'AdminError']);

interface ApiCallErrorShape {
  code: string;
  message: string;
  requestId?: string;
  status: number;
}

export function reportError(e: unknown): never {
  const name = e instanceof Error ? e.name : '';
  const message = e instanceof Error ? e.message : String(e);
  if (name === 'ApiCallError') {
    const a = e as ApiCallErrorShape;
    process.stderr.write(
      `Code: ${a.code}\nMessage: ${a.message}\nRequestId: ${a.requestId ?? '-'}\nHTTP status: ${a.status}\n`,
    );
    process.exit(1);
  }
  process.stderr.write(`dshub: ${message}\n`);
  if (USAGE.has(name)) process.exit(2);
  if (name === 'TransportError') process.exit(3);
  process.exit(1);
}
