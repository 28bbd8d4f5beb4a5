import { Badge, Group, Loader, Paper, Stack, Table, Title } from '@mantine/core';
import { useRead } from '../api/hooks';
import { reads } from '../api/reads';
import type { Identity } from '../api/types';
import { ErrorPanel } from '../components/ErrorPanel';

export default function WhoAmIPage() {
  const q = useRead<Identity>(reads.identity());
  return (
    <Stack>
      <Title order={2}>Who am I</Title>
      {q.isLoading && <Loader aria-label="Loading" />}
      {q.error && <ErrorPanel error={q.error} />}
      {q.data && (
        <Paper withBorder p="md">
          <Table variant="vertical" layout="fixed" withRowBorders={false}>
            <Table.Tbody>
              {(
                [
                  ['User name', q.data.UserName],
                  ['User ID', q.data.UserId],
                  ['Account (tenant) ID', q.data.AccountId],
                  ['Identity type', q.data.IdentityType],
                  ['ARN', q.data.Arn],
                  ['AccessKey ID', q.data.AccessKeyId],
                ] as const
              ).map(([k, v]) => (
                <Table.Tr key={k}>
                  <Table.Th w={180}>{k}</Table.Th>
                  <Table.Td className="mono" data-testid={`identity-${k}`}>
                    {v}
                  </Table.Td>
                </Table.Tr>
              ))}
              <Table.Tr>
                <Table.Th>Tenant roles</Table.Th>
                <Table.Td>
                  <Group gap={4}>
                    {q.data.TenantRoles.length === 0
                      ? '—'
                      : q.data.TenantRoles.map((r) => <Badge key={r}>{r}</Badge>)}
                  </Group>
                </Table.Td>
              </Table.Tr>
            </Table.Tbody>
          </Table>
        </Paper>
      )}
    </Stack>
  );
}
