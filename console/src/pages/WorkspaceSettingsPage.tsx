import {
  Button,
  Checkbox,
  Group,
  Loader,
  Paper,
  Stack,
  Text,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core';
import { type FormEvent, useEffect, useState } from 'react';
import { useParams } from 'wouter';
import { useApiMutation, useRead } from '../api/hooks';
import { reads } from '../api/reads';
import type { Project } from '../api/types';
import { ErrorPanel } from '../components/ErrorPanel';

export default function WorkspaceSettingsPage() {
  const { pid } = useParams<{ pid: string }>();
  const q = useRead<{ Project: Project }>(reads.project(pid));
  const update = useApiMutation('UpdateProject');
  const [displayName, setDisplayName] = useState('');
  const [description, setDescription] = useState('');
  const [standard, setStandard] = useState(false);
  const project = q.data?.Project;
  useEffect(() => {
    if (!project) return;
    setDisplayName(project.DisplayName);
    setDescription(project.Description ?? '');
    setStandard(project.DevEnvironmentEnabled);
  }, [project]);

  function submit(e: FormEvent) {
    e.preventDefault();
    update.mutate({
      Id: pid,
      DisplayName: displayName,
      Description: description,
      ...(standard && !project?.DevEnvironmentEnabled ? { DevEnvironmentEnabled: true } : {}),
    });
  }
  return (
    <Stack maw={640}>
      <Title order={2}>Workspace settings</Title>
      {q.isLoading && <Loader aria-label="Loading" />}
      {q.error && <ErrorPanel error={q.error} />}
      {project && (
        <Paper withBorder p="md">
          <form onSubmit={submit} aria-label="Edit workspace">
            <Stack>
              <Text size="sm">
                <b>Name:</b> <span className="mono">{project.Name}</span> · <b>Id:</b> {project.Id}{' '}
                · <b>Owner:</b> <span className="mono">{project.Owner}</span>
              </Text>
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
                label="Standard mode (Dev and Prod); cannot be turned back to basic mode"
                checked={standard}
                disabled={project.DevEnvironmentEnabled}
                onChange={(e) => setStandard(e.currentTarget.checked)}
              />
              {update.error && <ErrorPanel error={update.error} />}
              {update.isSuccess && <Text c="green">Saved.</Text>}
              <Group justify="flex-end">
                <Button type="submit" loading={update.isPending}>
                  Save
                </Button>
              </Group>
            </Stack>
          </form>
        </Paper>
      )}
    </Stack>
  );
}
