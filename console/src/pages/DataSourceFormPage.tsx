import {
  Alert,
  Anchor,
  Button,
  Group,
  Loader,
  Paper,
  Select,
  SimpleGrid,
  Stack,
  Text,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core';
import Form from '@rjsf/mantine';
import type { ErrorSchema, RJSFSchema, UiSchema } from '@rjsf/utils';
import { useMemo, useState } from 'react';
import { useLocation, useParams } from 'wouter';
import { ApiCallError } from '../api/client';
import { errorSchemaFor } from '../api/form-errors';
import { useApiMutation, useRead } from '../api/hooks';
import { NEW_DATA_SOURCE, reads } from '../api/reads';
import { apiValidator } from '../api/schema-validator';
import type { DataSourceRecord, DataSourceType } from '../api/types';
import { ErrorPanel } from '../components/ErrorPanel';
import { useLinkProps } from '../components/nav';
import { DATA_SOURCE_NAME } from './DataSourcePage';

type Json = Record<string, unknown>;
export const MASK = '******';

/**
 * The schema as the form shows it: numeric strings are edited as integers, and open objects
 * get no "add property" button (unknown keys in existing data are kept as they are).
 */
export function formSchema(schema: Json): Json {
  const walk = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(walk);
    if (typeof node !== 'object' || node === null) return node;
    const out: Json = {};
    for (const [k, v] of Object.entries(node as Json)) {
      if (k === '$schema' || k === 'examples') continue;
      if (k === 'additionalProperties' && v === true) continue;
      out[k] = walk(v);
    }
    if ((node as Json)['x-numeric-string'] === true) {
      out.type = 'integer';
      delete out.pattern;
    }
    return out;
  };
  return walk(schema) as Json;
}

/** Secret fields (x-secret) as password inputs, wherever they appear (branches included). */
export function secretUiSchema(schema: Json): UiSchema {
  const ui: Record<string, unknown> = {};
  const visit = (node: Json, target: Record<string, unknown>) => {
    const props = node.properties as Record<string, Json> | undefined;
    for (const [name, s] of Object.entries(props ?? {})) {
      if (s['x-secret'] === true) {
        target[name] = {
          'ui:widget': 'password',
          'ui:help': 'Secret: stored encrypted. On edit, leave ****** to keep the current value.',
        };
      } else if (s.type === 'object' && s.properties) {
        const child = (target[name] as Record<string, unknown>) ?? {};
        visit(s, child);
        target[name] = child;
      } else if (s.type === 'array' && typeof s.items === 'object') {
        const child: Record<string, unknown> = {};
        visit(s.items as Json, child);
        if (Object.keys(child).length) target[name] = { items: child };
      }
    }
    for (const key of ['allOf', 'anyOf', 'oneOf']) {
      for (const branch of (node[key] as Json[] | undefined) ?? []) {
        visit(branch, target);
        if (branch.then) visit(branch.then as Json, target);
        if (branch.else) visit(branch.else as Json, target);
      }
    }
    if (node.then) visit(node.then as Json, target);
    if (node.else) visit(node.else as Json, target);
  };
  visit(schema, ui);
  ui['ui:submitButtonOptions'] = { norender: true };
  return ui as UiSchema;
}

interface SchemaAnswer {
  Type: string;
  Mode: string;
  ConnectionPropertiesModes: string[];
  Schema: Json;
}

function ConnectionForm({
  type,
  mode,
  formData,
  onChange,
  extraErrors,
}: {
  type: string;
  mode: string;
  formData: Json;
  onChange: (v: Json) => void;
  extraErrors: ErrorSchema | undefined;
}) {
  const q = useRead<SchemaAnswer>(reads.schema(type, mode));
  const schema = useMemo(() => (q.data ? formSchema(q.data.Schema) : null), [q.data]);
  const ui = useMemo(() => (schema ? secretUiSchema(schema) : {}), [schema]);
  if (q.isLoading) return <Loader aria-label="Loading the type's schema" />;
  if (q.error) return <ErrorPanel error={q.error} />;
  if (!schema) return null;
  return (
    <Form
      schema={schema as RJSFSchema}
      uiSchema={ui}
      formData={formData}
      validator={apiValidator}
      onChange={(e) => onChange(e.formData as Json)}
      extraErrors={extraErrors}
      showErrorList={false}
      noHtml5Validate
      liveOmit={false}
      idPrefix="cp"
      tagName="div"
    />
  );
}

