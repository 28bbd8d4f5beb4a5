import {
  Badge,
  Button,
  Checkbox,
  Group,
  Loader,
  Modal,
  Stack,
  Table,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { type FormEvent, useState } from 'react';
import { useLocation } from 'wouter';
import { useProjects } from '../App';
import { useApiMutation } from '../api/hooks';
import { EmptyState } from '../components/EmptyState';
import { ErrorPanel } from '../components/ErrorPanel';
import { useLinkProps } from '../components/nav';

const NAME_RULE = /^[A-Za-z][A-Za-z0-9_]{2,27}$/;

function CreateWorkspace({ onClose }: { onClose: () => void }) {
  const [, navigate] = useLocation();
  const create = useApiMutation<{ ProjectId: number }>('CreateProject');
  const [name, setName] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [description, setDescription] = useState('');
  const [standard, setStandard] = useState(true);
  const nameError =
    name && !NAME_RULE.test(name)
      ? '3 to 28 letters, digits and underscores, starting with a letter.'
      : null;
  async function submit(e: FormEvent) {
    e.preventDefault();
    if (nameError) return;
    const r = await create.mutateAsync({
      Name: name,
      DisplayName: displayName || name,
      Description: description,
      DevEnvironmentEnabled: standard,
    });
    onClose();
    navigate(`/w/${r.ProjectId}/data-sources`);
  }
  return (
    <form onSubmit={(e) => void submit(e).catch(() => undefined)} aria-label="Create workspace">
      <Stack>
        <TextInput
          label="Name"
          description="Unique in the tenant; used in shared data source names (workspace.name)."
          required
          value={name}
          error={nameError}
          onChange={(e) => setName(e.currentTarget.value)}
          data-autofocus
        />
        <TextInput
          label="Display name"
          value={displayName}
          onChange={(e) => setDisplayName(e.currentTarget.value)}
        />
        <Textarea
          label="Description"
          value={description}
          onChange={(e) => setDescription(e.currentTarget.value)}
        />
        <Checkbox
          label="Standard mode: separate Dev and Prod environments"
          checked={standard}
          onChange={(e) => setStandard(e.currentTarget.checked)}
        />
        {create.error && <ErrorPanel error={create.error} />}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit" loading={create.isPending}>
            Create workspace
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

export default function WorkspacesPage() {
  const projects = useProjects();
  const [opened, { open, close }] = useDisclosure();
  const link = useLinkProps();
  const list = projects.data?.PagingInfo.Projects ?? [];
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>Workspaces</Title>
        <Button onClick={open}>Create workspace</Button>
      </Group>
      <Modal opened={opened} onClose={close} title="Create workspace">
        <CreateWorkspace onClose={close} />
      </Modal>
      {projects.isLoading && <Loader aria-label="Loading" />}
      {projects.error && <ErrorPanel error={projects.error} />}
      {projects.data && list.length === 0 && (
        <EmptyState
          title="No workspace yet"
          action={<Button onClick={open}>Create your first workspace</Button>}
        >
          Data sources, members and sharing rules live in workspaces. Create one, or ask a tenant
          administrator to add you to one.
        </EmptyState>
      )}
      {list.length > 0 && (
        <Table.ScrollContainer minWidth={560}>
          <Table striped highlightOnHover>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Id</Table.Th>
                <Table.Th>Name</Table.Th>
                <Table.Th>Display name</Table.Th>
                <Table.Th>Mode</Table.Th>
                <Table.Th>Status</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {list.map((p) => (
                <Table.Tr key={p.Id}>
                  <Table.Td>{p.Id}</Table.Td>
                  <Table.Td>
                    <Button variant="subtle" size="compact-sm" {...link(`/w/${p.Id}/data-sources`)}>
                      {p.Name}
                    </Button>
                  </Table.Td>
                  <Table.Td>{p.DisplayName}</Table.Td>
                  <Table.Td>
                    {p.DevEnvironmentEnabled ? 'Standard (Dev + Prod)' : 'Basic (Prod)'}
                  </Table.Td>
                  <Table.Td>
                    <Badge color={p.Status === 'Available' ? 'green' : 'gray'}>{p.Status}</Badge>
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
