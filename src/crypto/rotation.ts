/**
 * Master key rotation. The new key is written to `master.key.next` before anything changes;
 * every sealed value is then re-wrapped (idempotently: values already under the new key are
 * skipped), and only then is the new key promoted. An interrupted run leaves both keys
 * loadable, and running the command again finishes the job.
 */
import type { Db } from '../store/dialect.js';
import type { Envelope } from './envelope.js';
import { type Keyring, keyId, prepareNextKey, promoteNextKey } from './keyring.js';
import { rewrapMasterKeyCheck } from './master-key-check.js';

/** One store of sealed values (access keys, data source secrets); wired in src/services.ts. */
export interface Rewrapper {
  name: string;
  /** Re-wraps every value not yet under `currentKeyId`; answers how many it re-wrapped. */
  run(currentKeyId: string): Promise<number>;
}

export interface RotationTarget {
  config: { masterKey?: unknown; dataDir: string };
  keyring: Keyring;
  db: Db;
  envelope: Envelope;
  rewrappers: readonly Rewrapper[];
}

export async function rotateMasterKey(target: RotationTarget): Promise<Record<string, unknown>> {
  if (target.config.masterKey) {
    throw new Error(
      'the master key comes from DSHUB_MASTER_KEY: rotate by running this command with DSHUB_MASTER_KEY unset and the data directory holding master.key, or re-seal by hand',
    );
  }
  const next = prepareNextKey(target.config.dataDir);
  target.keyring.promote(next);
  const id = keyId(next);
  const rewrapped: Record<string, number> = {};
  for (const r of target.rewrappers) rewrapped[r.name] = await r.run(id);
  await rewrapMasterKeyCheck(target.db, target.envelope);
  promoteNextKey(target.config.dataDir);
  return { masterKeyId: id, rewrapped };
}
