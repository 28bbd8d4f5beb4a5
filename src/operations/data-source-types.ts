/**
 * Extensions: the catalog of data source types and the JSON Schema of each type's
 * ConnectionProperties per mode, the same schema that validates CreateDataSource and
 * UpdateDataSource. The catalog is public knowledge, so any authenticated caller may read it.
 */
import {
  findDataSourceType,
  getTypeSchema,
  listDataSourceTypes,
} from '../datasource-types/registry.js';
import { errors } from '../errors.js';
import { p } from '../registry/params.js';
import { s } from '../registry/schema.js';
import { defineOperation } from './context.js';

const typeInfo = s.object({
  Type: s.string('The Type value, e.g. mysql.'),
  DisplayName: s.string('The product name, e.g. MySQL.'),
  Category: s.string('relational, analytics, storage, messaging, nosql or other.'),
  ConnectionPropertiesModes: s.array(s.string(), 'Modes the type accepts; the first is the usual.'),
  ConnectivityProbe: s.string(
    'The TestDataSourceConnectivity probe family: mysql, postgres, redis, http, kafka, tcp or none.',
  ),
});

export const listDataSourceTypesOp = defineOperation({
  action: 'ListDataSourceTypes',
  summary: 'The data source types dshub knows, with their ConnectionProperties modes.',
  method: 'GET',
  extension: true,
  params: {
    Category: p.string({
      description: 'Keep one category: relational, analytics, storage, messaging, nosql, other.',
      maxLength: 32,
    }),
  },
  response: { DataSourceTypes: s.array(typeInfo) },
  access: 'any-caller',
  audit: false,
  readOnly: true,
  async handler({ access }, q) {
    access.decidedByHandler();
    const types = listDataSourceTypes().filter(
      (t) => q.Category === undefined || q.Category === '' || t.category === q.Category,
    );
    return {
      DataSourceTypes: types.map((t) => ({
        Type: t.name,
        DisplayName: t.displayName,
        Category: t.category,
        ConnectionPropertiesModes: t.modes,
        ConnectivityProbe: t.probe,
      })),
    };
  },
});

export const getDataSourceTypeSchema = defineOperation({
  action: 'GetDataSourceTypeSchema',
  summary: 'The JSON Schema of ConnectionProperties for one type and mode.',
  description:
    'Secret fields carry "x-secret": true: they are stored encrypted and shown as "******". The schema is the one CreateDataSource and UpdateDataSource validate with.',
  method: 'GET',
  extension: true,
  params: {
    Type: p.string({ description: 'The type, e.g. mysql.', required: true, maxLength: 64 }),
    Mode: p.string({
      description: 'The ConnectionPropertiesMode; omitted: the type’s first mode.',
      maxLength: 64,
    }),
  },
  response: {
    Type: s.string(),
    Mode: s.string(),
    ConnectionPropertiesModes: s.array(s.string()),
    Schema: s.any('A JSON Schema (draft-07) object.'),
  },
  access: 'any-caller',
  audit: false,
  readOnly: true,
  async handler({ access }, q) {
    access.decidedByHandler();
    const info = findDataSourceType(q.Type);
    if (!info) {
      throw errors.invalidParameter(
        'Type',
        `"${q.Type}" is not a data source type; ListDataSourceTypes lists them.`,
      );
    }
    const mode = q.Mode || info.modes[0]!;
    const schema = getTypeSchema(info.name, mode);
    if (!schema) {
      throw errors.invalidParameter('Mode', `type ${info.name} supports ${info.modes.join(', ')}.`);
    }
    return { Type: info.name, Mode: mode, ConnectionPropertiesModes: info.modes, Schema: schema };
  },
});

export const operations = [listDataSourceTypesOp, getDataSourceTypeSchema];
