import type { RequestLine } from '../../src/observability/request-line.js';

/** A signed call's request line, as src/wire/handle.ts writes it. */
export const SAMPLE_REQUEST_LINE: RequestLine = {
  requestId: 'E3C1A3B0-1111-2222-3333-444455556666',
  action: 'GetCallerIdentity',
  caller: '1234567890123456',
  accessKeyId: 'LTAI5tBenchmarkKey0001',
  code: 'Success',
  status: 200,
  ms: 0.123,
  ip: '127.0.0.1',
};
