/** The catalog of data source types: one definition per DataWorks `Type` value. */
import { analyticsTypes } from './families/analytics.js';
import { messagingTypes } from './families/messaging.js';
import { nosqlTypes } from './families/nosql.js';
import { relationalTypes } from './families/relational.js';
import { storageTypes } from './families/storage.js';
import { cloneJson, type JsonObject } from './json.js';
import type { DataSourceTypeInfo, TypeDefinition } from './types.js';

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

function buildCatalog(): ReadonlyMap<string, TypeDefinition> {
  const catalog = new Map<string, TypeDefinition>();
  const all = [
    ...relationalTypes,
    ...analyticsTypes,
    ...storageTypes,
    ...messagingTypes,
    ...nosqlTypes,
  ];
  for (const definition of all) {
    if (catalog.has(definition.name)) {
      throw new Error(`data source type ${definition.name} is declared twice`);
    }
    // Frozen because compiled validators and cached answers share these objects.
    catalog.set(definition.name, deepFreeze(definition));
  }
  return catalog;
}

const CATALOG = buildCatalog();

export function typeDefinition(name: string): TypeDefinition | undefined {
  return CATALOG.get(name);
}

/** The registry's own (frozen) schema object; callers outside the module get copies. */
export function schemaFor(type: string, mode: string): JsonObject | undefined {
  const schemas = CATALOG.get(type)?.schemas;
  // hasOwn: a mode named like an Object.prototype member must not resolve to it.
  return schemas && Object.hasOwn(schemas, mode) ? schemas[mode] : undefined;
}

function info(definition: TypeDefinition): DataSourceTypeInfo {
  return {
    name: definition.name,
    displayName: definition.displayName,
    category: definition.category,
    modes: Object.keys(definition.schemas),
    probe: definition.probe,
  };
}

/** All known types, sorted by name so that listings are stable. */
export function listDataSourceTypes(): DataSourceTypeInfo[] {
  return [...CATALOG.values()].map(info).sort((a, b) => (a.name < b.name ? -1 : 1));
}

/** Exact, lower-case type name as DataWorks spells it (`mysql`, `analyticdb_for_mysql`). */
export function findDataSourceType(name: string): DataSourceTypeInfo | undefined {
  const definition = CATALOG.get(name);
  return definition ? info(definition) : undefined;
}

/** The JSON Schema of ConnectionProperties for GetDataSourceTypeSchema (a copy). */
export function getTypeSchema(type: string, mode: string): JsonObject | undefined {
  const schema = schemaFor(type, mode);
  return schema ? cloneJson(schema) : undefined;
}
