/**
 * Master key rotation. The new key is written to `master.key.next` before anything changes;
 * every sealed value is then re-wrapped (idempotently: values already under the new key are
 * skipped), and only then is the new key promoted. An interrupted run leaves both keys
 * loadable, and running the command again finishes the job.
 */
import { rewrapDataSources } from '../datasources/index.js';
import { rewrapMasterKeyCheck, type Services } from '../services.js';
import { keyId, prepareNextKey, promoteNextKey } from './keyring.js';

/** Other stores of sealed values register here (e.g. data source secrets). */
export type Rewrapper = (services: Services, currentKeyId: string) => Promise<number>;
export const REWRAPPERS: Array<{ name: string; run: Rewrapper }> = [
  { name: 'access keys', run: (s, id) => s.identity.rewrapAccessKeys(id) },
  { name: 'data source secrets', run: rewrapDataSources },
];

export async function rotateMasterKey(services: Services): Promise<Record<string, unknown>> {
  if (services.config.masterKey) {
    throw new Error(
      'the master key comes from DSHUB_MASTER_KEY: rotate by running this command with DSHUB_MASTER_KEY unset and the data directory holding master.key, or re-seal by hand',
    );
  }
  const next = prepareNextKey(services.config.dataDir);
  services.keyring.promote(next);
  const id = keyId(next);
  const rewrapped: Record<string, number> = {};
  for (const r of REWRAPPERS) rewrapped[r.name] = await r.run(services, id);
  await rewrapMasterKeyCheck(services.db, services.envelope);
  promoteNextKey(services.config.dataDir);
  return { masterKeyId: id, rewrapped };
}
