/**
 * What a protocol probe receives once the network steps passed: the checked address it must
 * connect to (through the scope, never by itself) and the runner to record its own steps with.
 */
import type { Candidate, Scope } from '../scope.js';
import type { StepRunner } from '../steps.js';
import type { Target } from '../target.js';

export interface ProbeContext {
  target: Target;
  candidate: Candidate;
  scope: Scope;
  runner: StepRunner;
  /** The tester's step timeout; drivers' own timeouts are set above it so ours fire first. */
  stepTimeoutMs: number;
}

/** Runs the probe's steps after tcp_connect (and after tls_handshake for direct TLS). */
export type Probe = (ctx: ProbeContext) => Promise<void>;

/** How long a passed test waits for a driver to say goodbye politely before destroying it. */
export const GRACEFUL_CLOSE_MS = 500;
