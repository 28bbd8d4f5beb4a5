/**
 * Driver errors translated in one place per dialect. Services narrow these further
 * (e.g. a unique violation on data source names becomes a duplicate-name conflict).
 */
export type StoreErrorKind = 'unique' | 'foreign_key' | 'unavailable';

export class StoreError extends Error {
  override readonly name = 'StoreError';
  constructor(
    readonly kind: StoreErrorKind,
    /** The constraint or column that failed, when the driver says. */
    readonly constraint: string | undefined,
    override readonly cause: unknown,
  ) {
    super(`store: ${kind}${constraint ? ` (${constraint})` : ''}`);
  }
}

interface DriverError {
  code?: unknown;
  constraint?: unknown;
  message?: unknown;
}

const PG_CODES: Record<string, StoreErrorKind> = {
  '23505': 'unique',
  '23503': 'foreign_key',
  '57P01': 'unavailable',
  '08006': 'unavailable',
  '08001': 'unavailable',
  '08003': 'unavailable',
};
const PG_NET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND']);

const SQLITE_CODES: Record<string, StoreErrorKind> = {
  SQLITE_CONSTRAINT_UNIQUE: 'unique',
  SQLITE_CONSTRAINT_PRIMARYKEY: 'unique',
  SQLITE_CONSTRAINT_FOREIGNKEY: 'foreign_key',
  SQLITE_BUSY: 'unavailable',
  SQLITE_CANTOPEN: 'unavailable',
};

/** Returns the translated error, or undefined when it is not a known store condition. */
export function translateStoreError(e: unknown): StoreError | undefined {
  if (e instanceof StoreError) return e;
  if (typeof e !== 'object' || e === null) return undefined;
  const d = e as DriverError;
  const code = typeof d.code === 'string' ? d.code : undefined;
  if (!code) return undefined;
  const pgKind = PG_CODES[code];
  if (pgKind)
    return new StoreError(pgKind, typeof d.constraint === 'string' ? d.constraint : undefined, e);
  if (PG_NET_CODES.has(code)) return new StoreError('unavailable', undefined, e);
  const sqliteKind = SQLITE_CODES[code];
  if (sqliteKind) {
    // SQLite names the columns in its message ("UNIQUE constraint failed: t.a, t.b"); that text
    // is the only place it says which constraint failed.
    const m = typeof d.message === 'string' ? /failed: (.+)$/.exec(d.message) : null;
    return new StoreError(sqliteKind, m?.[1], e);
  }
  return undefined;
}

export function isUniqueViolation(e: unknown): boolean {
  return translateStoreError(e)?.kind === 'unique';
}
