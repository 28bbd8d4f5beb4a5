import {
  Anchor,
  Badge,
  Button,
  Group,
  Loader,
  Modal,
  Paper,
  Select,
  SimpleGrid,
  Stack,
  Table,
  Tabs,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { type FormEvent, useState } from 'react';
import { useLocation, useParams, useSearch } from 'wouter';
import { useProjects } from '../App';
import { useApiMutation, useRead } from '../api/hooks';
import { reads } from '../api/reads';
import type { AuditEvent, DataSourceRecord, Paging, SharedRule } from '../api/types';
import { ConnectivityTest } from '../components/ConnectivityTest';
import { EmptyState } from '../components/EmptyState';
import { ErrorPanel } from '../components/ErrorPanel';
import { JsonBlock } from '../components/JsonBlock';
import { formatTime, useLinkProps } from '../components/nav';

export const DATA_SOURCE_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;

function CloneForm({
  ds,
  pid,
  onClose,
}: {
  ds: DataSourceRecord;
  pid: string;
  onClose: () => void;
}) {
  const [, navigate] = useLocation();
  const clone = useApiMutation<{ Id: number }>('CloneDataSource');
  const [name, setName] = useState(`${ds.Name}_copy`);
  const error =
    name.length > 60
      ? 'At most 60 characters.'
      : name && !DATA_SOURCE_NAME.test(name)
        ? 'Letters, digits and underscores, starting with a letter.'
        : null;
  async function submit(e: FormEvent) {
    e.preventDefault();
    if (error || !name) return;
    const r = await clone.mutateAsync({ Id: ds.Id, CloneDataSourceName: name });
    onClose();
    navigate(`/w/${pid}/data-sources/${r.Id}`);
  }
  return (
    <form onSubmit={(e) => void submit(e).catch(() => undefined)} aria-label="Clone data source">
      <Stack>
        <Text size="sm">
          Copies this {String(ds.ConnectionProperties.envType)} record, secrets included, under a
          new name in the same workspace and environment. Sharing rules are not copied.
        </Text>
        <TextInput
          label="Name of the copy"
          required
          value={name}
          error={error}
          onChange={(e) => setName(e.currentTarget.value)}
          data-autofocus
        />
        {clone.error && <ErrorPanel error={clone.error} />}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit" loading={clone.isPending} disabled={!!error}>
            Clone
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

function Sharing({ ds, pid }: { ds: DataSourceRecord; pid: string }) {
  const rules = useRead<{ DataSourceSharedRules: SharedRule[] }>(reads.sharedRules(ds.Id));
  const projects = useProjects();
  const share = useApiMutation('CreateDataSourceSharedRule');
  const revoke = useApiMutation('DeleteDataSourceSharedRule');
  const [target, setTarget] = useState<string | null>(null);
  const [env, setEnv] = useState<string | null>(String(ds.ConnectionProperties.envType ?? 'Dev'));
  const [user, setUser] = useState('');
  const others = (projects.data?.PagingInfo.Projects ?? []).filter((p) => String(p.Id) !== pid);
  const nameOf = (id: number) => projects.data?.PagingInfo.Projects.find((p) => p.Id === id)?.Name;
  const list = rules.data?.DataSourceSharedRules ?? [];
  return (
    <Stack>
      <Paper withBorder p="md">
        <form
          aria-label="Share data source"
          onSubmit={(e) => {
            e.preventDefault();
            share.mutate({
              DataSourceId: ds.Id,
              TargetProjectId: target,
              EnvType: env,
              SharedUser: user.trim(),
            });
          }}
        >
          <Group align="flex-end">
            <Select
              label="Share to workspace"
              data={others.map((p) => ({ value: String(p.Id), label: p.Name }))}
              value={target}
              onChange={setTarget}
              required
              searchable
              nothingFoundMessage="No other workspace"
              w={{ base: '100%', sm: 220 }}
            />
            <Select
              label="As environment"
              data={['Dev', 'Prod']}
              value={env}
              onChange={setEnv}
              allowDeselect={false}
              w={120}
            />
            <TextInput
              label="Only to user ID (optional)"
              placeholder="empty: whole workspace"
              value={user}
              onChange={(e) => setUser(e.currentTarget.value)}
              w={{ base: '100%', sm: 240 }}
            />
            <Button type="submit" loading={share.isPending} disabled={!target}>
              Share
            </Button>
          </Group>
        </form>
        {share.error && <ErrorPanel error={share.error} />}
      </Paper>
      {rules.error && <ErrorPanel error={rules.error} />}
      {rules.data && list.length === 0 && (
        <EmptyState title="Not shared">
          Share this record to another workspace (or one user in it) so they can resolve it by name
          without seeing it in their own list.
        </EmptyState>
      )}
      {list.length > 0 && (
        <Table.ScrollContainer minWidth={560}>
          <Table data-testid="sharing-rules">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Rule</Table.Th>
                <Table.Th>Target workspace</Table.Th>
                <Table.Th>Environment</Table.Th>
                <Table.Th>User</Table.Th>
                <Table.Th>Created</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {list.map((r) => (
                <Table.Tr key={r.Id}>
                  <Table.Td>#{r.Id}</Table.Td>
                  <Table.Td>{nameOf(r.TargetProjectId) ?? r.TargetProjectId}</Table.Td>
                  <Table.Td>
                    <Badge variant="light">{r.EnvType}</Badge>
                  </Table.Td>
                  <Table.Td className="mono">{r.SharedUser || 'whole workspace'}</Table.Td>
                  <Table.Td>{formatTime(r.CreateTime)}</Table.Td>
                  <Table.Td>
                    <Button
                      size="compact-sm"
                      color="red"
                      variant="light"
                      loading={revoke.isPending && revoke.variables?.Id === r.Id}
                      onClick={() => revoke.mutate({ Id: r.Id })}
                    >
                      Revoke
                    </Button>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {revoke.error && <ErrorPanel error={revoke.error} />}
    </Stack>
  );
}

export function AuditTable({ events }: { events: AuditEvent[] }) {
  return (
    <div className="ds-scroll">
      <Table striped data-testid="audit-table" className="stack-on-phone audit-table">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Time</Table.Th>
            <Table.Th>Action</Table.Th>
            <Table.Th>Outcome</Table.Th>
            <Table.Th>User</Table.Th>
            <Table.Th>Targets</Table.Th>
            <Table.Th>RequestId</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {events.map((e) => (
            <Table.Tr key={`${e.RequestId}-${e.Action}`}>
              <Table.Td className="stack-lead" miw={110}>
                {formatTime(e.Time)}
              </Table.Td>
              <Table.Td fw={600} className="stack-lead">
                {e.Action}
              </Table.Td>
              <Table.Td>
                {e.Outcome === 'Success' ? (
                  <Badge color="green" variant="light">
                    Success
                  </Badge>
                ) : (
                  // An error code is read and searched for whole: never cut, never upper-cased.
                  <Text size="xs" c="red" fw={700} className="mono">
                    {e.Outcome}
                  </Text>
                )}
                {e.Detail && (
                  <Text size="xs" c="dimmed">
                    {e.Detail}
                  </Text>
                )}
              </Table.Td>
              <Table.Td className="mono" fz="xs" style={{ whiteSpace: 'nowrap' }} data-label="User">
                {e.UserId}
              </Table.Td>
              <Table.Td className="mono" fz="xs" data-label="Targets">
                {/* One pair per line, never cut inside a name or a number. */}
                {Object.entries(e.Targets).map(([k, v]) => (
                  <div key={k} style={{ whiteSpace: 'nowrap' }}>
                    {k}={String(v)}
                  </div>
                ))}
              </Table.Td>
              <Table.Td
                className="mono"
                fz="xs"
                // Wrapped at its hyphens only: a RequestId is copied and searched whole.
                style={{ overflowWrap: 'normal', minWidth: 150 }}
                data-label="RequestId"
              >
                {e.RequestId}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </div>
  );
}

function History({ id, pid }: { id: number; pid: string }) {
  const q = useRead<Paging<'AuditEvents', AuditEvent>>(reads.history(pid, id));
  if (q.error) return <ErrorPanel error={q.error} />;
  if (q.isLoading) return <Loader aria-label="Loading history" />;
  const events = q.data?.PagingInfo.AuditEvents ?? [];
  if (events.length === 0) return <EmptyState title="No recorded call yet" />;
  return <AuditTable events={events} />;
}

export default function DataSourcePage() {
  const { pid, id } = useParams<{ pid: string; id: string }>();
  const [, navigate] = useLocation();
  const search = useSearch();
  const tab = new URLSearchParams(search).get('tab') ?? 'config';
  const link = useLinkProps();
  const q = useRead<{ DataSource: DataSourceRecord }>(reads.dataSource(id));
  const del = useApiMutation('DeleteDataSource');
  const [cloneOpen, cloneModal] = useDisclosure();
  const [deleteOpen, deleteModal] = useDisclosure();
  const ds = q.data?.DataSource;
  if (q.isLoading) return <Loader aria-label="Loading data source" />;
  if (q.error) return <ErrorPanel error={q.error} />;
  if (!ds) return null;
  const env = String(ds.ConnectionProperties.envType ?? '');
  return (
    <Stack>
      <Group justify="space-between" align="flex-start">
        <div>
          <Anchor size="sm" {...link(`/w/${pid}/data-sources`)}>
            ← Data sources
          </Anchor>
          <Group gap="xs">
            <Title order={2} className="mono">
              {ds.Name}
            </Title>
            <Badge>{ds.Type}</Badge>
            <Badge color={env === 'Prod' ? 'red' : 'blue'} variant="light">
              {env}
            </Badge>
          </Group>
        </div>
        <Group gap="xs">
          <Button variant="default" {...link(`/w/${pid}/data-sources/${ds.Id}/edit`)}>
            Edit
          </Button>
          <Button variant="default" onClick={cloneModal.open}>
            Clone
          </Button>
          <Button variant="light" color="red" onClick={deleteModal.open}>
            Delete
          </Button>
        </Group>
      </Group>
      <Modal opened={cloneOpen} onClose={cloneModal.close} title="Clone data source">
        <CloneForm ds={ds} pid={pid} onClose={cloneModal.close} />
      </Modal>
      <Modal opened={deleteOpen} onClose={deleteModal.close} title="Delete data source">
        <Stack>
          <Text>
            Delete the {env} record of <b>{ds.Name}</b>? Its sharing rules go with it.
          </Text>
          {del.error && <ErrorPanel error={del.error} />}
          <Group justify="flex-end">
            <Button variant="default" onClick={deleteModal.close}>
              Cancel
            </Button>
            <Button
              color="red"
              loading={del.isPending}
              onClick={() =>
                del.mutate(
                  { Id: ds.Id, ProjectId: pid },
                  { onSuccess: () => navigate(`/w/${pid}/data-sources`) },
                )
              }
            >
              Delete
            </Button>
          </Group>
        </Stack>
      </Modal>
      <Tabs
        value={tab}
        onChange={(t) => navigate(`/w/${pid}/data-sources/${id}?tab=${t ?? 'config'}`)}
        keepMounted={false}
      >
        <Tabs.List>
          <Tabs.Tab value="config">Configuration</Tabs.Tab>
          <Tabs.Tab value="connectivity">Connectivity</Tabs.Tab>
          <Tabs.Tab value="sharing">Sharing</Tabs.Tab>
          <Tabs.Tab value="history">History</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="config" pt="md">
          <SimpleGrid cols={{ base: 1, md: 2 }}>
            <Paper withBorder p="md">
              <Table variant="vertical" withRowBorders={false}>
                <Table.Tbody>
                  {(
                    [
                      ['Id', ds.Id],
                      ['QualifiedName', ds.QualifiedName],
                      ['Mode', ds.ConnectionPropertiesMode],
                      ['Description', ds.Description || '—'],
                      ['Created', `${formatTime(ds.CreateTime)} by ${ds.CreateUser}`],
                      ['Modified', `${formatTime(ds.ModifyTime)} by ${ds.ModifyUser}`],
                    ] as const
                  ).map(([k, v]) => (
                    <Table.Tr key={k}>
                      <Table.Th w={130}>{k}</Table.Th>
                      <Table.Td className="mono" data-testid={`field-${k}`}>
                        {v}
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Paper>
            <Stack gap={4}>
              <Text size="sm" fw={600}>
                ConnectionProperties (secrets masked by the API)
              </Text>
              <JsonBlock value={ds.ConnectionProperties} label="ConnectionProperties" />
            </Stack>
          </SimpleGrid>
        </Tabs.Panel>
        <Tabs.Panel value="connectivity" pt="md">
          <ConnectivityTest pid={pid} id={ds.Id} />
        </Tabs.Panel>
        <Tabs.Panel value="sharing" pt="md">
          <Sharing ds={ds} pid={pid} />
        </Tabs.Panel>
        <Tabs.Panel value="history" pt="md">
          <History id={ds.Id} pid={pid} />
        </Tabs.Panel>
      </Tabs>
    </Stack>
  );
}
