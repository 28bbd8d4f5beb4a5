/**
 * `dshub admin rotate-master-key` and data source secrets: every sealed blob is re-wrapped under
 * the new master key (its ciphertext untouched), still opens, also after a restart, and the
 * rotation can run again. The master key comes from the key file here (DSHUB_MASTER_KEY unset),
 * as rotation requires.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { decodeKey, keyFiles, keyId } from '../../src/crypto/keyring.js';
import { rotateMasterKey } from '../../src/crypto/rotation.js';
import { rewrapDataSourceSecrets } from '../../src/datasources/secret-box.js';
import { createLogger } from '../../src/observability/logger.js';
import { createServices, type Services } from '../../src/services.js';
import { forEachDialect } from '../helpers/harness.js';
import { newWorkspace, STANDARD_MODE } from '../helpers/workspaces.js';

const PASSWORDS = ['R0tate-me-1', 'R0tate-me-2', 'R0tate-me-3'];

async function sealedRows(s: Services) {
  return s.db.kysely
    .selectFrom('data_sources')
    .select(['id', 'secrets_sealed'])
    .orderBy('id')
    .execute();
}

async function passwords(s: Services, ids: number[]) {
  const svc = s.dataSources;
  return Promise.all(
    ids.map(async (id) => (await svc.reveal(s.db.kysely, { id }))?.properties.password),
  );
}

forEachDialect(
  'data source secrets across master key rotation',
  (t) => {
    it('re-wraps every data source secret, keeps them readable, and runs again', async () => {
      const c = t();
      const ws = await newWorkspace(c, c.root, STANDARD_MODE);
      const ids: number[] = [];
      for (const [i, password] of PASSWORDS.entries()) {
        const r = await c.call(c.root, 'CreateDataSource', {
          ProjectId: ws,
          Name: `rot_${i}`,
          Type: 'mysql',
          ConnectionPropertiesMode: 'UrlMode',
          ConnectionProperties: JSON.stringify({
            envType: 'Prod',
            address: [{ host: 'db.example.com', port: 3306 }],
            database: 'shop',
            username: 'app',
            password,
          }),
        });
        assert.equal(r.status, 200, JSON.stringify(r.body));
        ids.push(r.body.Id as number);
      }
      // A record without secrets has nothing to re-wrap.
      const holo = await c.call(c.root, 'CreateDataSource', {
        ProjectId: ws,
        Name: 'no_secret',
        Type: 'hologres',
        ConnectionPropertiesMode: 'InstanceMode',
        ConnectionProperties: JSON.stringify({
          envType: 'Prod',
          regionId: 'cn-beijing',
          instanceId: 'hgprecn-cn-x0r3oun4k001',
          database: 'testdb',
        }),
      });
      assert.equal(holo.status, 200, JSON.stringify(holo.body));

      const envelope = c.services.envelope;
      const files = keyFiles(c.services.config.dataDir);
      let previousKey = c.services.keyring.current().id;
      const before = await sealedRows(c.services);
      assert.equal(before.filter((r) => r.secrets_sealed === null).length, 1);

      for (const run of [1, 2]) {
        const result = (await rotateMasterKey(c.services)) as {
          masterKeyId: string;
          rewrapped: Record<string, number>;
        };
        const current = c.services.keyring.current().id;
        assert.notEqual(current, previousKey, `run ${run}: the master key changed`);
        assert.equal(result.masterKeyId, current);
        assert.equal(result.rewrapped['data source secrets'], PASSWORDS.length, `run ${run}`);
        assert.equal(keyId(decodeKey(readFileSync(files.current, 'utf8'))), current);
        assert.ok(readFileSync(files.retired, 'utf8').trim().split('\n').length >= run);

        const after = await sealedRows(c.services);
        for (const [i, row] of after.entries()) {
          if (row.secrets_sealed === null) {
            assert.equal(before[i]!.secrets_sealed, null);
            continue;
          }
          assert.equal(envelope.keyIdOf(row.secrets_sealed), current);
          // Only the data key was re-wrapped: the ciphertext is the one sealed at creation.
          assert.equal(row.secrets_sealed.split(':')[3], before[i]!.secrets_sealed!.split(':')[3]);
        }
        assert.deepEqual(await passwords(c.services, ids), PASSWORDS);
        // Nothing left under an old key: a rerun of the step changes nothing.
        assert.equal(await rewrapDataSourceSecrets(c.services.db, envelope, current), 0);
        previousKey = current;
      }

      const get = await c.call(c.root, 'GetDataSource', { Id: ids[0]! }, { method: 'GET' });
      assert.equal(get.status, 200, JSON.stringify(get.body));

      // A restarted server loads the new key from the key file and opens every secret.
      const restarted = await createServices(c.services.config, {
        logger: createLogger('silent'),
        defaultMetrics: false,
      });
      try {
        assert.equal(restarted.keyring.current().id, previousKey);
        assert.deepEqual(await passwords(restarted, ids), PASSWORDS);
      } finally {
        await restarted.close();
      }
    });
  },
  { DSHUB_MASTER_KEY: '' },
);
