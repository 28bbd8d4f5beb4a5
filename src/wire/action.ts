/**
 * Which action and version a request asks for, taken only from the part of the request its
 * signature covers: under ACS3-HMAC-SHA256 the signed x-acs-action / x-acs-version headers,
 * under RPC HMAC-SHA1 the signed Action / Version parameters. The other spelling is unsigned
 * (RPC does not sign headers), so it may only repeat the signed value; a request whose two
 * spellings disagree is refused, never resolved in favour of either.
 */
import { errors } from '../errors.js';
import { ACS3_PREFIX } from './signature/acs3.js';

export interface ActionAndVersion {
  action: string | undefined;
  version: string | undefined;
}

type Headers = Readonly<Record<string, string | string[] | undefined>>;

/** Each parameter and the header that may spell it too. */
const SPELLINGS = [
  ['Action', 'x-acs-action'],
  ['Version', 'x-acs-version'],
] as const;

function header(headers: Headers, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v.join(', ') : v;
}

function quote(value: string): string {
  return JSON.stringify(value.length > 64 ? `${value.slice(0, 64)}…` : value);
}

export function isAcs3(headers: Headers): boolean {
  const a = headers.authorization;
  return typeof a === 'string' && a.startsWith(ACS3_PREFIX);
}

/** The signed spelling of action and version; no check (used to label a request early). */
export function signedActionAndVersion(
  headers: Headers,
  param: (name: string) => string | undefined,
): ActionAndVersion {
  return isAcs3(headers)
    ? { action: header(headers, 'x-acs-action'), version: header(headers, 'x-acs-version') }
    : { action: param('Action'), version: param('Version') };
}

/**
 * The signed spelling of action and version, after checking that the unsigned spelling (if
 * sent) says the same. Call after the signature is verified.
 */
export function bindActionAndVersion(
  headers: Headers,
  param: (name: string) => string | undefined,
  declaresParam: (action: string | undefined, name: string) => boolean = () => false,
): ActionAndVersion {
  const acs3 = isAcs3(headers);
  for (const [name, headerName] of SPELLINGS) {
    const inHeader = header(headers, headerName);
    // Under ACS3 an operation may declare a parameter of this name (ListAuditEvents filters by
    // Action): the query value is then that operation's parameter, not a second spelling.
    if (acs3 && declaresParam(header(headers, 'x-acs-action'), name)) continue;
    const inParam = param(name);
    const signed = acs3 ? inHeader : inParam;
    const other = acs3 ? inParam : inHeader;
    if (other === undefined || other === signed) continue;
    if (signed === undefined) {
      // Only possible under RPC: ACS3 refuses a request that does not sign both headers.
      throw errors.invalidParameter(
        name,
        `HMAC-SHA1 (RPC) requests name the ${name.toLowerCase()} in the signed ${name} parameter; the ${headerName} header (${quote(other)}) is not covered by the signature and cannot stand alone.`,
      );
    }
    throw errors.invalidParameter(
      name,
      `the ${headerName} header (${quote(inHeader!)}) and the ${name} parameter (${quote(inParam!)}) disagree. Under ${acs3 ? 'ACS3-HMAC-SHA256 the signed header' : 'HMAC-SHA1 (RPC) the signed parameter'} decides; send the same value in both, or only the signed one.`,
    );
  }
  return acs3
    ? { action: header(headers, 'x-acs-action'), version: header(headers, 'x-acs-version') }
    : { action: param('Action'), version: param('Version') };
}
