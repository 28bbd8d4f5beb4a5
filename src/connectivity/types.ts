/**
 * Public shapes of the connectivity tester. The result mirrors DataWorks'
 * TestDataSourceConnectivity `Connectivity` object (docs/WIRE.md §5) field for field,
 * so the API layer can return it as is.
 */

export type ConnectState = 'Connectable' | 'ConfigError' | 'Unreachable' | 'Unsupport';
export type FailureState = Exclude<ConnectState, 'Connectable'>;

/** One step of a test; times are epoch milliseconds. */
export interface DetailLog {
  Code: string;
  Message: string;
  StartTime: number;
  EndTime: number;
}

export interface ConnectivityResult {
  ConnectState: ConnectState;
  /** Empty when the test passed, otherwise the failing step's message. */
  ConnectMessage: string;
  DetailLogs: DetailLog[];
}

/** Which protocol the data source speaks; the API layer maps each data source type to one. */
export type ProbeFamily = 'mysql' | 'postgres' | 'redis' | 'http' | 'kafka' | 'tcp' | 'none';

export interface ConnectivityInput {
  /** DataWorks data source type (`mysql`, `hologres`, …); used in messages only. */
  type: string;
  /** ConnectionPropertiesMode (`UrlMode`, `InstanceMode`, …). */
  mode: string;
  probe: ProbeFamily;
  /** Decrypted ConnectionProperties. Secrets are in clear here and must never leave memory. */
  properties: Record<string, unknown>;
}

export interface ConnectivityOptions {
  /** Bound of each step. */
  stepTimeoutMs: number;
  /** Bound of the whole test; a step that would outlive it is cut short. */
  totalTimeoutMs: number;
  /** Tests running at once; one more is refused with ConnectivityBusyError. */
  maxConcurrent: number;
  /** CIDRs; when set, a target address must be inside one of them. */
  allowNetworks?: string[] | undefined;
  /** CIDRs; a target address inside one of them is refused (wins over allowNetworks). */
  denyNetworks?: string[] | undefined;
  /** `ip` or `ip:port` (`[v6]:port`); when set, host names are resolved by these servers only. */
  dnsServers?: string[] | undefined;
}

/**
 * Alibaba's clients give a whole call 3 s by default (their read timeout), so a test that
 * waits on a silent host must answer well inside that: 2.5 s for everything, each step bounded
 * only by what is left of it. Longer budgets need the client's read timeout raised with them.
 */
export const DEFAULT_CONNECTIVITY_OPTIONS = {
  stepTimeoutMs: 2500,
  totalTimeoutMs: 2500,
  maxConcurrent: 8,
} as const satisfies Partial<ConnectivityOptions>;

/** Codes of the steps, in the order they run. Stable: clients may match on them. */
export const STEP_CODES = [
  'validate_input_parameters',
  'resolve_host',
  'check_network_policy',
  'tcp_connect',
  'tls_handshake',
  'authenticate',
  'run_test_query',
] as const;
export type StepCode = (typeof STEP_CODES)[number];

/** Refused because maxConcurrent tests are already running; the API answers Throttling.User. */
export class ConnectivityBusyError extends Error {
  override readonly name = 'ConnectivityBusyError';
  constructor(readonly limit: number) {
    super(
      `${limit} connectivity tests are already running on this server; try again in a few seconds`,
    );
  }
}
