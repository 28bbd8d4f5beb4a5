import {
  Badge,
  Button,
  CloseButton,
  Group,
  Loader,
  MultiSelect,
  Paper,
  Select,
  Stack,
  Table,
  TextInput,
  Title,
} from '@mantine/core';
import { useState } from 'react';
import { useParams } from 'wouter';
import { useApiMutation, useRead } from '../api/hooks';
import { reads } from '../api/reads';
import type { Member, Paging, Role } from '../api/types';
import { EmptyState } from '../components/EmptyState';
import { ErrorPanel } from '../components/ErrorPanel';

function GrantRole({ pid, member, roles }: { pid: string; member: Member; roles: Role[] }) {
  const grant = useApiMutation('GrantMemberProjectRoles');
  const held = new Set(member.Roles.map((r) => r.Code));
  const options = roles.filter((r) => !held.has(r.Code));
  return (
    <Select
      aria-label={`Grant a role to ${member.UserName || member.UserId}`}
      placeholder="Grant role…"
      size="xs"
      w={170}
      data={options.map((r) => ({ value: r.Code, label: r.Name }))}
      value={null}
      disabled={grant.isPending || options.length === 0}
      onChange={(code) =>
        code &&
        grant.mutate({ ProjectId: pid, UserId: member.UserId, RoleCodes: JSON.stringify([code]) })
      }
      error={grant.error ? (grant.error as Error).message : undefined}
    />
  );
}

export default function MembersPage() {
  const { pid } = useParams<{ pid: string }>();
  const members = useRead<Paging<'ProjectMembers', Member>>(reads.members(pid));
  const roles = useRead<Paging<'ProjectRoles', Role>>(reads.roles(pid));
  const add = useApiMutation('CreateProjectMember');
  const remove = useApiMutation('DeleteProjectMember');
  const revoke = useApiMutation('RevokeMemberProjectRoles');
  const [userId, setUserId] = useState('');
  const [newRoles, setNewRoles] = useState<string[]>(['role_project_dev']);
  const roleList = roles.data?.PagingInfo.ProjectRoles ?? [];
  const list = members.data?.PagingInfo.ProjectMembers ?? [];
  return (
    <Stack>
      <Title order={2}>Members and roles</Title>
      <Paper withBorder p="md">
        <form
          aria-label="Add member"
          onSubmit={(e) => {
            e.preventDefault();
            add.mutate(
              { ProjectId: pid, UserId: userId.trim(), RoleCodes: JSON.stringify(newRoles) },
              { onSuccess: () => setUserId('') },
            );
          }}
        >
          <Group align="flex-end">
            <TextInput
              label="User ID"
              placeholder="e.g. 1107550004253538"
              required
              value={userId}
              onChange={(e) => setUserId(e.currentTarget.value)}
              w={{ base: '100%', sm: 220 }}
            />
            <MultiSelect
              label="Roles"
              data={roleList.map((r) => ({ value: r.Code, label: r.Name }))}
              value={newRoles}
              onChange={setNewRoles}
              w={{ base: '100%', sm: 320 }}
            />
            <Button type="submit" loading={add.isPending} disabled={newRoles.length === 0}>
              Add member
            </Button>
          </Group>
        </form>
        {add.error && <ErrorPanel error={add.error} />}
      </Paper>
      {(members.error || roles.error) && <ErrorPanel error={members.error ?? roles.error} />}
      {remove.error && <ErrorPanel error={remove.error} />}
      {revoke.error && <ErrorPanel error={revoke.error} />}
      {members.isLoading && <Loader aria-label="Loading members" />}
      {members.data && list.length === 0 && (
        <EmptyState title="No member">Add a user of your tenant by their user ID.</EmptyState>
      )}
      {list.length > 0 && (
        <Table.ScrollContainer minWidth={720}>
          <Table striped data-testid="members-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>User</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th>Roles</Table.Th>
                <Table.Th>Grant</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {list.map((m) => (
                <Table.Tr key={m.UserId}>
                  <Table.Td>
                    <div>{m.UserName}</div>
                    <div className="mono" style={{ fontSize: 12, opacity: 0.7 }}>
                      {m.UserId}
                    </div>
                  </Table.Td>
                  <Table.Td>{m.Status}</Table.Td>
                  <Table.Td>
                    <Group gap={4}>
                      {m.Roles.map((r) => (
                        <Badge
                          key={r.Code}
                          variant="light"
                          pr={3}
                          rightSection={
                            <CloseButton
                              size="xs"
                              aria-label={`Revoke ${r.Name} from ${m.UserName || m.UserId}`}
                              onClick={() =>
                                revoke.mutate({
                                  ProjectId: pid,
                                  UserId: m.UserId,
                                  RoleCodes: JSON.stringify([r.Code]),
                                })
                              }
                            />
                          }
                        >
                          {r.Name}
                        </Badge>
                      ))}
                    </Group>
                  </Table.Td>
                  <Table.Td>
                    <GrantRole pid={pid} member={m} roles={roleList} />
                  </Table.Td>
                  <Table.Td>
                    <Button
                      size="compact-sm"
                      color="red"
                      variant="subtle"
                      onClick={() => remove.mutate({ ProjectId: pid, UserId: m.UserId })}
                    >
                      Remove
                    </Button>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Stack>
  );
}