export default function DataSourceFormPage() {
  const { pid, id } = useParams<{ pid: string; id?: string }>();
  const editing = id !== undefined;
  const [, navigate] = useLocation();
  const link = useLinkProps();
  const types = useRead<{ DataSourceTypes: DataSourceType[] }>(reads.types());
  const existing = useRead<{ DataSource: DataSourceRecord }>(reads.dataSource(id ?? ''), {
    enabled: editing,
  });
  const create = useApiMutation<{ Id: number }>('CreateDataSource');
  const update = useApiMutation('UpdateDataSource');
  const [name, setName] = useState('');
  const [type, setType] = useState<string | null>(editing ? null : NEW_DATA_SOURCE.type);
  const [mode, setMode] = useState<string | null>(editing ? null : NEW_DATA_SOURCE.mode);
  const [description, setDescription] = useState('');
  const [data, setData] = useState<Json>({ envType: 'Dev' });
  const [loadedId, setLoadedId] = useState<number | null>(null);

  const ds = existing.data?.DataSource;
  if (editing && ds && loadedId !== ds.Id) {
    setLoadedId(ds.Id);
    setName(ds.Name ?? '');
    setType(ds.Type ?? null);
    setMode(ds.ConnectionPropertiesMode);
    setDescription(ds.Description ?? '');
    setData(ds.ConnectionProperties);
  }
  const typeInfo = types.data?.DataSourceTypes.find((t) => t.Type === type);
  const modes = typeInfo?.ConnectionPropertiesModes ?? [];
  // Until the types answer, the mode asked for stands (its schema is read meanwhile).
  const currentMode = !typeInfo ? mode : mode && modes.includes(mode) ? mode : (modes[0] ?? null);
  const mutation = editing ? update : create;
  const fieldErrors =
    mutation.error instanceof ApiCallError && mutation.error.code.endsWith('ConnectionProperties')
      ? (errorSchemaFor(mutation.error.message) ?? undefined)
      : undefined;
  const nameError =
    name && !DATA_SOURCE_NAME.test(name)
      ? 'Letters, digits and underscores, starting with a letter.'
      : mutation.error instanceof ApiCallError && mutation.error.code.endsWith('.Name')
        ? mutation.error.message
        : null;

  async function submit() {
    if (!type || !currentMode) return;
    const ConnectionProperties = JSON.stringify(data);
    if (editing && ds) {
      await update.mutateAsync({
        Id: ds.Id,
        ProjectId: pid,
        ConnectionPropertiesMode: currentMode,
        ConnectionProperties,
        Description: description,
      });
      navigate(`/w/${pid}/data-sources/${ds.Id}`);
    } else {
      const r = await create.mutateAsync({
        ProjectId: pid,
        Name: name,
        Type: type,
        ConnectionPropertiesMode: currentMode,
        ConnectionProperties,
        Description: description,
      });
      navigate(`/w/${pid}/data-sources/${r.Id}`);
    }
  }

  if (editing && existing.isLoading) return <Loader aria-label="Loading data source" />;
  if (editing && existing.error) return <ErrorPanel error={existing.error} />;
  return (
    <Stack maw={900}>
      <div>
        <Anchor
          size="sm"
          {...link(editing ? `/w/${pid}/data-sources/${id}` : `/w/${pid}/data-sources`)}
        >
          ← Back
        </Anchor>
        <Title order={2}>{editing ? `Edit ${name}` : 'New data source'}</Title>
      </div>
      <Paper withBorder p="md">
        <form
          aria-label={editing ? 'Edit data source' : 'Create data source'}
          onSubmit={(e) => {
            e.preventDefault();
            void submit().catch(() => undefined);
          }}
        >
          <Stack>
            <SimpleGrid cols={{ base: 1, sm: 3 }}>
              <TextInput
                label="Name"
                required
                disabled={editing}
                value={name}
                error={nameError}
                onChange={(e) => setName(e.currentTarget.value)}
              />
              <Select
                label="Type"
                required
                disabled={editing}
                searchable
                data={(types.data?.DataSourceTypes ?? []).map((t) => ({
                  value: t.Type,
                  label: `${t.DisplayName} (${t.Type})`,
                }))}
                value={type}
                onChange={(v) => {
                  setType(v);
                  setMode(null);
                }}
              />
              <Select
                label="Connection mode"
                required
                data={modes}
                value={currentMode}
                onChange={setMode}
                allowDeselect={false}
              />
            </SimpleGrid>
            <Textarea
              label="Description"
              value={description}
              onChange={(e) => setDescription(e.currentTarget.value)}
            />
            {editing && (
              <Alert color="blue" variant="light">
                Secrets show as ******. Leave them so to keep the stored value; type a new one to
                replace it.
              </Alert>
            )}
            {type && currentMode && (
              <ConnectionForm
                type={type}
                mode={currentMode}
                formData={data}
                onChange={setData}
                extraErrors={fieldErrors}
              />
            )}
            {mutation.error && <ErrorPanel error={mutation.error} />}
            <Group justify="flex-end">
              <Text size="sm" c="dimmed">
                The API checks the connection against the type's schema.
              </Text>
              <Button type="submit" loading={mutation.isPending}>
                {editing ? 'Save' : 'Create'}
              </Button>
            </Group>
          </Stack>
        </form>
      </Paper>
    </Stack>
  );
}
