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
  /**
   * The longest this server lets the operation run (`x-dshub-time-budget-ms`, written into the
   * document from the server's settings, e.g. TestDataSourceConnectivity's whole-test budget).
   */
  timeBudgetMs?: number;
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
        ...(typeof op['x-dshub-time-budget-ms'] === 'number'
          ? { timeBudgetMs: op['x-dshub-time-budget-ms'] }
          : {}),
      });
    }
  }
  return out.sort((a, b) => a.action.localeCompare(b.action));
}

/** The registry as this server describes it; read once per page load (it changes only on restart). */
export const openApiQuery = {
  queryKey: ['openapi.json'],
  queryFn: async (): Promise<OperationDecl[]> => {
    const res = await fetch('/openapi.json', { credentials: 'omit' });
    if (!res.ok) throw new Error(`/openapi.json answered HTTP ${res.status}`);
    return operationsFrom((await res.json()) as Json);
  },
  staleTime: Number.POSITIVE_INFINITY,
};
