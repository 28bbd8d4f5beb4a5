import type { JsonObject } from './json.js';

export type EnvType = 'Dev' | 'Prod';

export type Category = 'relational' | 'analytics' | 'storage' | 'messaging' | 'nosql' | 'other';

/** The connectivity probe plugin that can test a data source of this type. */
export type ProbeFamily = 'mysql' | 'postgres' | 'redis' | 'http' | 'kafka' | 'tcp' | 'none';

export interface DataSourceTypeInfo {
  name: string;
  displayName: string;
  category: string;
  modes: string[];
  probe: ProbeFamily;
}

/** How a type is declared inside the registry (one entry per DataWorks type value). */
export interface TypeDefinition {
  name: string;
  displayName: string;
  category: Category;
  probe: ProbeFamily;
  /** Type segment of QualifiedName when DataWorks spells it differently (hologres → holo). */
  qualifiedNameAlias?: string;
  /** ConnectionPropertiesMode → JSON Schema of ConnectionProperties; key order = mode order. */
  schemas: Readonly<Record<string, JsonObject>>;
}

export type ValidationResult =
  | { ok: true; value: JsonObject; envType: EnvType }
  | { ok: false; path: string; rule: string; message: string };
