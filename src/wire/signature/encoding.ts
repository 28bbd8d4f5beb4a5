/**
 * Percent-encoding and parameter canonicalisation shared by both signature schemes
 * (docs/WIRE.md §3 and §4).
 */

// Most names and values (ids, digits, hex nonces, action names) need no escaping at all: one
// regex test lets them through without allocating.
const NEEDS_ESCAPE = /[^A-Za-z0-9\-_.~]/;
// encodeURIComponent leaves exactly these five RFC 3986 sub-delimiters raw.
const LEFT_RAW = /[!'()*]/;
const LEFT_RAW_ALL = /[!'()*]/g;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

const LEFT_RAW_ESCAPES: Readonly<Record<string, string>> = {
  '!': '%21',
  "'": '%27',
  '(': '%28',
  ')': '%29',
  '*': '%2A',
};

function escapeLeftRaw(c: string): string {
  return LEFT_RAW_ESCAPES[c]!;
}

/**
 * RFC 3986 percent-encoding of the UTF-8 bytes of `s`: only `A-Z a-z 0-9 - _ . ~` stay literal,
 * everything else becomes `%XX` with upper-case hex.
 */
export function rfc3986(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return s;
  let e: string;
  try {
    e = encodeURIComponent(s);
  } catch {
    // encodeURIComponent throws on lone surrogates; Buffer's UTF-8 encoder (which the clients
    // use for the bytes they sign) writes U+FFFD for them, so do the same rather than fail.
    e = encodeURIComponent(s.replace(LONE_SURROGATE, '\uFFFD'));
  }
  return LEFT_RAW.test(e) ? e.replace(LEFT_RAW_ALL, escapeLeftRaw) : e;
}

export type ParamList = ReadonlyArray<readonly [string, string]>;

// Above this many parameters the built-in (stable, O(n log n)) sort takes over from insertion
// sort, so a request stuffed with parameters cannot make canonicalisation quadratic.
const INSERTION_SORT_LIMIT = 32;

function encodeInto(
  list: ParamList,
  skip: string | undefined,
  names: string[],
  pairs: string[],
): void {
  for (let i = 0; i < list.length; i++) {
    const [name, value] = list[i]!;
    if (name === skip) continue;
    const encoded = rfc3986(name);
    names.push(encoded);
    pairs.push(encoded + '=' + rfc3986(value));
  }
}

/**
 * `rfc3986(name)=rfc3986(value)` for every pair of `first` then `second` (except those named
 * `skip`), ordered by encoded name, duplicates kept in arrival order, joined with `&`.
 */
export function canonicalParams(first: ParamList, second: ParamList, skip?: string): string {
  const names: string[] = [];
  const pairs: string[] = [];
  encodeInto(first, skip, names, pairs);
  encodeInto(second, skip, names, pairs);
  const n = names.length;
  if (n === 0) return '';
  if (n === 1) return pairs[0]!;
  if (n <= INSERTION_SORT_LIMIT) {
    // Clients usually send parameters already sorted, which makes this a single linear pass.
    for (let i = 1; i < n; i++) {
      const name = names[i]!;
      const pair = pairs[i]!;
      let j = i;
      while (j > 0 && names[j - 1]! > name) {
        names[j] = names[j - 1]!;
        pairs[j] = pairs[j - 1]!;
        j--;
      }
      names[j] = name;
      pairs[j] = pair;
    }
    return pairs.join('&');
  }
  const order = Array.from({ length: n }, (_, i) => i);
  order.sort((a, b) => {
    const na = names[a]!;
    const nb = names[b]!;
    return na < nb ? -1 : na > nb ? 1 : a - b;
  });
  let out = pairs[order[0]!]!;
  for (let i = 1; i < n; i++) out += '&' + pairs[order[i]!]!;
  return out;
}
