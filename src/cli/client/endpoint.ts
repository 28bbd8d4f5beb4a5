import { TransportError } from './errors.js';

/** `http://host:port`, `https://host`, or `host:port` (http) as a URL; anything else refused. */
export function normalizeEndpoint(endpoint: string): URL {
  const withScheme = /^[a-z]+:\/\//i.test(endpoint) ? endpoint : `http://${endpoint}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new TransportError(`the endpoint "${endpoint}" is not a valid URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TransportError(`the endpoint "${endpoint}" must use http or https`);
  }
  return url;
}
