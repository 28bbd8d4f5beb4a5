import { Group, Loader, Pagination, Paper, Stack, Text, TextInput, Title } from '@mantine/core';
import { useDebouncedCallback } from '@mantine/hooks';
import { useState } from 'react';
import { useLocation, useSearch } from 'wouter';
import { useRead } from '../api/hooks';
import { AUDIT_FILTERS, AUDIT_PAGE_SIZE, parseAuditFilters, reads } from '../api/reads';
import type { AuditEvent, Paging } from '../api/types';
import { EmptyState } from '../components/EmptyState';
import { ErrorPanel } from '../components/ErrorPanel';
import { AuditTable } from './DataSourcePage';

const FIELDS = AUDIT_FILTERS;
const PAGE_SIZE = AUDIT_PAGE_SIZE;

export default function AuditPage() {
  const search = useSearch();
  const [location, navigate] = useLocation();
  const { filters, page } = parseAuditFilters(search);
  const [draft, setDraft] = useState(filters);
  const apply = useDebouncedCallback((next: Record<string, string>) => {
    const q = new URLSearchParams(Object.entries(next).filter(([, v]) => v.trim() !== ''));
    navigate(`${location}${q.size ? `?${q}` : ''}`);
  }, 300);
  const q = useRead<Paging<'AuditEvents', AuditEvent>>(reads.audit(search), {
    placeholderData: (prev) => prev,
  });
  const info = q.data?.PagingInfo;
  const pages = info ? Math.max(1, Math.ceil(info.TotalCount / PAGE_SIZE)) : 1;
  return (
    <Stack>
      <Title order={2}>Audit trail</Title>
      <Paper withBorder p="sm">
        <Group align="flex-end" gap="sm">
          {FIELDS.map(([key, label]) => (
            <TextInput
              key={key}
              label={label}
              value={draft[key] ?? ''}
              // On a phone: RequestId across, the short filters two to a line.
              w={{
                base: key === 'RequestId' ? '100%' : 'calc(50% - 8px)',
                sm: key === 'RequestId' ? 300 : 150,
              }}
              onChange={(e) => {
                const next = { ...draft, [key]: e.currentTarget.value };
                setDraft(next);
                apply(next);
              }}
            />
          ))}
        </Group>
      </Paper>
      {q.error && <ErrorPanel error={q.error} />}
      {q.isLoading && <Loader aria-label="Loading events" />}
      {info && info.AuditEvents.length === 0 && (
        <EmptyState title="No event matches">
          Every change and every resolve is recorded here. Paste a RequestId from an error or an
          answer to find its call.
        </EmptyState>
      )}
      {info && info.AuditEvents.length > 0 && (
        <>
          <Text size="sm" c="dimmed">
            {info.TotalCount} event{info.TotalCount === 1 ? '' : 's'}, newest first
          </Text>
          <AuditTable events={info.AuditEvents} />
          <Pagination
            total={pages}
            value={page}
            onChange={(n) => {
              const next = new URLSearchParams(search);
              next.set('page', String(n));
              navigate(`${location}?${next}`);
            }}
            getControlProps={(control) => ({ 'aria-label': `${control} page` })}
            getItemProps={(n) => ({ 'aria-label': `Page ${n}` })}
          />
        </>
      )}
    </Stack>
  );
}
