/**
 * `dshub admin` on the same store as a running server, on SQLite and PostgreSQL: what the CLI
 * creates works at once through Alibaba's client; errors are one clear line and a non-zero exit.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { forEachStore, rejectsWithCode, runCli, sdkCall } from './support.js';

const COMMANDS = [
  [],
  ['serve'],
  ['init'],
  ['migrate'],
  ['ops'],
  ['admin'],
  ['admin', 'tenant', 'create'],
  ['admin', 'tenant', 'list'],
  ['admin', 'user', 'create'],
  ['admin', 'user', 'list'],
  ['admin', 'user', 'disable'],
  ['admin', 'user', 'enable'],
  ['admin', 'key', 'create'],
  ['admin', 'key', 'list'],
  ['admin', 'key', 'disable'],
  ['admin', 'key', 'enable'],
  ['admin', 'key', 'delete'],
  ['admin', 'role', 'grant'],
  ['admin', 'role', 'revoke'],
  ['admin', 'policy', 'attach'],
  ['admin', 'policy', 'detach'],
  ['admin', 'rotate-master-key'],
];

describe('black box: dshub --help', () => {
  it('every command has --help', async () => {
    const results = await Promise.all(COMMANDS.map((c) => runCli([...c, '--help'], {})));
    results.forEach((r, i) => {
      assert.equal(r.code, 0, `${COMMANDS[i]!.join(' ')} --help: ${r.stderr}`);
      assert.match(r.stdout, /Usage: dshub/);
    });
  });
});

forEachStore('dshub admin', { env: { DSHUB_AUTH_CACHE_TTL_MS: '0' } }, ({ dialect, server }) => {
  let env: Record<string, string>;
  before(async () => {
    // Server and CLI share the data directory, hence the master key file in it.
    env = {
      DSHUB_DATA_DIR: server.dataDir,
      ...(server.databaseUrl ? { DSHUB_DATABASE_URL: server.databaseUrl } : {}),
    };
  });

  const cli = (...args: string[]) => runCli(args, env);
  const json = async (...args: string[]) => {
    const r = await cli(...args);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    return JSON.parse(r.stdout) as Record<string, unknown> & Array<Record<string, unknown>>;
  };

  it('creates a tenant, users and keys that work at once, and disables them', async () => {
    const tenant = await json('admin', 'tenant', 'create', `acme_${dialect}`);
    assert.match(String(tenant.tenantId), /^\d{16}$/);
    assert.equal(typeof tenant.accessKeySecret, 'string');
    const owner = {
      accessKeyId: String(tenant.accessKeyId),
      accessKeySecret: String(tenant.accessKeySecret),
    };
    const me = await sdkCall(
      server,
      'GetCallerIdentity',
      { method: 'POST' },
      { credentials: owner },
    );
    assert.equal(me.AccountId, tenant.tenantId);

    const user = await json('admin', 'user', 'create', '--tenant', `acme_${dialect}`, 'alice');
    const key = await json('admin', 'key', 'create', String(user.userId));
    const alice = {
      accessKeyId: String(key.accessKeyId),
      accessKeySecret: String(key.accessKeySecret),
    };
    assert.equal(
      (await sdkCall(server, 'GetCallerIdentity', { method: 'POST' }, { credentials: alice }))
        .UserName,
      'alice',
    );

    assert.equal((await cli('admin', 'role', 'grant', String(user.userId), 'TenantAdmin')).code, 0);
    assert.deepEqual(
      (await sdkCall(server, 'GetCallerIdentity', { method: 'POST' }, { credentials: alice }))
        .TenantRoles,
      ['TenantAdmin'],
    );
    assert.equal(
      (await cli('admin', 'policy', 'attach', String(user.userId), 'AliyunDataWorksReadOnlyAccess'))
        .code,
      0,
    );
    const deny = JSON.stringify({ Statement: [{ Effect: 'Deny', Action: 'dataworks:Delete*' }] });
    assert.equal(
      (await cli('admin', 'policy', 'attach', String(user.userId), 'NoDelete', '--document', deny))
        .code,
      0,
    );
    const users = await json('admin', 'user', 'list', '--tenant', `acme_${dialect}`);
    const listed = users.find((u) => u.id === user.userId)!;
    assert.deepEqual(listed.tenantRoles, ['TenantAdmin']);
    assert.deepEqual([...(listed.policies as string[])].sort(), [
      'AliyunDataWorksReadOnlyAccess',
      'NoDelete',
    ]);

    const keys = await json('admin', 'key', 'list', String(user.userId));
    assert.equal(keys.length, 1);
    assert.ok(
      !JSON.stringify(keys).includes(alice.accessKeySecret),
      'key list never shows secrets',
    );

    assert.equal((await cli('admin', 'key', 'disable', alice.accessKeyId)).code, 0);
    await rejectsWithCode(
      sdkCall(server, 'GetCallerIdentity', { method: 'POST' }, { credentials: alice }),
      'InvalidAccessKeyId.Inactive',
      403,
    );
    assert.equal((await cli('admin', 'key', 'enable', alice.accessKeyId)).code, 0);
    assert.equal((await cli('admin', 'user', 'disable', String(user.userId))).code, 0);
    await rejectsWithCode(
      sdkCall(server, 'GetCallerIdentity', { method: 'POST' }, { credentials: alice }),
      'InvalidAccessKeyId.Inactive',
      403,
    );
    assert.equal((await cli('admin', 'key', 'delete', alice.accessKeyId)).code, 0);
    await rejectsWithCode(
      sdkCall(server, 'GetCallerIdentity', { method: 'POST' }, { credentials: alice }),
      'InvalidAccessKeyId.NotFound',
      404,
    );
  });

  it('answers mistakes with one clear line and a non-zero exit', async () => {
    const cases: Array<[string[], RegExp]> = [
      [
        ['admin', 'user', 'create', '--tenant', 'no_such_tenant', 'bob'],
        /no tenant no_such_tenant/,
      ],
      [['admin', 'key', 'create', '123'], /no user with id 123/],
      [['admin', 'role', 'grant', '123', 'Emperor'], /no user|unknown tenant role/],
      [['admin', 'key', 'disable', 'LTAInothing'], /no AccessKey LTAInothing/],
      [['admin', 'tenant', 'create', '1bad name'], /not valid/],
    ];
    // Independent refusals that change nothing: run side by side.
    const results = await Promise.all(cases.map(([args]) => cli(...args)));
    cases.forEach(([args, message], i) => {
      const r = results[i]!;
      assert.notEqual(r.code, 0, args.join(' '));
      assert.match(r.stderr, message);
      assert.equal(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
    });
    const bad = await runCli(['admin', 'tenant', 'list'], { ...env, DSHUB_PORT: 'x' });
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /DSHUB_PORT/);
  });
});
