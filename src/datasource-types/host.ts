/** Host name checks shared by the validator (format "host") and QualifiedName. */
import { isIP } from 'node:net';

const HOST_LABEL = /^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$/;

/** Hostname (underscores allowed: internal DNS and container names use them) or IP address. */
export function isValidHost(value: string): boolean {
  if (isIP(value) !== 0) return true;
  if (value.startsWith('[') && value.endsWith(']')) return isIP(value.slice(1, -1)) === 6;
  if (value.length === 0 || value.length > 253) return false;
  const name = value.endsWith('.') ? value.slice(0, -1) : value;
  return name.split('.').every((label) => HOST_LABEL.test(label));
}

/** Lower-case (DNS is case-insensitive) and IPv6 in brackets, so it can sit between colons. */
export function canonicalHost(value: string): string {
  const bare = value.startsWith('[') && value.endsWith(']') ? value.slice(1, -1) : value;
  const lower = bare.toLowerCase();
  return isIP(lower) === 6 ? `[${lower}]` : lower;
}
