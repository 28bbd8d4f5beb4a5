/**
 * First start: when the store has no tenant, create one with its owner and an AccessKey,
 * print the key once and keep a copy in a 0600 file in the data directory. With
 * DSHUB_ROOT_ACCESS_KEY_ID/SECRET the key is deterministic (CI and emulator use) and no file
 * is written.
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CreatedAccessKey } from './identity/identity-service.js';
import type { Services } from './services.js';

export interface BootstrapResult {
  created: boolean;
  accessKey?: CreatedAccessKey;
  keyFile?: string;
}

export async function ensureRootTenant(services: Services): Promise<BootstrapResult> {
  const { identity, config } = services;
  const tenants = await identity.listTenants();
  const given = config.rootAccessKey;
  if (tenants.length === 0) {
    let accessKey: CreatedAccessKey;
    try {
      ({ accessKey } = await identity.createTenant('default', given ? { accessKey: given } : {}));
    } catch (e) {
      // Another replica bootstrapped at the same moment: theirs stands.
      if ((await identity.listTenants()).length > 0) return { created: false };
      throw e;
    }
    // A key given through the environment is already the operator's; only a generated one
    // needs keeping somewhere (its secret is printed once).
    if (given) return { created: true, accessKey };
    const keyFile = join(config.dataDir, 'root-access-key.json');
    mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
    writeFileSync(keyFile, `${JSON.stringify(accessKey, null, 2)}\n`, { mode: 0o600 });
    chmodSync(keyFile, 0o600);
    return { created: true, accessKey, keyFile };
  }
  if (given && !(await identity.loadCredential(given.id))) {
    const owner = tenants[0]!.id;
    const accessKey = await identity.createAccessKey(owner, given);
    return { created: true, accessKey };
  }
  return { created: false };
}
