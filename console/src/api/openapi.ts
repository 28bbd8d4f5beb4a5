/** The registry as /openapi.json describes it, reduced to what the Explorer needs. */
export interface ParamDecl {
  name: string;
  /** Where Alibaba's SDK puts it (x-sdk-placement): the generated code does the same. */
  placement: 'query' | 'body';
  required: boolean;
  description: string;
  type: string;
  enum?: string[];
  /** "json": a JSON-text array or object (a "shrink" parameter); "simple": a comma list. */
  shrink?: 'json' | 'simple';
  example?: string;
}

export interface OperationDecl {
  action: string;
  /** x-acs-version: 2024-05-18 (DataWorks) or 2015-05-01 (RAM). */
  version: string;
  method: 'GET' | 'POST';
  summary: string;
  description: string;
  extension: boolean;
  params: ParamDecl[];
}

type Json = Record<string, unknown>;

export function operationsFrom(doc: Json): OperationDecl[] {
  const out: OperationDecl[] = [];
  for (const item of Object.values((doc.paths ?? {}) as Record<string, Json>)) {
    for (const [method, raw] of Object.entries(item)) {
      const op = raw as Json;
      const params = ((op.parameters ?? []) as Json[]).map((p): ParamDecl => {
        const schema = (p.schema ?? {}) as Json;
        const shrink = schema['x-shrink'];
        return {
          name: String(p.name),
          placement: p['x-sdk-placement'] === 'body' ? 'body' : 'query',
          required: p.required === true,
          description: String(p.description ?? ''),
          type: String(schema.type ?? 'string'),
          ...(Array.isArray(schema.enum) ? { enum: schema.enum.map(String) } : {}),
          ...(shrink === 'json' || shrink === 'simple' ? { shrink } : {}),
          ...(typeof schema.example === 'string' ? { example: schema.example } : {}),
        };
      });
      out.push({
        action: String(op['x-acs-action'] ?? op.operationId),
        version: String(op['x-acs-version'] ?? '2024-05-18'),
        method: method.toUpperCase() === 'GET' ? 'GET' : 'POST',
        summary: String(op.summary ?? ''),
        description: String(op.description ?? ''),
        extension: ((op.tags ?? []) as string[]).some((t) => t !== 'DataWorks' && t !== 'RAM'),
        params,
      });
    }
  }
  return out.sort((a, b) => a.action.localeCompare(b.action));
}
