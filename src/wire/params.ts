/**
 * Request parameters are the union of the URL query and an x-www-form-urlencoded body
 * (docs/WIRE.md §2); the body wins on a conflict. pop-core's flattened arrays (`Types.1`,
 * `Types.2`) are gathered into one list value.
 */
import type { RawValue } from '../registry/params.js';

export type Pairs = Array<[string, string]>;

export function parsePairs(text: string): Pairs {
  if (text.length === 0) return [];
  const out: Pairs = [];
  for (const [k, v] of new URLSearchParams(text)) out.push([k, v]);
  return out;
}

const FLAT = /^(.+)\.(\d{1,4})$/;

export class RequestParams {
  private readonly values = new Map<string, string>();
  private flat: Map<string, Array<[number, string]>> | undefined;

  constructor(query: Pairs, form: Pairs) {
    this.add(query);
    this.add(form);
  }

  private add(list: Pairs): void {
    for (const [k, v] of list) {
      this.values.set(k, v);
      const m = k.includes('.') ? FLAT.exec(k) : null;
      if (m) {
        this.flat ??= new Map();
        const items = this.flat.get(m[1]!) ?? [];
        items.push([Number(m[2]), v]);
        this.flat.set(m[1]!, items);
      }
    }
  }

  get(name: string): string | undefined {
    return this.values.get(name);
  }

  /** The raw value of a declared parameter, as one value or as flattened items. */
  raw(name: string): RawValue | undefined {
    const v = this.values.get(name);
    if (v !== undefined) return { value: v };
    const items = this.flat?.get(name);
    if (items) return { items: items.sort((a, b) => a[0] - b[0]).map(([, x]) => x) };
    return undefined;
  }
}
