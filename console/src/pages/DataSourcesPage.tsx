import {
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
import { type MouseEvent, memo, useEffect, useState } from 'react';
import { useLocation, useParams, useSearch } from 'wouter';
import { useRead } from '../api/hooks';
import { LIST_PAGE_SIZE, type ListState, parseListState, reads } from '../api/reads';
import type { DataSourceGroup, DataSourceRecord, DataSourceType, Paging } from '../api/types';
import { EmptyState } from '../components/EmptyState';
import { ErrorPanel } from '../components/ErrorPanel';
import { formatTime, useLinkProps } from '../components/nav';

/** Filters, sort and page live in the URL, so a view can be shared and back/forward work. */
function useListState() {
  const search = useSearch();
  const [location, navigate] = useLocation();
  const state = parseListState(search);
  const set = (patch: Partial<ListState>) => {
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

function addressOf(props: Record<string, unknown>): string {
  if (Array.isArray(props.address)) {
    return (props.address as { host?: string; port?: number }[])
      .map((a) => `${a.host}:${a.port}`)
      .join(', ');
  }
  if (typeof props.url === 'string') return props.url;
  return typeof props.instanceId === 'string' ? props.instanceId : '';
}

/**
 * One record of a row, in plain elements: the list is the console's hottest render (a page of
 * names with up to two records each), so it avoids a component-library component per line and
 * a router subscription per link (the table handles link clicks once, see onRowLinkClick).
 */
function EnvCell({ record, pid }: { record: DataSourceRecord | undefined; pid: string }) {
  if (!record) return <span className="ds-dimmed">—</span>;
  const address = addressOf(record.ConnectionProperties);
  return (
    <div className="ds-cell">
      <a className="ds-link" href={`/console/w/${pid}/data-sources/${record.Id}`}>
        #{record.Id} · {record.ConnectionPropertiesMode}
      </a>
      {address && <span className="ds-dimmed mono">{address}</span>}
      <span className="ds-dimmed">modified {formatTime(record.ModifyTime)}</span>
    </div>
  );
}

function envOf(r: DataSourceRecord): string {
  return String((r.ConnectionProperties as { envType?: unknown }).envType ?? '');
}

/** A row re-renders only when its group changed (TanStack Query keeps unchanged ones as they were). */
const GroupRow = memo(function GroupRow({ group, pid }: { group: DataSourceGroup; pid: string }) {
  let dev: DataSourceRecord | undefined;
  let prod: DataSourceRecord | undefined;
  for (const r of group.DataSource) {
    const env = envOf(r);
    if (env === 'Dev') dev ??= r;
    else if (env === 'Prod') prod ??= r;
  }
  return (
    <tr className="ds-row">
      <td className="ds-name mono stack-lead">{group.Name}</td>
      <td className="stack-lead">
        <Badge variant="light">{group.Type}</Badge>
      </td>
      <td data-label="Dev">
        <EnvCell pid={pid} record={dev} />
      </td>
      <td data-label="Prod">
        <EnvCell pid={pid} record={prod} />
      </td>
    </tr>
  );
});

export default function DataSourcesPage() {
  const { pid } = useParams<{ pid: string }>();
  const [state, set] = useListState();
  const [name, setName] = useState(state.name);
  const debouncedName = useDebouncedCallback((v: string) => set({ name: v }), 300);
  const link = useLinkProps();
  const [, navigate] = useLocation();
  const onRowLinkClick = (e: MouseEvent) => {
    const a = (e.target as Element).closest('a');
    if (!a || e.metaKey || e.ctrlKey || e.shiftKey || e.button !== 0) return;
    e.preventDefault();
    navigate(a.pathname.replace(/^\/console/, ''));
  };
  // Two independent reads in parallel: no page waits on more than one round trip.
  const types = useRead<{ DataSourceTypes: DataSourceType[] }>(reads.types());
  const list = useRead<Paging<'DataSources', DataSourceGroup>>(reads.dataSources(pid, state), {
    placeholderData: (prev) => prev,
  });
  const info = list.data?.PagingInfo;
  const groups = info?.DataSources ?? [];
  const pages = info ? Math.max(1, Math.ceil(info.TotalCount / LIST_PAGE_SIZE)) : 1;
  useEffect(() => {
    // For bench/console.ts: the first frame after the rows were committed.
    if (groups.length > 0) requestAnimationFrame(() => performance.mark('rendered:data-sources'));
  }, [groups]);
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
            {info?.TotalCount.toLocaleString()} data source name
            {info?.TotalCount === 1 ? '' : 's'} · page {state.page} of {pages}
            {list.isFetching ? ' · refreshing…' : ''}
          </Text>
          {/* A plain scrolling box: Mantine's ScrollContainer measures itself on every render. */}
          <div className="ds-scroll">
            <Table
              verticalSpacing="xs"
              className="ds-table stack-on-phone"
              data-testid="data-source-table"
            >
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Name</Table.Th>
                  <Table.Th>Type</Table.Th>
                  <Table.Th>Dev</Table.Th>
                  <Table.Th>Prod</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody onClick={onRowLinkClick}>
                {groups.map((g) => (
                  <GroupRow key={g.Name} group={g} pid={pid} />
                ))}
              </Table.Tbody>
            </Table>
          </div>
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
