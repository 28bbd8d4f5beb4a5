import {
  Anchor,
  Badge,
  Button,
  Group,
  Loader,
  MultiSelect,
  Pagination,
  Paper,
  SegmentedControl,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useDebouncedCallback } from '@mantine/hooks';
import { useState } from 'react';
import { useLocation, useParams, useSearch } from 'wouter';
import { useApiQuery } from '../api/hooks';
import type { DataSourceGroup, DataSourceRecord, DataSourceType, Paging } from '../api/types';
import { EmptyState } from '../components/EmptyState';
import { ErrorPanel } from '../components/ErrorPanel';
import { formatTime, useLinkProps } from '../components/nav';

const PAGE_SIZE = 20;

/** Filters, sort and page live in the URL, so a view can be shared and back/forward work. */
function useListState() {
  const search = useSearch();
  const [location, navigate] = useLocation();
  const p = new URLSearchParams(search);
  const state = {
    name: p.get('name') ?? '',
    types: (p.get('types') ?? '').split(',').filter(Boolean),
    env: p.get('env') ?? '',
    sort: p.get('sort') ?? 'CreateTime',
    order: p.get('order') ?? 'Desc',
    page: Math.max(1, Number(p.get('page') ?? '1') || 1),
  };
  const set = (patch: Partial<typeof state>) => {
    const next = { ...state, page: 1, ...patch };
    const q = new URLSearchParams();
    if (next.name) q.set('name', next.name);
    if (next.types.length) q.set('types', next.types.join(','));
    if (next.env) q.set('env', next.env);
    if (next.sort !== 'CreateTime') q.set('sort', next.sort);
    if (next.order !== 'Desc') q.set('order', next.order);
    if (next.page > 1) q.set('page', String(next.page));
    const qs = q.toString();
    navigate(`${location}${qs ? `?${qs}` : ''}`);
  };
  return [state, set] as const;
}

function EnvCell({ record, pid }: { record: DataSourceRecord | undefined; pid: string }) {
  const link = useLinkProps();
  if (!record) return <Text c="dimmed">—</Text>;
  const props = record.ConnectionProperties as Record<string, unknown>;
  const address = Array.isArray(props.address)
    ? (props.address as { host?: string; port?: number }[])
        .map((a) => `${a.host}:${a.port}`)
        .join(', ')
    : typeof props.url === 'string'
      ? props.url
      : typeof props.instanceId === 'string'
        ? props.instanceId
        : '';
  return (
    <Stack gap={0}>
      <Anchor {...link(`/w/${pid}/data-sources/${record.Id}`)} size="sm">
        #{record.Id} · {record.ConnectionPropertiesMode}
      </Anchor>
      {address && (
        <Text size="xs" c="dimmed" className="mono">
          {address}
        </Text>
      )}
      <Text size="xs" c="dimmed">
        modified {formatTime(record.ModifyTime)}
      </Text>
    </Stack>
  );
}

function envOf(r: DataSourceRecord): string {
  return String((r.ConnectionProperties as { envType?: unknown }).envType ?? '');
}

