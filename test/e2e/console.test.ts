/**
 * The web console end to end in a real browser (Debian's chromium through playwright-core) on
 * a fresh dshub: sign-in (a wrong secret first), two workspaces, a member, a MySQL data source
 * on the local MariaDB (a throw-away database and user made and dropped here), connectivity,
 * sharing, "shared with me" and resolve as a second user with their own key, clone, the audit
 * trail, and the API Explorer, whose generated TypeScript is run with node. Screenshots of the
 * pages (light and dark, desktop and mobile) go to test-artifacts/console/ (git-ignored).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import mysql from 'mysql2/promise';
import type { BrowserContext, Page } from 'playwright-core';
import {
  createUserWithCli,
  ROOT,
  type RunningServer,
  sdkCall,
  startServer,
} from '../blackbox/support.js';
import { chromiumMissing, launchBrowser, settle } from './browser.js';

const SHOTS = join(ROOT, 'test-artifacts', 'console');
const skip = !process.env.CI && chromiumMissing();

async function signIn(page: Page, base: string, id: string, secret: string): Promise<void> {
  await page.goto(`${base}/console/`);
  await page.getByLabel(/^AccessKey ID/).fill(id);
  await page.locator('input[name=accessKeySecret]').fill(secret);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

describe('web console', { skip: skip || false }, () => {
  let server: RunningServer;
  let context: BrowserContext;
  let closeBrowser: () => Promise<void>;
  let base: string;
  let member: { userId: string; accessKeyId: string; accessKeySecret: string };
  let src: { Id: number };
  let dst: { Id: number };
  let dsId = 0;
  const suffix = randomBytes(4).toString('hex');
  const db = { name: `dshub_e2e_${suffix}`, user: `e2e_${suffix}`, password: `pw_${suffix}` };
  let admin: mysql.Connection;

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    admin = await mysql.createConnection({ host: '127.0.0.1', port: 3306, user: 'root' });
    await admin.query(`CREATE DATABASE \`${db.name}\``);
    await admin.query(`CREATE USER '${db.user}'@'%' IDENTIFIED BY '${db.password}'`);
    await admin.query(`GRANT ALL ON \`${db.name}\`.* TO '${db.user}'@'%'`);
    // A budget other than the default: the console must show the server's own.
    server = await startServer({
      env: {
        DSHUB_CONNECTIVITY_ALLOW_NETWORKS: '127.0.0.0/8',
        DSHUB_CONNECTIVITY_TOTAL_TIMEOUT_MS: '4000',
      },
    });
    base = `http://${server.endpoint}`;
    const me = await sdkCall(server, 'GetCallerIdentity', { method: 'POST' });
    member = await createUserWithCli(server, String(me.AccountId), 'analyst');
    ({ context, close: closeBrowser } = await launchBrowser());
  });

  after(async () => {
    await closeBrowser?.();
    await server?.stop();
    if (admin) {
      await admin.query(`DROP USER IF EXISTS '${db.user}'@'%'`);
      await admin.query(`DROP DATABASE IF EXISTS \`${db.name}\``);
      await admin.end();
    }
  });

  it('runs the whole scenario and the generated code', { timeout: 300_000 }, async () => {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      // A refused sign-in shows up as a failed resource load; anything else is a defect.
      if (m.type() === 'error' && !/status of 40\d/.test(m.text())) errors.push(m.text());
    });
    // Every request the page makes stays on dshub's own origin.
    const foreign: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith(base)) foreign.push(r.url());
    });

    // A browser opening "/" lands on the console's sign-in; a wrong secret says so.
    await page.goto(`${base}/`);
    await page.waitForURL(/\/console\/signin/);
    await page.getByLabel(/^AccessKey ID/).fill(server.accessKeyId);
    await page.locator('input[name=accessKeySecret]').fill('not-the-secret');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('The AccessKey secret is wrong for this AccessKey ID.').waitFor();
    assert.ok(await page.getByTestId('error-request-id').isVisible());
    await page.screenshot({ path: join(SHOTS, 'signin-wrong-secret.png') });
    await page.locator('input[name=accessKeySecret]').fill(server.accessKeySecret);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    // The secret is in sessionStorage only, never in the URL.
    assert.ok(!page.url().includes(server.accessKeySecret));

    // Two workspaces.
    for (const name of [`src_${suffix}`, `dst_${suffix}`]) {
      await page.goto(`${base}/console/workspaces`);
      await page.getByRole('button', { name: 'Create workspace' }).first().click();
      const dialog = page.getByRole('dialog');
      await dialog.getByLabel(/^Name/).fill(name);
      await dialog.getByRole('button', { name: 'Create workspace' }).click();
      await page.getByRole('heading', { name: 'Data sources' }).waitFor();
    }
    const projects = (
      (await sdkCall(server, 'ListProjects', { method: 'POST' })).PagingInfo as {
        Projects: { Id: number; Name: string }[];
      }
    ).Projects;
    src = projects.find((p) => p.Name === `src_${suffix}`)!;
    dst = projects.find((p) => p.Name === `dst_${suffix}`)!;

    // A member of the second workspace, with the Develop role.
    await page.goto(`${base}/console/w/${dst.Id}/members`);
    await page.getByLabel(/^User ID/).fill(member.userId);
    await page.getByRole('button', { name: 'Add member' }).click();
    await page.getByTestId('members-table').getByText(member.userId).waitFor();

    // A MySQL data source on the local MariaDB, from the type's schema form.
    await page.goto(`${base}/console/w/${src.Id}/data-sources/new`);
    await page.getByLabel(/^Name/).first().fill('orders_db');
    await page.getByLabel(/^Host/).waitFor();
    await page.getByLabel(/^Host/).fill('127.0.0.1');
    await page.getByLabel(/^Port/).fill('3306');
    await page.getByLabel(/^Database/).fill(db.name);
    await page.getByLabel(/^Username/).fill(db.user);
    await page.getByLabel(/^Password/).fill(db.password);
    assert.equal(await page.getByLabel(/^Password/).getAttribute('type'), 'password');
    await page.screenshot({ path: join(SHOTS, 'data-source-form.png'), fullPage: true });
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    await page.getByTestId('field-QualifiedName').waitFor();
    dsId = Number(/data-sources\/(\d+)/.exec(page.url())![1]);
    assert.ok(!(await page.content()).includes(db.password), 'the secret is masked');

    // Connectivity: a stepwise timeline and the verdict.
    await page.getByRole('tab', { name: 'Connectivity' }).click();
    await page.getByTestId('test-connectivity').click();
    await page.getByTestId('connect-state').waitFor({ timeout: 20_000 });
    assert.equal(await page.getByTestId('connect-state').textContent(), 'Connectable');
    assert.match(
      (await page.getByTestId('connectivity-elapsed').textContent()) ?? '',
      /^\d+\.\d s of this server's 4\.0 s budget$/,
    );
    await page.screenshot({ path: join(SHOTS, 'connectivity.png'), fullPage: true });

    // Share the Dev record to the second workspace.
    await page.getByRole('tab', { name: 'Sharing' }).click();
    await page.getByRole('textbox', { name: /^Share to workspace/ }).click();
    await page.getByRole('option', { name: `dst_${suffix}` }).click();
    await page.getByRole('button', { name: 'Share', exact: true }).click();
    await page.getByTestId('sharing-rules').getByText(`dst_${suffix}`).waitFor();

    // The member, with their own key in another tab, finds it under "shared with me".
    const other = await context.newPage();
    await signIn(other, base, member.accessKeyId, member.accessKeySecret);
    await other.goto(`${base}/console/w/${dst.Id}/shared`);
    const shared = other.getByTestId('shared-table');
    await shared.getByText(`src_${suffix}.orders_db`).waitFor();
    await shared.getByRole('button', { name: 'Resolve' }).click();
    await other.getByRole('dialog').getByText('QualifiedName').waitFor();
    await other.screenshot({ path: join(SHOTS, 'shared-resolve.png') });
    await other.close();

    // Clone it (in its own workspace: a shared data source cannot be cloned where it is shared).
    await page.goto(`${base}/console/w/${src.Id}/data-sources/${dsId}`);
    await page.getByRole('button', { name: 'Clone' }).click();
    const cloneName = page.getByRole('dialog').getByLabel(/^Name of the copy/);
    await cloneName.fill('9bad');
    await page.getByText('Letters, digits and underscores, starting with a letter.').waitFor();
    await cloneName.fill('orders_db_copy');
    await page.getByRole('dialog').getByRole('button', { name: 'Clone' }).click();
    await page.getByRole('heading', { name: 'orders_db_copy' }).waitFor();

    // Every step in the audit trail, and one found by its RequestId.
    await page.goto(`${base}/console/audit`);
    const audit = page.getByTestId('audit-table');
    await audit.waitFor();
    for (const action of [
      'CreateProject',
      'CreateProjectMember',
      'CreateDataSource',
      'TestDataSourceConnectivity',
      'CreateDataSourceSharedRule',
      'ResolveDataSource',
      'CloneDataSource',
    ]) {
      await audit.getByRole('cell', { name: action, exact: true }).first().waitFor();
    }
    const requestId = (await audit.locator('tbody tr').first().locator('td').last().textContent())!;
    await page.getByLabel('RequestId').fill(requestId);
    await page.waitForURL(/RequestId=/);
    await page.getByText('1 event, newest first').waitFor();

    // The data source's own history (ListAuditEvents DataSourceId).
    await page.goto(`${base}/console/w/${src.Id}/data-sources/${dsId}?tab=history`);
    await page.getByTestId('audit-table').getByText('CreateDataSourceSharedRule').waitFor();

    // API Explorer: GetCallerIdentity, then its generated TypeScript run for real.
    await page.goto(`${base}/console/explorer`);
    await page.getByLabel('Search operations').fill('calleride');
    await page.getByRole('link', { name: 'GetCallerIdentity' }).click();
    await page.getByTestId('explorer-send').click();
    await page.getByTestId('explorer-status').getByText('HTTP 200').waitFor();
    await page.getByRole('tab', { name: 'Request as sent' }).click();
    const sent = (await page.locator('pre[aria-label="Request as sent"]').textContent()) ?? '';
    assert.match(sent, /Signature=<redacted>/);
    assert.ok(!sent.includes(server.accessKeySecret));
    await page.screenshot({ path: join(SHOTS, 'explorer.png'), fullPage: true });
    const ts = (await page.getByTestId('snippet-typescript').textContent())!;
    assert.ok(!ts.includes(server.accessKeySecret) && ts.includes('ALIBABA_CLOUD_ACCESS_KEY_ID'));
    const dir = join(ROOT, 'test-artifacts', 'snippets');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'get-caller-identity.mts'), ts);
    const out = execFileSync(process.execPath, ['--import', 'tsx', 'get-caller-identity.mts'], {
      cwd: dir,
      env: {
        ...process.env,
        ALIBABA_CLOUD_ACCESS_KEY_ID: server.accessKeyId,
        ALIBABA_CLOUD_ACCESS_KEY_SECRET: server.accessKeySecret,
      },
      timeout: 30_000,
    }).toString();
    assert.equal((JSON.parse(out) as { AccessKeyId: string }).AccessKeyId, server.accessKeyId);
    await page.getByRole('tab', { name: 'Python' }).click();
    const py = (await page.getByTestId('snippet-python').textContent())!;
    writeFileSync(join(dir, 'get_caller_identity.py'), py);
    execFileSync('python3', ['-m', 'py_compile', join(dir, 'get_caller_identity.py')]);
    assert.match(py, /client\.call_api\(params, request, util_models\.RuntimeOptions\(\)\)/);
    await page.getByRole('tab', { name: 'dshub CLI' }).click();
    assert.match(
      (await page.getByTestId('snippet-cli').textContent())!,
      /dshub call GetCallerIdentity/,
    );

    // Edit keeps the untouched secret: the connection still works after a save.
    await page.emulateMedia({ colorScheme: 'light' });
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto(`${base}/console/w/${src.Id}/data-sources/${dsId}/edit`);
    await page.getByLabel(/^Description/).fill('orders, edited');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByTestId('field-QualifiedName').waitFor();
    await page.getByRole('tab', { name: 'Connectivity' }).click();
    await page.getByTestId('test-connectivity').click();
    await page.getByTestId('connect-state').waitFor({ timeout: 20_000 });
    assert.equal(await page.getByTestId('connect-state').textContent(), 'Connectable');

    // A bad value is refused by the API and shown on its field.
    await page.goto(`${base}/console/w/${src.Id}/data-sources/new`);
    await page.getByLabel(/^Name/).first().fill('bad_port');
    await page.getByLabel(/^Host/).fill('not a host!');
    await page.getByLabel(/^Port/).fill('3306');
    await page.getByLabel(/^Database/).fill('x');
    await page.getByLabel(/^Username/).fill('x');
    await page.getByLabel(/^Password/).fill('x');
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    await page.getByTestId('api-error').waitFor();
    await page.locator('.mantine-InputWrapper-error', { hasText: 'host' }).first().waitFor();
    await page.screenshot({ path: join(SHOTS, 'field-error.png'), fullPage: true });

    // Signing out forgets the secret.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    assert.equal(await page.evaluate('sessionStorage.length'), 0);

    assert.deepEqual(foreign, []);
    assert.deepEqual(errors, []);
  });

  it('shows every page, light and dark, desktop and mobile', { timeout: 300_000 }, async () => {
    assert.ok(dsId > 0, 'the scenario ran first');
    const page = await context.newPage();
    await signIn(page, base, server.accessKeyId, server.accessKeySecret);
    const pages = [
      ['data-sources', `/w/${src.Id}/data-sources`],
      ['data-source', `/w/${src.Id}/data-sources/${dsId}`],
      ['data-source-sharing', `/w/${src.Id}/data-sources/${dsId}?tab=sharing`],
      ['data-source-edit', `/w/${src.Id}/data-sources/${dsId}/edit`],
      ['members', `/w/${dst.Id}/members`],
      ['shared-empty', `/w/${src.Id}/shared`],
      ['settings', `/w/${src.Id}/settings`],
      ['workspaces', '/workspaces'],
      ['audit', '/audit'],
      ['who-am-i', '/me'],
      ['explorer-form', '/explorer/ListDataSources'],
    ] as const;
    // Desktop: every page in both themes; phone width: the main pages in both themes.
    const mobile = new Set(['data-sources', 'data-source', 'audit', 'explorer-form']);
    for (const [scheme, width, height, tag] of [
      ['light', 1280, 800, 'desktop'],
      ['dark', 1280, 800, 'desktop'],
      ['light', 390, 844, 'mobile'],
      ['dark', 390, 844, 'mobile'],
    ] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      await page.setViewportSize({ width, height });
      for (const [name, path] of pages) {
        if (tag === 'mobile' && !mobile.has(name)) continue;
        await page.goto(`${base}/console${path}`);
        await settle(page);
        await page.screenshot({ path: join(SHOTS, `${name}-${scheme}-${tag}.png`) });
      }
    }
    await page.close();
  });
});
