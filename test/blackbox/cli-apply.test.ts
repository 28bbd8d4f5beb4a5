/**
 * `dshub plan -f`, `apply -f` and `export` against a real server on both stores: a first apply
 * creates, a second says "no changes", a changed file shows field-level differences, deletions
 * wait for --prune, secrets are never compared or written back.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { dshub, serverEnv, tempHome } from './cli-support.js';
import { forEachStore } from './support.js';

const FILE = `version: 1
workspaces:
  - name: apply_src
    displayName: Source
    devEnvironmentEnabled: true
    members:
      - user: carol
        roles: [role_project_dev, role_project_guest]
    dataSources:
      - name: orders
        type: mysql
        mode: UrlMode
        description: orders database
        dev:
          address: [{host: 127.0.0.1, port: 3306}]
          database: shop_dev
          username: app
          password: \${ORDERS_DEV_PASSWORD}
        prod:
          address: [{host: 127.0.0.1, port: "3306"}]
          database: shop
          username: app
          password: \${ORDERS_PROD_PASSWORD}
        shares:
          - workspace: apply_dst
  - name: apply_dst
    dataSources:
      - name: metrics
        type: postgresql
        mode: UrlMode
        prod: {address: [{host: 127.0.0.1, port: 5432}], database: m, username: u, password: "\${METRICS_PASSWORD}"}
`;

const SECRETS = {
  ORDERS_DEV_PASSWORD: 'dev-pw-1',
  ORDERS_PROD_PASSWORD: 'prod-pw-1',
  METRICS_PASSWORD: 'metrics-pw-1',
};

forEachStore('dshub plan / apply / export', ({ server }) => {
  let home: ReturnType<typeof tempHome>;
  let env: Record<string, string>;
  const run = (args: string[], extra: Record<string, string> = {}) =>
    dshub(args, { home: home.home, env: { ...env, ...extra } });
  const write = (name: string, text: string) => {
    const path = join(home.home, name);
    writeFileSync(path, text);
    return path;
  };

  before(async () => {
    home = tempHome();
    env = serverEnv(server);
    // carol is in no workspace: plan and apply find her by name with RAM's GetUser. She is
    // created the way a user would, with RAM's CreateUser through dshub call.
    const carol = await run(['call', 'CreateUser', '--UserName', 'carol']);
    assert.equal(carol.code, 0, carol.stderr);
  });
  after(async () => {
    home?.remove();
  });

  it('plans, applies, re-applies with no changes, and exports what it applied', async () => {
    const file = write('hub.yaml', FILE);
    const plan = await run(['plan', '-f', file], SECRETS);
    assert.equal(plan.code, 0, plan.stderr);
    assert.match(plan.stdout, /^\+ workspace apply_src: create$/m);
    assert.match(plan.stdout, /^\+ data source apply_src\/orders \(Dev\): create$/m);
    assert.match(plan.stdout, /password: \$\{ORDERS_DEV_PASSWORD\}/);
    assert.match(
      plan.stdout,
      /^\+ share apply_src\/orders \(Prod\) → apply_dst \(Prod, whole workspace\): create$/m,
    );
    assert.match(plan.stdout, /Plan: 7 to create, 0 to change, 0 to delete\./);
    assert.ok(!plan.stdout.includes('dev-pw-1'), 'a plan never shows a secret');
    const nothingYet = await run([
      'call',
      'ListProjects',
      '--Names',
      'apply_src',
      '--query',
      'PagingInfo.TotalCount',
    ]);
    assert.equal(nothingYet.stdout.trim(), '0', 'plan changes nothing');

    const missing = await run(['apply', '-f', file]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /needs the environment variable ORDERS_DEV_PASSWORD/);
    assert.equal(missing.stdout, '', 'a missing secret variable stops apply before any change');

    const applied = await run(['apply', '-f', file], SECRETS);
    assert.equal(applied.code, 0, applied.stderr);
    assert.match(applied.stdout, /Applied: 7 created, 0 changed, 0 deleted\./);
    const again = await run(['apply', '-f', file], SECRETS);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /^No changes: the server already matches the file\.$/m);
    // Secrets are write-only: without the variables, nothing to compare, still no changes.
    const noSecrets = await run(['plan', '-f', file]);
    assert.match(noSecrets.stdout, /No changes/);

    const ds = await run([
      'call',
      'ListDataSources',
      '--ProjectId',
      String(await projectId(run, 'apply_src')),
      '--query',
      'PagingInfo.DataSources[0].DataSource[].ConnectionProperties.password',
    ]);
    assert.deepEqual(JSON.parse(ds.stdout), ['******', '******']);
    const members = await run([
      'call',
      'ListProjectMembers',
      '--ProjectId',
      String(await projectId(run, 'apply_src')),
      '--query',
      "PagingInfo.ProjectMembers[?UserName=='carol'].Roles[].Code",
    ]);
    assert.deepEqual(JSON.parse(members.stdout).sort(), ['role_project_dev', 'role_project_guest']);

    const exported = await run(['export', '-w', 'apply_src', 'apply_dst']);
    assert.equal(exported.code, 0, exported.stderr);
    assert.match(exported.stdout, /password: \$\{DS_APPLY_SRC_ORDERS_DEV_PASSWORD\}/);
    assert.ok(!exported.stdout.includes('pw-1'), 'export never contains a secret');
    const roundTrip = await run(['plan', '-f', write('exported.yaml', exported.stdout)]);
    assert.equal(roundTrip.code, 0, roundTrip.stderr);
    assert.match(roundTrip.stdout, /No changes/);
  });

  it('shows field-level changes, sends secrets only with --update-secrets, deletes only with --prune', async () => {
    const changed = FILE.replace('database: shop_dev', 'database: shop_dev2')
      .replace('role_project_dev, role_project_guest', 'role_project_dev')
      .replace(/ {8}shares:\n {10}- workspace: apply_dst\n/, '')
      .replace(/ {2}- name: apply_dst\n[\s\S]*$/, '  - name: apply_dst\n');
    const file = write('changed.yaml', changed);
    const plan = await run(['plan', '-f', file]);
    assert.equal(plan.code, 0, plan.stderr);
    assert.match(
      plan.stdout,
      /^~ data source apply_src\/orders \(Dev\): update\n {4}database: "shop_dev" → "shop_dev2"$/m,
    );
    assert.match(plan.stdout, /^~ member apply_src\/carol: update$/m);
    assert.match(
      plan.stdout,
      /^- share apply_src\/orders \(Prod\) → apply_dst .*skipped: needs --prune/m,
    );
    assert.match(
      plan.stdout,
      /^- data source apply_dst\/metrics \(Prod\): delete \(skipped: needs --prune\)$/m,
    );
    assert.match(
      plan.stdout,
      /Plan: 0 to create, 2 to change, 0 to delete \(2 deletion\(s\) skipped without --prune\)\./,
    );

    const secretsPlan = await run(['plan', '-f', file, '--update-secrets'], SECRETS);
    assert.match(secretsPlan.stdout, /password: \(secret\) → \$\{ORDERS_PROD_PASSWORD\}/);

    const noPrune = await run(['apply', '-f', file]);
    assert.equal(noPrune.code, 0, noPrune.stderr);
    assert.match(
      noPrune.stdout,
      /Applied: 0 created, 2 changed, 0 deleted\. 2 deletion\(s\) skipped without --prune\./,
    );
    const dst = await projectId(run, 'apply_dst');
    const still = await run([
      'call',
      'ListDataSources',
      '--ProjectId',
      String(dst),
      '--query',
      'PagingInfo.TotalCount',
    ]);
    assert.equal(still.stdout.trim(), '1');

    const pruned = await run(['apply', '-f', file, '--prune']);
    assert.equal(pruned.code, 0, pruned.stderr);
    assert.match(pruned.stdout, /Applied: 0 created, 0 changed, 2 deleted\./);
    const gone = await run([
      'call',
      'ListDataSources',
      '--ProjectId',
      String(dst),
      '--query',
      'PagingInfo.TotalCount',
    ]);
    assert.equal(gone.stdout.trim(), '0');
    const final = await run(['apply', '-f', file, '--prune']);
    assert.match(final.stdout, /No changes/);

    const updated = await run(['apply', '-f', file, '--update-secrets'], {
      ...SECRETS,
      ORDERS_PROD_PASSWORD: 'prod-pw-2',
    });
    assert.equal(updated.code, 0, updated.stderr);
    assert.match(updated.stdout, /changed data source apply_src\/orders \(Prod\)/);
  });

  it('refuses an invalid file with the place of each problem, and an unknown user by name', async () => {
    const bad = await run([
      'plan',
      '-f',
      write('bad.yaml', 'version: 2\nworkspaces:\n  - name: x\n    colour: red\n'),
    ]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /version/);
    assert.match(bad.stderr, /workspaces\.0/);
    const nobody = await run([
      'plan',
      '-f',
      write(
        'nobody.yaml',
        'version: 1\nworkspaces:\n  - name: apply_src\n    members:\n      - user: nobody\n        roles: [role_project_dev]\n',
      ),
    ]);
    assert.equal(nobody.code, 2);
    assert.match(nobody.stderr, /no user named nobody \(RAM has no such user\)/);
  });
});

async function projectId(
  run: (a: string[]) => Promise<{ stdout: string }>,
  name: string,
): Promise<number> {
  const r = await run([
    'call',
    'ListProjects',
    '--Names',
    name,
    '--query',
    'PagingInfo.Projects[0].Id',
  ]);
  return Number(r.stdout.trim());
}