export default function DataSourcesPage() {
  const { pid } = useParams<{ pid: string }>();
  const [state, set] = useListState();
  const [name, setName] = useState(state.name);
  const debouncedName = useDebouncedCallback((v: string) => set({ name: v }), 300);
  const link = useLinkProps();
  // Two independent reads in parallel: no page waits on more than one round trip.
  const types = useApiQuery<{ DataSourceTypes: DataSourceType[] }>(
    'ListDataSourceTypes',
    {},
    { staleTime: Number.POSITIVE_INFINITY },
  );
  const list = useApiQuery<Paging<'DataSources', DataSourceGroup>>(
    'ListDataSources',
    {
      ProjectId: pid,
      Name: state.name,
      Types: state.types.join(','),
      EnvType: state.env,
      SortBy: state.sort,
      Order: state.order,
      PageNumber: state.page,
      PageSize: PAGE_SIZE,
    },
    { placeholderData: (prev) => prev },
  );
  const info = list.data?.PagingInfo;
  const groups = info?.DataSources ?? [];
  const pages = info ? Math.max(1, Math.ceil(info.TotalCount / PAGE_SIZE)) : 1;
  const filtered = state.name !== '' || state.types.length > 0 || state.env !== '';

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>Data sources</Title>
        <Button {...link(`/w/${pid}/data-sources/new`)}>New data source</Button>
      </Group>
      <Paper withBorder p="sm">
        <Group align="flex-end" gap="sm">
          <TextInput
            label="Name contains"
            value={name}
            onChange={(e) => {
              setName(e.currentTarget.value);
              debouncedName(e.currentTarget.value);
            }}
            w={{ base: '100%', sm: 200 }}
          />
          <MultiSelect
            label="Types"
            data={(types.data?.DataSourceTypes ?? []).map((t) => ({
              value: t.Type,
              label: t.DisplayName,
            }))}
            value={state.types}
            onChange={(v) => set({ types: v })}
            searchable
            clearable
            w={{ base: '100%', sm: 240 }}
          />
          <div>
            <Text size="sm" fw={500} mb={2} id="env-filter">
              Environment
            </Text>
            <SegmentedControl
              aria-labelledby="env-filter"
              data={[
                { value: '', label: 'Both' },
                { value: 'Dev', label: 'Dev' },
                { value: 'Prod', label: 'Prod' },
              ]}
              value={state.env}
              onChange={(v) => set({ env: v })}
            />
          </div>
          <Select
            label="Sort by"
            data={[
              { value: 'CreateTime', label: 'Created' },
              { value: 'Name', label: 'Name' },
              { value: 'Id', label: 'Id' },
            ]}
            value={state.sort}
            onChange={(v) => v && set({ sort: v })}
            allowDeselect={false}
            w={130}
          />
          <Select
            label="Order"
            data={[
              { value: 'Desc', label: 'Descending' },
              { value: 'Asc', label: 'Ascending' },
            ]}
            value={state.order}
            onChange={(v) => v && set({ order: v })}
            allowDeselect={false}
            w={140}
          />
        </Group>
      </Paper>
      {list.error && <ErrorPanel error={list.error} />}
      {list.isLoading && <Loader aria-label="Loading data sources" />}
      {info && groups.length === 0 && (
        <EmptyState
          title={filtered ? 'No data source matches these filters' : 'No data source yet'}
          action={
            filtered ? (
              <Button variant="default" onClick={() => set({ name: '', types: [], env: '' })}>
                Clear filters
              </Button>
            ) : (
              <Button {...link(`/w/${pid}/data-sources/new`)}>Create a data source</Button>
            )
          }
        >
          {filtered
            ? 'Change or clear the filters to see more.'
            : 'A data source keeps a connection for Dev and Prod under one name. Create one, or look under "Shared with me" for those other workspaces share with you.'}
        </EmptyState>
      )}
      {groups.length > 0 && (
        <>
          <Text size="sm" c="dimmed" data-testid="list-total">
            {info?.TotalCount.toLocaleString()} data source names · page {state.page} of {pages}
            {list.isFetching ? ' · refreshing…' : ''}
          </Text>
          <Table.ScrollContainer minWidth={720}>
            <Table striped highlightOnHover verticalSpacing="xs" data-testid="data-source-table">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Name</Table.Th>
                  <Table.Th>Type</Table.Th>
                  <Table.Th>Dev</Table.Th>
                  <Table.Th>Prod</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {groups.map((g) => (
                  <Table.Tr key={g.Name}>
                    <Table.Td fw={600} className="mono">
                      {g.Name}
                    </Table.Td>
                    <Table.Td>
                      <Badge variant="light">{g.Type}</Badge>
                    </Table.Td>
                    <Table.Td>
                      <EnvCell pid={pid} record={g.DataSource.find((r) => envOf(r) === 'Dev')} />
                    </Table.Td>
                    <Table.Td>
                      <EnvCell pid={pid} record={g.DataSource.find((r) => envOf(r) === 'Prod')} />
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
          <Pagination
            total={pages}
            value={state.page}
            onChange={(page) => set({ ...state, page })}
            getControlProps={(control) => ({ 'aria-label': `${control} page` })}
            getItemProps={(page) => ({ 'aria-label': `Page ${page}` })}
          />
        </>
      )}
    </Stack>
  );
}
