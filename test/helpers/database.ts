/**
 * Databases for tests: a fresh SQLite file in a temp directory, or a fresh PostgreSQL database
 * created for the test and dropped afterwards. PostgreSQL is required in CI; elsewhere its
 * tests are skipped, with a printed notice, when it cannot be reached.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { DialectName } from '../../src/store/dialect.js';

export const PG_ADMIN_URL =
  process.env.DSHUB_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

let pgReachable: Promise<boolean> | undefined;

async function checkPostgres(): Promise<boolean> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 10_000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch (e) {
    if (process.env.CI) {
      throw new Error(
        `PostgreSQL is required in CI but unreachable at ${PG_ADMIN_URL}: ${(e as Error).message}`,
      );
    }
    process.stdout.write(
      `# notice: PostgreSQL unreachable (${(e as Error).message}); its tests are skipped\n`,
    );
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/** The dialects to run: DSHUB_TEST_DIALECTS=sqlite for the fast local loop. */
export function selectedDialects(): DialectName[] {
  const wanted = (process.env.DSHUB_TEST_DIALECTS ?? 'sqlite,postgres')
    .split(',')
    .map((s) => s.trim());
  return (['sqlite', 'postgres'] as const).filter((d) => wanted.includes(d));
}

/** Resolves to the reason to skip a dialect's tests, or false to run them. */
export async function skipDialect(dialect: DialectName): Promise<string | false> {
  if (dialect !== 'postgres') return false;
  pgReachable ??= checkPostgres();
  return (await pgReachable) ? false : 'PostgreSQL unreachable';
}

export interface TestDatabase {
  dialect: DialectName;
  dataDir: string;
  /** DSHUB_DATABASE_URL for PostgreSQL; undefined for SQLite (a file in dataDir). */
  url: string | undefined;
  drop(): Promise<void>;
}

export async function createTestDatabase(dialect: DialectName): Promise<TestDatabase> {
  const dataDir = mkdtempSync(join(tmpdir(), 'dshub-test-'));
  if (dialect === 'sqlite') {
    return {
      dialect,
      dataDir,
      url: undefined,
      drop: async () => rmSync(dataDir, { recursive: true, force: true }),
    };
  }
  const name = `dshub_test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    dialect,
    dataDir,
    url: url.toString(),
    async drop() {
      rmSync(dataDir, { recursive: true, force: true });
      const c = new pg.Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      try {
        await c.query(`drop database if exists ${name} with (force)`);
      } finally {
        await c.end();
      }
    },
  };
}
