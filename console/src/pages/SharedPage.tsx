import { Badge, Button, Group, Loader, Modal, Stack, Table, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { useParams } from 'wouter';
import { useProjects } from '../App';
import { useApiMutation, useRead } from '../api/hooks';
import { reads } from '../api/reads';
import type { Paging, SharedDataSource } from '../api/types';
import { EmptyState } from '../components/EmptyState';
import { ErrorPanel } from '../components/ErrorPanel';
import { JsonBlock } from '../components/JsonBlock';
import { formatTime } from '../components/nav';

interface Resolved {
  DataSource: {
    Name: string;
    Type: string;
    QualifiedName: string;
    EnvType: string;
    ConnectionProperties: Record<string, unknown>;
  };
}

/** Resolve answers secrets in clear (that is its purpose); the console hides them until asked. */
function hideSecrets(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(hideSecrets);
  if (typeof v !== 'object' || v === null) return v;
  return Object.fromEntries(
    Object.entries(v).map(([k, x]) => [
      k,
      /password|secret|token|credential|accesskey/i.test(k) && typeof x === 'string'
        ? '•••••• (hidden)'
        : hideSecrets(x),
    ]),
  );
}

function ResolveResult({ result }: { result: Resolved }) {
  const [reveal, setReveal] = useState(false);
  return (
    <Stack>
      <Text size="sm">
        <b>QualifiedName:</b> <span className="mono">{result.DataSource.QualifiedName}</span>
      </Text>
      <JsonBlock
        label="Resolved connection"
        value={
          reveal
            ? result.DataSource.ConnectionProperties
            : hideSecrets(result.DataSource.ConnectionProperties)
        }
      />
      <Group>
        <Button variant="default" size="xs" onClick={() => setReveal((r) => !r)}>
          {reveal ? 'Hide secrets' : 'Reveal secrets'}
        </Button>
        <Text size="xs" c="dimmed">
          This call is in the audit trail.
        </Text>
      </Group>
    </Stack>
  );
}

export default function SharedPage() {
  const { pid } = useParams<{ pid: string }>();
  const q = useRead<Paging<'SharedDataSources', SharedDataSource>>(reads.sharedWithMe(pid));
  const projects = useProjects();
  const resolve = useApiMutation<Resolved>('ResolveDataSource');
  const [open, setOpen] = useState(false);
  const nameOf = (id: number) =>
    projects.data?.PagingInfo.Projects.find((p) => p.Id === id)?.Name ?? `workspace ${id}`;
  const list = q.data?.PagingInfo.SharedDataSources ?? [];
  return (
    <Stack>
      <Title order={2}>Shared with me</Title>
      <Text c="dimmed" size="sm">
        Data sources other workspaces share into this one, for the whole workspace or for you.
        Resolve one by its shared name to get its connection.
      </Text>
      {q.isLoading && <Loader aria-label="Loading" />}
      {q.error && <ErrorPanel error={q.error} />}
      {q.data && list.length === 0 && (
        <EmptyState title="Nothing is shared with this workspace">
          An administrator of another workspace can share a data source here from its Sharing tab.
        </EmptyState>
      )}
      {list.length > 0 && (
        <Table.ScrollContainer minWidth={640}>
          <Table striped data-testid="shared-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Shared name</Table.Th>
                <Table.Th>Type</Table.Th>
                <Table.Th>Environment</Table.Th>
                <Table.Th>From</Table.Th>
                <Table.Th>To</Table.Th>
                <Table.Th>Since</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {list.map((s) => (
                <Table.Tr key={`${s.SharedDataSourceName}-${s.EnvType}`}>
                  <Table.Td className="mono" fw={600}>
                    {s.SharedDataSourceName}
                  </Table.Td>
                  <Table.Td>
                    <Badge variant="light">{s.Type}</Badge>
                  </Table.Td>
                  <Table.Td>{s.EnvType}</Table.Td>
                  <Table.Td>{nameOf(s.SourceProjectId)}</Table.Td>
                  <Table.Td className="mono">{s.SharedUser || 'whole workspace'}</Table.Td>
                  <Table.Td>{formatTime(s.CreateTime)}</Table.Td>
                  <Table.Td>
                    <Button
                      size="compact-sm"
                      variant="light"
                      onClick={() => {
                        setOpen(true);
                        resolve.mutate({
                          ProjectId: pid,
                          Name: s.SharedDataSourceName,
                          EnvType: s.EnvType,
                        });
                      }}
                    >
                      Resolve
                    </Button>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <Modal opened={open} onClose={() => setOpen(false)} title="Resolved data source" size="lg">
        {resolve.isPending && <Loader aria-label="Resolving" />}
        {resolve.error && <ErrorPanel error={resolve.error} />}
        {resolve.data && <ResolveResult result={resolve.data} />}
      </Modal>
    </Stack>
  );
}
