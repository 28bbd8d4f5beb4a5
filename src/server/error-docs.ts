/**
 * dshub's own documentation of its error codes, served at `/errors` (one page, an anchor per
 * code): every answer's `Recommend` links here, because Alibaba's troubleshooting site cannot
 * know a self-hosted server's codes or RequestIds.
 */
import type { FastifyInstance } from 'fastify';
import { errorAnchor, FIXED_CODES } from '../errors.js';

interface ErrorDoc {
  code: string;
  meaning: string;
  fix: string;
}

const FAMILY = (code: string): number | string =>
  (FIXED_CODES as Record<string, number>)[code] ?? 'varies';

/** Every code dshub answers with, in words: what happened and what the caller can do. */
export const ERROR_DOCS: ErrorDoc[] = [
  {
    code: 'IncompleteSignature',
    meaning:
      'The request lacks a signature part (AccessKeyId, signature, timestamp, nonce or a signed header).',
    fix: 'Use an Alibaba Cloud SDK or sign as described in the ACS3-HMAC-SHA256 or RPC v2 scheme.',
  },
  {
    code: 'SignatureDoesNotMatch',
    meaning: 'The signature does not match the one dshub computed with the AccessKey secret.',
    fix: 'Check the AccessKeySecret, that a proxy does not rewrite the Host, path, query or body, and the client clock.',
  },
  {
    code: 'InvalidAccessKeyId.NotFound',
    meaning: 'No AccessKey with this id exists.',
    fix: 'Create one with `dshub admin key create <userId>`.',
  },
  {
    code: 'InvalidAccessKeyId.Inactive',
    meaning: 'The AccessKey or its user is disabled.',
    fix: 'Enable it (`dshub admin key enable`) or use another key.',
  },
  {
    code: 'InvalidTimeStamp.Expired',
    meaning: 'The request time is outside the accepted window (15 minutes by default).',
    fix: 'Fix the client clock (NTP).',
  },
  {
    code: 'InvalidTimeStamp.Format',
    meaning: 'The timestamp is not ISO 8601 UTC.',
    fix: 'Send yyyy-MM-ddTHH:mm:ssZ.',
  },
  {
    code: 'SignatureNonceUsed',
    meaning: 'This nonce was already used: the request is a replay.',
    fix: 'Send a fresh nonce with every request (SDKs do).',
  },
  {
    code: 'InvalidAction.NotFound',
    meaning: 'dshub does not implement this action.',
    fix: 'See /openapi.json or `dshub ops` for the actions served.',
  },
  {
    code: 'NoSuchVersion',
    meaning: 'The API version is not 2024-05-18.',
    fix: 'Use the DataWorks 2024-05-18 API.',
  },
  {
    code: 'UnsupportedHTTPMethod',
    meaning: 'The API answers GET and POST only.',
    fix: 'Send GET or POST to "/".',
  },
  {
    code: 'InvalidPath.NotFound',
    meaning: 'Nothing is served at this path.',
    fix: 'API calls go to "/"; the other paths are /health, /health/live, /health/ready, /metrics, /openapi.json, /errors and /console/.',
  },
  {
    code: 'RequestBody.TooLarge',
    meaning: 'The body exceeds the configured limit (DSHUB_MAX_BODY_BYTES).',
    fix: 'Send less, or raise the limit.',
  },
  {
    code: 'RequestHeader.TooLarge',
    meaning: 'The request headers are too large.',
    fix: 'Send smaller headers.',
  },
  {
    code: 'MalformedRequest',
    meaning: 'The HTTP request could not be read.',
    fix: 'Send a well-formed HTTP/1.1 request.',
  },
  {
    code: 'RequestTimeout',
    meaning: 'The request did not arrive in time.',
    fix: 'Check the network between client and dshub.',
  },
  {
    code: 'UnsupportedMediaType',
    meaning: 'The body is not form-encoded or JSON.',
    fix: 'Send application/x-www-form-urlencoded (or JSON).',
  },
  {
    code: 'MissingParameter',
    meaning: 'A required parameter is missing (codes like MissingProjectId name it).',
    fix: 'Add the parameter the message names.',
  },
  {
    code: 'InvalidParameter',
    meaning: 'A parameter has a wrong value (codes like InvalidParameter.Name name it).',
    fix: 'Correct the parameter as the message says.',
  },
  {
    code: 'Forbidden.Host',
    meaning:
      'The Host header is not one of the names the operator listed in DSHUB_PUBLIC_HOSTS: signatures are bound to the host they were made for.',
    fix: 'Call dshub at one of the names the message lists (the endpoint your client is configured with must be one of them).',
  },
  {
    code: 'Unauthorized',
    meaning:
      '/metrics is protected by a bearer token (DSHUB_METRICS_TOKEN) and the request had none or another.',
    fix: 'Configure the scraper with "Authorization: Bearer <token>" (Prometheus: authorization.credentials).',
  },
  {
    code: 'Forbidden.RAM',
    meaning: 'No policy of the caller allows this action on this resource, or one denies it.',
    fix: 'Attach a policy (`dshub admin policy attach`).',
  },
  {
    code: 'Forbidden.Access',
    meaning: 'The caller has no role in this workspace that allows the action.',
    fix: 'Ask a workspace administrator for a role.',
  },
  {
    code: 'Forbidden.Shared',
    meaning: 'The data source was shared with the caller for reading only.',
    fix: 'Ask its owner to share it with write permission, or change it in the owning workspace.',
  },
  {
    code: 'Forbidden.WorkspaceOwner',
    meaning: 'The workspace owner cannot be removed or demoted.',
    fix: 'Transfer ownership first.',
  },
  {
    code: 'Forbidden.Workspace',
    meaning: 'The workspace is disabled (Status Forbidden): changes in it are refused.',
    fix: 'Set Status=Available with UpdateProject, or work in another workspace.',
  },
  {
    code: 'Forbidden',
    meaning: 'The action is not allowed (the code names why).',
    fix: 'Read the message.',
  },
  {
    code: '1000010005',
    meaning: 'The data source does not exist (or is not visible to the caller).',
    fix: 'Check the id and workspace.',
  },
  { code: '1000011038', meaning: 'The sharing rule does not exist.', fix: 'Check the id.' },
  { code: '1101080008', meaning: 'The workspace does not exist.', fix: 'Check the id.' },
  {
    code: '1101080166',
    meaning: 'The member does not exist in the workspace.',
    fix: 'Check the user id.',
  },
  {
    code: '400010',
    meaning: 'The user is not in the caller’s tenant.',
    fix: 'Create the user in this tenant first.',
  },
  {
    code: 'NotFound.DataSourceVersion',
    meaning:
      'The data source has no version with this number (old versions are pruned by retention).',
    fix: 'List the versions of the data source and pick an existing one.',
  },
  {
    code: 'EntityNotExist.User',
    meaning: 'RAM: no user of this name in the caller’s tenant.',
    fix: 'Check the UserName (ListUsers lists them).',
  },
  {
    code: 'EntityNotExist.User.AccessKey',
    meaning: 'RAM: the user has no AccessKey with this id.',
    fix: 'Check UserName and UserAccessKeyId (ListAccessKeys lists a user’s keys).',
  },
  {
    code: 'EntityNotExist.Policy',
    meaning: 'RAM: no policy of this name and type.',
    fix: 'Check PolicyName and PolicyType (ListPolicies lists them).',
  },
  {
    code: 'EntityNotExist.User.Policy',
    meaning: 'RAM: the policy is not attached to the user.',
    fix: 'ListPoliciesForUser shows what is attached.',
  },
  {
    code: 'EntityAlreadyExists.User',
    meaning: 'RAM: a user of this name exists already in the tenant.',
    fix: 'Choose another UserName, or use the existing user.',
  },
  {
    code: 'EntityAlreadyExists.Policy',
    meaning: 'RAM: a custom policy of this name exists already, or the name is a system policy’s.',
    fix: 'Choose another PolicyName.',
  },
  {
    code: 'EntityAlreadyExists.User.Policy',
    meaning: 'RAM: the policy is attached to the user already.',
    fix: 'Nothing to do.',
  },
  {
    code: 'DeleteConflict.User.AccessKey',
    meaning: 'RAM: a user with AccessKeys cannot be deleted.',
    fix: 'Delete its AccessKeys first (DeleteAccessKey).',
  },
  {
    code: 'DeleteConflict.User.Policy',
    meaning: 'RAM: a user with attached policies cannot be deleted.',
    fix: 'Detach them first (DetachPolicyFromUser).',
  },
  {
    code: 'DeleteConflict.User.Workspace',
    meaning: 'A user who owns a workspace cannot be deleted (dshub).',
    fix: 'Delete the workspace, or make another user its owner first.',
  },
  {
    code: 'DeleteConflict.Policy.User',
    meaning: 'RAM: a policy attached to users cannot be deleted.',
    fix: 'Detach it from every user first.',
  },
  {
    code: 'LimitExceeded.User.AccessKey',
    meaning: 'RAM: a user has at most two AccessKeys (enough to rotate one).',
    fix: 'Delete an unused key first.',
  },
  {
    code: 'Conflict.Duplicate',
    meaning: 'Something with this name already exists.',
    fix: 'Choose another name.',
  },
  {
    code: 'Conflict',
    meaning: 'The request conflicts with the current state (the code names it).',
    fix: 'Read the message, re-read the resource and retry.',
  },
  {
    code: 'Throttling.User',
    meaning:
      'Too many requests of this kind (for example connectivity tests), or too many failed signatures from your address (the message says which and for how long).',
    fix: 'Retry in a few seconds; after failed signatures, fix the AccessKey id or secret and retry once the lockout ends.',
  },
  {
    code: 'InternalError',
    meaning: 'dshub failed unexpectedly; nothing was changed.',
    fix: 'Retry; report the RequestId to the operator, who finds it in the server log.',
  },
  {
    code: 'ServiceUnavailable',
    meaning: 'The store is unreachable or the server is shutting down; nothing was changed.',
    fix: 'Retry after a moment.',
  },
];

