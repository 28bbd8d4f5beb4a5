/**
 * RAM-style policies: documents of statements with Effect Allow/Deny, Action patterns
 * (`dataworks:*`, `dataworks:List*`), optionally a Resource (a workspace or a data source) and a
 * source-IP Condition. An explicit Deny wins over any Allow; no Allow means no. A document with
 * any element dshub cannot evaluate is refused when it is attached, never silently widened.
 */
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { z } from 'zod';

export const BUILTIN_POLICIES = {
  AliyunDataWorksFullAccess: {
    Version: '1',
    Statement: [{ Effect: 'Allow', Action: 'dataworks:*', Resource: '*' }],
  },
  AliyunDataWorksReadOnlyAccess: {
    Version: '1',
    Statement: [{ Effect: 'Allow', Action: ['dataworks:Get*', 'dataworks:List*'], Resource: '*' }],
  },
  AliyunRAMFullAccess: {
    Version: '1',
    Statement: [{ Effect: 'Allow', Action: 'ram:*', Resource: '*' }],
  },
  AliyunRAMReadOnlyAccess: {
    Version: '1',
    Statement: [{ Effect: 'Allow', Action: ['ram:Get*', 'ram:List*'], Resource: '*' }],
  },
} as const;

/** RAM's Description of each system policy (ListPolicies, ListPoliciesForUser). */
export const POLICY_DESCRIPTIONS: Record<keyof typeof BUILTIN_POLICIES, string> = {
  AliyunDataWorksFullAccess: 'Provides full access to DataWorks.',
  AliyunDataWorksReadOnlyAccess: 'Provides read-only access to DataWorks (Get* and List*).',
  AliyunRAMFullAccess: 'Provides full access to users, AccessKeys and policies (RAM).',
  AliyunRAMReadOnlyAccess: 'Provides read-only access to users, AccessKeys and policies (RAM).',
};

export type BuiltinPolicyName = keyof typeof BUILTIN_POLICIES;

export function isBuiltinPolicy(name: string): name is BuiltinPolicyName {
  return Object.hasOwn(BUILTIN_POLICIES, name);
}

const stringOrList = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);

/**
 * Resources dshub can evaluate: everything, one workspace, or one data source (ids may use the
 * * and ? wildcards): `acs:dataworks:<region>:<account>:workspace/<id>` and `.../datasource/<id>`.
 */
const RESOURCE =
  /^acs:dataworks:[A-Za-z0-9*?-]*:[A-Za-z0-9*?-]*:(?:\*|(?:workspace|datasource)\/[0-9*?]+)$/;
const RESOURCE_HELP =
  "use '*', acs:dataworks:*:*:workspace/<ProjectId> or acs:dataworks:*:*:datasource/<DataSourceId>";
const SOURCE_IP_KEY = 'acs:sourceip';
const CONDITION_HELP =
  'dshub evaluates only {"IpAddress":{"acs:SourceIp":[...]}} and {"NotIpAddress":{"acs:SourceIp":[...]}}';

const condition = z.record(z.string(), z.record(z.string(), stringOrList)).superRefine((c, ctx) => {
  for (const [operator, keys] of Object.entries(c)) {
    if (operator !== 'IpAddress' && operator !== 'NotIpAddress') {
      ctx.addIssue({
        code: 'custom',
        message: `the condition operator ${operator} cannot be evaluated: ${CONDITION_HELP}`,
      });
      continue;
    }
    for (const [key, values] of Object.entries(keys)) {
      if (key.toLowerCase() !== SOURCE_IP_KEY) {
        ctx.addIssue({
          code: 'custom',
          message: `the condition key ${key} cannot be evaluated: ${CONDITION_HELP}`,
        });
        continue;
      }
      for (const v of Array.isArray(values) ? values : [values]) {
        if (!isNetwork(v)) {
          ctx.addIssue({
            code: 'custom',
            message: `${v} is not an IP address or network like 10.0.0.0/8`,
          });
        }
      }
    }
  }
});

const statement = z
  .object({
    Sid: z.string().optional(),
    Effect: z.enum(['Allow', 'Deny']),
    Action: stringOrList,
    Resource: stringOrList
      .refine((r) => (Array.isArray(r) ? r : [r]).every((x) => x === '*' || RESOURCE.test(x)), {
        message: `a Resource cannot be evaluated: ${RESOURCE_HELP}`,
      })
      .optional(),
    Condition: condition.optional(),
  })
  // NotAction, NotResource, Principal and anything else would be silently ignored: refuse them.
  .strict();
const documentSchema = z
  .object({
    Version: z.string().optional(),
    Statement: z.array(statement).min(1),
  })
  .strict();

export type PolicyDocument = z.infer<typeof documentSchema>;

type Range = [ipaddr.IPv4 | ipaddr.IPv6, number];

interface CompiledStatement {
  actions: RegExp[];
  /** Undefined: every resource. */
  resources: RegExp[] | undefined;
  /** Every condition must hold for the statement to apply. */
  sourceIp: Array<{ ranges: Range[]; negate: boolean }>;
}

export interface CompiledPolicy {
  name: string;
  allow: CompiledStatement[];
  deny: CompiledStatement[];
  /** True when a statement names a workspace: the caller then resolves a data source's workspace. */
  namesWorkspace: boolean;
}

/** What one request touches, as far as the policy layer can tell before the handler runs. */
export interface PolicyRequest {
  /**
   * Each thing the request touches, by every name that identifies it: a workspace as
   * `acs:dataworks:<region>:<tenant>:workspace/<id>`, a data source as `.../datasource/<id>`
   * together with its workspace's name (a statement naming the workspace covers it).
   */
  targets: string[][];
  /** True when the request touches something not listed (the rule of a sharing operation). */
  incomplete?: boolean;
  sourceIp?: string;
}

