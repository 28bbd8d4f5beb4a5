import { Alert, Anchor, Button, Code, CopyButton, Group, Stack, Text } from '@mantine/core';
import { ApiCallError } from '../api/client';
import { signOut } from '../api/session';

/** A failed call as people can act on it: Code, Message, Recommend and a copyable RequestId. */
export function ErrorPanel({
  error,
  title,
  signingIn = false,
}: {
  error: unknown;
  title?: string;
  signingIn?: boolean;
}) {
  if (!(error instanceof ApiCallError)) {
    return (
      <Alert color="red" title={title ?? 'Something went wrong'} role="alert">
        {error instanceof Error ? error.message : String(error)}
      </Alert>
    );
  }
  if (error.kind === 'network') {
    return (
      <Alert color="red" title="dshub cannot be reached" role="alert">
        {error.message}
      </Alert>
    );
  }
  return (
    <Alert color="red" title={title ?? error.code} role="alert" data-testid="api-error">
      <Stack gap={6}>
        {error.isAuth && !signingIn && (
          <Text fw={600}>
            Your sign-in is no longer accepted (the AccessKey was refused). Sign in again.
          </Text>
        )}
        <Text size="sm">
          <b>Code:</b> <Code>{error.code}</Code> (HTTP {error.status})
        </Text>
        <Text size="sm">
          <b>Message:</b> {error.message}
        </Text>
        {error.recommend && (
          <Text size="sm" style={{ overflowWrap: 'anywhere' }}>
            <b>Recommend:</b>{' '}
            <Anchor href={error.recommend} target="_blank" rel="noreferrer noopener" size="sm">
              {error.recommend}
            </Anchor>
          </Text>
        )}
        {error.requestId && (
          <Group gap="xs">
            <Text size="sm">
              <b>RequestId:</b> <Code data-testid="error-request-id">{error.requestId}</Code>
            </Text>
            <CopyButton value={error.requestId}>
              {({ copied, copy }) => (
                <Button size="compact-xs" variant="light" onClick={copy}>
                  {copied ? 'Copied' : 'Copy RequestId'}
                </Button>
              )}
            </CopyButton>
          </Group>
        )}
        {error.isAuth && !signingIn && (
          <Group>
            <Button size="xs" variant="white" color="red" onClick={() => signOut()}>
              Sign in again
            </Button>
          </Group>
        )}
      </Stack>
    </Alert>
  );
}
