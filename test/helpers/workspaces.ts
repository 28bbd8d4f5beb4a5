/**
 * The one way tests make workspaces and members: through the API as a client would make them
 * (CreateProject, CreateProjectMember; the SDK's placement: form body), so every fixture passes
 * the same access checks and leaves the same audit trail as real use. They fail loudly, so a
 * test reads as its scenario.
 */
import assert from 'node:assert/strict';
import type { ApiResult, Key, TestContext } from './harness.js';

export type Params = Record<string, string | number | boolean | undefined>;

/** Calls an action the way the SDK sends workspace and member operations: POST, form body. */
export function callBody(c: TestContext, key: Key, action: string, params: Params = {}) {
  return c.call(key, action, params, { method: 'POST', placement: 'body' });
}

export function expectOk(r: ApiResult, what = 'call'): Record<string, unknown> {
  assert.equal(r.status, 200, `${what}: ${JSON.stringify(r.body)}`);
  return r.body;
}

/** Asserts an error answer: its Code and HTTP status. */
export function expectError(r: ApiResult, code: string, status: number): void {
  assert.equal(r.body.Code, code, JSON.stringify(r.body));
  assert.equal(r.status, status, JSON.stringify(r.body));
}

/** CreateProject's parameter for a standard-mode workspace (Dev and Prod); the default is basic. */
export const STANDARD_MODE: Params = { DevEnvironmentEnabled: true };

/**
 * Creates a workspace as `key` (default: the root tenant owner), who becomes its Workspace
 * Owner; returns its id. Basic mode (Prod only) unless `params` say otherwise (STANDARD_MODE).
 */
export async function newWorkspace(
  c: TestContext,
  key: Key = c.root,
  params: Params = {},
): Promise<number> {
  const body = expectOk(
    await callBody(c, key, 'CreateProject', {
      Name: c.name('ws').slice(0, 28),
      DisplayName: 'Test workspace',
      ...params,
    }),
    'CreateProject',
  );
  return body.Id as number;
}

/** Adds `userId` to the workspace with these roles, as `key` (default: root). */
export async function addMember(
  c: TestContext,
  projectId: number,
  userId: string,
  roles: readonly string[],
  key: Key = c.root,
): Promise<void> {
  expectOk(
    await callBody(c, key, 'CreateProjectMember', {
      ProjectId: projectId,
      UserId: userId,
      RoleCodes: JSON.stringify(roles),
    }),
    'CreateProjectMember',
  );
}

/** A new user of the root tenant (full DataWorks policy) who holds `roles` in the workspace. */
export async function newMember(c: TestContext, projectId: number, roles: readonly string[]) {
  const key = await c.newUser();
  await addMember(c, projectId, key.userId, roles);
  return key;
}