/** Only the standard spellings (10.0.0.0/8, fd00::/8): no "10.0.0/8" or "0x0a000000". */
function isNetwork(text: string): boolean {
  const [address = '', prefix, extra] = text.split('/');
  const version = isIP(address);
  if (version === 0 || extra !== undefined) return false;
  return (
    prefix === undefined ||
    (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (version === 4 ? 32 : 128))
  );
}

function toRange(text: string): Range {
  const [address, prefix] = text.includes('/')
    ? ipaddr.parseCIDR(text)
    : [ipaddr.parse(text), text.includes(':') ? 128 : 32];
  // An IPv4-mapped network is the IPv4 network, as in the connectivity policy.
  if (address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress() && prefix >= 96)
    return [(address as ipaddr.IPv6).toIPv4Address(), prefix - 96];
  return [address, prefix];
}

/** Parses a policy document (JSON text); throws an Error whose message says what is wrong. */
export function parsePolicyDocument(text: string): PolicyDocument {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error('the policy document is not valid JSON');
  }
  const r = documentSchema.safeParse(json);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new Error(
      `the policy document is not valid: ${i.path.join('.') || 'document'}: ${i.message}`,
    );
  }
  return r.data;
}

function patternToRegExp(pattern: string): RegExp {
  const body = pattern
    .split('')
    .map((ch) => (ch === '*' ? '.*' : ch === '?' ? '.' : ch.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  // RAM matches action names case-insensitively.
  return new RegExp(`^${body}$`, 'i');
}

const list = (v: string | string[]) => (Array.isArray(v) ? v : [v]);

export function compilePolicy(name: string, doc: PolicyDocument): CompiledPolicy {
  const allow: CompiledStatement[] = [];
  const deny: CompiledStatement[] = [];
  let namesWorkspace = false;
  for (const st of doc.Statement) {
    const resources =
      st.Resource === undefined || list(st.Resource).includes('*')
        ? undefined
        : list(st.Resource).map(patternToRegExp);
    if (st.Resource !== undefined && list(st.Resource).some((r) => r.includes(':workspace/')))
      namesWorkspace = true;
    const sourceIp = Object.entries(st.Condition ?? {}).flatMap(([operator, keys]) =>
      Object.values(keys).map((values) => ({
        ranges: list(values).map(toRange),
        negate: operator === 'NotIpAddress',
      })),
    );
    (st.Effect === 'Allow' ? allow : deny).push({
      actions: list(st.Action).map(patternToRegExp),
      resources,
      sourceIp,
    });
  }
  return { name, allow, deny, namesWorkspace };
}

function ipOf(text: string | undefined): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  if (text === undefined || !ipaddr.isValid(text)) return undefined;
  return ipaddr.process(text);
}

/**
 * Whether a statement applies to the request. Anything the policy layer cannot establish counts
 * against the caller: an Allow applies only when every resource of the request is named and the
 * conditions provably hold; a Deny applies unless they provably do not.
 */
function applies(
  st: CompiledStatement,
  action: string,
  req: PolicyRequest | undefined,
  effect: 'allow' | 'deny',
): boolean {
  if (!st.actions.some((r) => r.test(action))) return false;
  const strict = effect === 'allow';
  if (st.resources !== undefined) {
    const named = req?.targets ?? [];
    const known = named.length > 0 && !req?.incomplete;
    const hit = (names: string[]) => names.some((n) => st.resources!.some((r) => r.test(n)));
    if (strict) {
      if (!known || !named.every(hit)) return false;
    } else if (known && !named.some(hit)) {
      return false;
    }
  }
  if (st.sourceIp.length > 0) {
    const ip = ipOf(req?.sourceIp);
    for (const c of st.sourceIp) {
      if (ip === undefined) {
        if (strict) return false;
        continue;
      }
      const inside = c.ranges.some(([a, bits]) => a.kind() === ip.kind() && ip.match(a, bits));
      if (inside === c.negate) return false;
    }
  }
  return true;
}

export type PolicyDecision = 'allow' | 'deny' | 'implicit-deny';

/** A policy verdict with what it rests on, for ExplainDataSourceAccess. */
export interface PolicyVerdict {
  decision: PolicyDecision;
  /** The policy whose Deny refused, or the first whose Allow allowed. */
  policy?: string;
  /**
   * A statement for this action has a source-IP condition: the verdict may differ by the
   * address a request comes from (evaluated here for the request's address, if any).
   */
  conditional: boolean;
}

/** The policy layer: an explicit Deny wins, then any Allow, else an implicit deny. */
export function explainPolicies(
  policies: readonly CompiledPolicy[],
  action: string,
  request?: PolicyRequest,
): PolicyVerdict {
  let allowedBy: string | undefined;
  let conditional = false;
  for (const p of policies) {
    for (const st of [...p.deny, ...p.allow]) {
      if (st.sourceIp.length > 0 && st.actions.some((r) => r.test(action))) conditional = true;
    }
    if (p.deny.some((st) => applies(st, action, request, 'deny'))) {
      return { decision: 'deny', policy: p.name, conditional };
    }
    if (allowedBy === undefined && p.allow.some((st) => applies(st, action, request, 'allow')))
      allowedBy = p.name;
  }
  return allowedBy !== undefined
    ? { decision: 'allow', policy: allowedBy, conditional }
    : { decision: 'implicit-deny', conditional };
}

export function evaluatePolicies(
  policies: readonly CompiledPolicy[],
  action: string,
  request?: PolicyRequest,
): PolicyDecision {
  return explainPolicies(policies, action, request).decision;
}

export function compileBuiltin(name: BuiltinPolicyName): CompiledPolicy {
  return compilePolicy(name, BUILTIN_POLICIES[name] as unknown as PolicyDocument);
}
