import {
  Badge,
  Button,
  Code,
  CopyButton,
  Grid,
  Group,
  Loader,
  NavLink,
  Paper,
  ScrollArea,
  Select,
  Stack,
  Switch,
  Table,
  Tabs,
  Text,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { type FormEvent, useMemo, useState } from 'react';
import { useLocation, useParams } from 'wouter';
import { ApiCallError, type CallRecord, callApi } from '../api/client';
import { type OperationDecl, openApiQuery, type ParamDecl } from '../api/openapi';
import { getCredentials } from '../api/session';
import { cliSnippet, pythonSnippet, typescriptSnippet } from '../api/snippets';
import { ErrorPanel } from '../components/ErrorPanel';
import { JsonBlock } from '../components/JsonBlock';

function useOperations() {
  return useQuery(openApiQuery);
}

function ParamField({
  decl,
  value,
  onChange,
}: {
  decl: ParamDecl;
  value: string;
  onChange: (v: string) => void;
}) {
  const label = (
    <>
      {decl.name}{' '}
      <Text span size="xs" c="dimmed">
        {decl.shrink === 'json' ? 'JSON' : decl.shrink === 'simple' ? 'comma list' : decl.type}
      </Text>
    </>
  );
  const common = {
    label,
    description: decl.description,
    withAsterisk: decl.required,
    'aria-label': decl.name,
  };
  if (decl.enum) {
    return (
      <Select
        {...common}
        data={decl.enum}
        value={value || null}
        onChange={(v) => onChange(v ?? '')}
        clearable
      />
    );
  }
  if (decl.type === 'boolean') {
    return (
      <Select
        {...common}
        data={['true', 'false']}
        value={value || null}
        onChange={(v) => onChange(v ?? '')}
        clearable
      />
    );
  }
  if (decl.shrink === 'json' || decl.name === 'ConnectionProperties') {
    return (
      <Textarea
        {...common}
        autosize
        minRows={2}
        className="mono"
        placeholder={decl.example ?? '[...]'}
        value={value}
        onChange={(e) => onChange(e.currentTarget.value)}
      />
    );
  }
  return (
    <TextInput
      {...common}
      inputMode={decl.type === 'integer' ? 'numeric' : undefined}
      value={value}
      onChange={(e) => onChange(e.currentTarget.value)}
    />
  );
}

function Snippets({ op, record }: { op: OperationDecl; record: CallRecord }) {
  const input = {
    op,
    params: record.params,
    endpoint: location.host,
    protocol: location.protocol === 'https:' ? ('https' as const) : ('http' as const),
  };
  const snippets = [
    ['typescript', 'TypeScript', typescriptSnippet(input)],
    ['python', 'Python', pythonSnippet(input)],
    ['cli', 'dshub CLI', cliSnippet(input)],
  ] as const;
  return (
    <Tabs defaultValue="typescript">
      <Tabs.List>
        {snippets.map(([v, l]) => (
          <Tabs.Tab key={v} value={v}>
            {l}
          </Tabs.Tab>
        ))}
      </Tabs.List>
      {snippets.map(([v, l, code]) => (
        <Tabs.Panel key={v} value={v} pt="xs">
          <Stack gap={4}>
            <Group justify="flex-end">
              <CopyButton value={code}>
                {({ copied, copy }) => (
                  <Button size="xs" variant="light" onClick={copy} aria-label={`Copy ${l} code`}>
                    {copied ? 'Copied' : `Copy ${l}`}
                  </Button>
                )}
              </CopyButton>
            </Group>
            <Code block data-testid={`snippet-${v}`} style={{ maxHeight: 420, overflow: 'auto' }}>
              {code}
            </Code>
          </Stack>
        </Tabs.Panel>
      ))}
    </Tabs>
  );
}

function Result({ op, record, error }: { op: OperationDecl; record: CallRecord; error: unknown }) {
  return (
    <Stack>
      <Group gap="xs">
        <Badge
          color={record.status < 400 ? 'green' : 'red'}
          size="lg"
          data-testid="explorer-status"
        >
          HTTP {record.status}
        </Badge>
        <Text size="sm">{record.ms} ms</Text>
        <Text size="sm">
          RequestId <Code data-testid="explorer-request-id">{record.requestId}</Code>
        </Text>
        <CopyButton value={record.requestId}>
          {({ copied, copy }) => (
            <Button size="compact-xs" variant="default" onClick={copy}>
              {copied ? 'Copied' : 'Copy RequestId'}
            </Button>
          )}
        </CopyButton>
      </Group>
      {error !== null && <ErrorPanel error={error} />}
      <Tabs defaultValue="response">
        <Tabs.List>
          <Tabs.Tab value="response">Response</Tabs.Tab>
          <Tabs.Tab value="headers">Response headers</Tabs.Tab>
          <Tabs.Tab value="request">Request as sent</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="response" pt="xs">
          <JsonBlock value={record.body} label="Response" />
        </Tabs.Panel>
        <Tabs.Panel value="headers" pt="xs">
          <Table fz="xs" className="mono">
            <Table.Tbody>
              {Object.entries(record.headers).map(([k, v]) => (
                <Table.Tr key={k}>
                  <Table.Th>{k}</Table.Th>
                  <Table.Td>{v}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Tabs.Panel>
        <Tabs.Panel value="request" pt="xs">
          <JsonBlock
            label="Request as sent"
            value={`${record.request.method} ${record.request.url}\n${Object.entries(
              record.request.headers,
            )
              .map(([k, v]) => `${k}: ${v}`)
              .join('\n')}\n\n${record.request.body}`}
          />
          <Text size="xs" c="dimmed" mt={4}>
            The signature is redacted; the secret never leaves this tab.
          </Text>
        </Tabs.Panel>
      </Tabs>
      {record.status < 400 && (
        <>
          <Title order={3} size="h5">
            Code for this call
          </Title>
          <Snippets op={op} record={record} />
        </>
      )}
    </Stack>
  );
}

function OperationForm({ op }: { op: OperationDecl }) {
  const [values, setValues] = useState<Record<string, string>>({});
  const [record, setRecord] = useState<CallRecord | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [showOptional, setShowOptional] = useState(true);
  const missing = op.params.filter((p) => p.required && !values[p.name]?.trim());

  async function send(e: FormEvent) {
    e.preventDefault();
    const creds = getCredentials();
    if (!creds) return;
    setBusy(true);
    setError(null);
    try {
      await callApi(creds, op.action, values, { onRecord: setRecord, version: op.version });
    } catch (err) {
      setError(err);
      if (!(err instanceof ApiCallError && err.record)) setRecord(null);
    } finally {
      setBusy(false);
    }
  }
  const shown = op.params.filter((p) => showOptional || p.required);
  return (
    <Stack>
      <div>
        <Group gap="xs">
          <Title order={2} className="mono">
            {op.action}
          </Title>
          <Badge variant="light">{op.method}</Badge>
          {op.extension && <Badge color="grape">dshub extension</Badge>}
        </Group>
        <Text size="sm">{op.summary}</Text>
        <Text size="xs" c="dimmed">
          {op.description}
        </Text>
      </div>
      <Paper withBorder p="md">
        <form onSubmit={(e) => void send(e)} aria-label={`Call ${op.action}`}>
          <Stack gap="sm">
            {op.params.some((p) => !p.required) && (
              <Switch
                label="Show optional parameters"
                checked={showOptional}
                onChange={(e) => setShowOptional(e.currentTarget.checked)}
              />
            )}
            {shown.length === 0 && <Text size="sm">This operation takes no parameters.</Text>}
            {shown.map((p) => (
              <ParamField
                key={p.name}
                decl={p}
                value={values[p.name] ?? ''}
                onChange={(v) => setValues((old) => ({ ...old, [p.name]: v }))}
              />
            ))}
            <Group justify="flex-end">
              {missing.length > 0 && (
                <Text size="xs" c="dimmed">
                  Required: {missing.map((p) => p.name).join(', ')}
                </Text>
              )}
              <Button type="submit" loading={busy} data-testid="explorer-send">
                Send
              </Button>
            </Group>
          </Stack>
        </form>
      </Paper>
      {record && <Result op={op} record={record} error={error} />}
      {!record && error !== null && <ErrorPanel error={error} />}
    </Stack>
  );
}

export default function ExplorerPage() {
  const { action } = useParams<{ action?: string }>();
  const [, navigate] = useLocation();
  const ops = useOperations();
  const [filter, setFilter] = useState('');
  const list = useMemo(() => {
    const f = filter.trim().toLowerCase();
    return (ops.data ?? []).filter(
      (o) => !f || o.action.toLowerCase().includes(f) || o.summary.toLowerCase().includes(f),
    );
  }, [ops.data, filter]);
  const op = ops.data?.find((o) => o.action === action);
  if (ops.isLoading) return <Loader aria-label="Loading operations" />;
  if (ops.error) return <ErrorPanel error={ops.error} />;
  return (
    <Grid>
      <Grid.Col span={{ base: 12, md: 3 }}>
        <Stack gap="xs">
          <Title order={2} size="h4">
            API Explorer
          </Title>
          <TextInput
            aria-label="Search operations"
            placeholder={`Search ${ops.data?.length ?? 0} operations`}
            value={filter}
            onChange={(e) => setFilter(e.currentTarget.value)}
          />
          <ScrollArea.Autosize mah={{ base: 240, md: 'calc(100vh - 200px)' } as never}>
            <nav aria-label="Operations">
              {list.map((o) => (
                <NavLink
                  key={o.action}
                  href={`/console/explorer/${o.action}`}
                  label={o.action}
                  active={o.action === action}
                  onClick={(e) => {
                    e.preventDefault();
                    navigate(`/explorer/${o.action}`);
                  }}
                  py={4}
                />
              ))}
              {list.length === 0 && (
                <Text size="sm" c="dimmed" p="xs">
                  No operation matches "{filter}".
                </Text>
              )}
            </nav>
          </ScrollArea.Autosize>
        </Stack>
      </Grid.Col>
      <Grid.Col span={{ base: 12, md: 9 }}>
        {op ? (
          <OperationForm key={op.action} op={op} />
        ) : (
          <Paper withBorder p="xl">
            <Text>
              Pick an operation on the left. The form is built from its declaration; Send signs the
              call in this browser with your AccessKey, shows the answer and the request as sent,
              and writes code that repeats it.
            </Text>
          </Paper>
        )}
      </Grid.Col>
    </Grid>
  );
}
