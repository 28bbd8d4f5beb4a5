/**
 * RAM-style policies: documents of statements with Effect Allow/Deny and Action patterns
 * (`dataworks:*`, `dataworks:List*`). An explicit Deny wins over any Allow; no Allow means no.
 */
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
} as const;

export type BuiltinPolicyName = keyof typeof BUILTIN_POLICIES;

export function isBuiltinPolicy(name: string): name is BuiltinPolicyName {
  return Object.hasOwn(BUILTIN_POLICIES, name);
}

const stringOrList = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);
const statement = z.object({
  Effect: z.enum(['Allow', 'Deny']),
  Action: stringOrList,
  Resource: stringOrList.optional(),
});
const documentSchema = z.object({
  Version: z.string().optional(),
  Statement: z.array(statement).min(1),
});

export type PolicyDocument = z.infer<typeof documentSchema>;

export interface CompiledPolicy {
  name: string;
  allow: RegExp[];
  deny: RegExp[];
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

export function compilePolicy(name: string, doc: PolicyDocument): CompiledPolicy {
  const allow: RegExp[] = [];
  const deny: RegExp[] = [];
  for (const st of doc.Statement) {
    const actions = Array.isArray(st.Action) ? st.Action : [st.Action];
    (st.Effect === 'Allow' ? allow : deny).push(...actions.map(patternToRegExp));
  }
  return { name, allow, deny };
}

export type PolicyDecision = 'allow' | 'deny' | 'implicit-deny';

export function evaluatePolicies(
  policies: readonly CompiledPolicy[],
  action: string,
): PolicyDecision {
  let allowed = false;
  for (const p of policies) {
    if (p.deny.some((r) => r.test(action))) return 'deny';
    if (!allowed && p.allow.some((r) => r.test(action))) allowed = true;
  }
  return allowed ? 'allow' : 'implicit-deny';
}

export function compileBuiltin(name: BuiltinPolicyName): CompiledPolicy {
  return compilePolicy(name, BUILTIN_POLICIES[name] as unknown as PolicyDocument);
}
