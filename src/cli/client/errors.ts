/**
 * The client's failures, kept apart from the client so that code which only reports them
 * (or checks an endpoint) loads nothing else. report-error.ts tells them apart by name.
 */

/** The API answered an error envelope: exit 1 with Code, Message and RequestId. */
export class ApiCallError extends Error {
  override readonly name = 'ApiCallError';
  constructor(
    readonly code: string,
    message: string,
    readonly requestId: string | undefined,
    readonly status: number,
  ) {
    super(message);
  }
}

/** Network failure, timeout, or an answer that is not the API's JSON. */
export class TransportError extends Error {
  override readonly name = 'TransportError';
}