const escapeHtml = (s: string) =>
  s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/** A RequestId as dshub makes them; anything else in the link is ignored, never echoed. */
const REQUEST_ID = /^[0-9A-Fa-f-]{8,64}$/;

/** The paragraph naming one request: where its audit events are, in the console. */
function requestParagraph(requestId: string, base: string): string {
  const q = encodeURIComponent(requestId);
  return `<p id="request">This answer's request: <code>${requestId}</code>. If its operation is audited, its event is in the <a href="${escapeHtml(base)}/console/audit?RequestId=${q}">console's audit view</a> (for the Tenant Owner and Administrators, and the Owners and Administrators of its workspace); the server log has a line with this requestId.</p>`;
}

export function renderErrorDocsHtml(request?: { requestId: string; base: string }): string {
  const rows = ERROR_DOCS.map(
    (d) =>
      `<section id="${errorAnchor(d.code)}"><h2><code>${escapeHtml(d.code)}</code> (HTTP ${FAMILY(d.code)})</h2><p>${escapeHtml(d.meaning)}</p><p><b>What to do:</b> ${escapeHtml(d.fix)}</p></section>`,
  );
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>dshub error codes</title><style>body{font:15px/1.5 system-ui,sans-serif;max-width:50rem;margin:2rem auto;padding:0 1rem}section{border-top:1px solid #ddd;padding:.5rem 0}section:target{background:#fff8d0}</style></head><body><h1>dshub error codes</h1><p>Every error answer carries a RequestId; the operator finds the request in the server log and the audit trail by it.</p>${request ? requestParagraph(request.requestId, request.base) : ''}${rows.join('')}</body></html>`;
}

export function registerErrorDocs(app: FastifyInstance): void {
  const html = renderErrorDocsHtml();
  app.get('/errors', async (req, reply) => {
    // Fastify's query parser is off (the API parses its own); Recommend links carry ?RequestId=.
    const q = req.url.indexOf('?');
    const requestId = q < 0 ? null : new URLSearchParams(req.url.slice(q + 1)).get('RequestId');
    const page =
      requestId && REQUEST_ID.test(requestId)
        ? renderErrorDocsHtml({ requestId, base: app.dshubPublicBase(req.headers) })
        : html;
    return reply.header('content-type', 'text/html; charset=utf-8').send(page);
  });
}
