import {
  Alert,
  Button,
  Center,
  Paper,
  PasswordInput,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { useLocation, useSearch } from 'wouter';
import { ApiCallError, callApi } from '../api/client';
import { signIn } from '../api/session';
import { hasWebCrypto } from '../api/sign';
import { ErrorPanel } from '../components/ErrorPanel';

const HEADLINES: Record<string, string> = {
  SignatureDoesNotMatch: 'The AccessKey secret is wrong for this AccessKey ID.',
  'InvalidAccessKeyId.NotFound': 'There is no AccessKey with this ID.',
  'InvalidAccessKeyId.Inactive': 'This AccessKey, or its user, is disabled.',
};

export function SignInPage() {
  const [, navigate] = useLocation();
  const search = useSearch();
  const [accessKeyId, setId] = useState('');
  const [accessKeySecret, setSecret] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const creds = { accessKeyId: accessKeyId.trim(), accessKeySecret };
    try {
      // The key is checked by a real signed call before it is kept.
      await callApi(creds, 'GetCallerIdentity');
      signIn(creds);
      const next = new URLSearchParams(search).get('next');
      navigate(next?.startsWith('/') && next !== '/signin' ? next : '/', { replace: true });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  const headline = error instanceof ApiCallError ? HEADLINES[error.code] : undefined;
  return (
    <Center mih="100vh" p="md">
      <Paper withBorder shadow="sm" p="xl" w="100%" maw={440}>
        <form onSubmit={submit} aria-label="Sign in">
          <Stack>
            <div>
              <Title order={1} size="h2">
                dshub console
              </Title>
              <Text c="dimmed" size="sm">
                Sign in with an AccessKey. Every call is signed in this browser; the secret stays in
                this tab and is forgotten when it closes.
              </Text>
            </div>
            {!hasWebCrypto() && (
              <Alert color="yellow" data-testid="insecure-banner">
                This connection is not encrypted: the page was opened over plain HTTP from another
                host, so the secret and every answer travel in clear. Use HTTPS or localhost.
              </Alert>
            )}
            <TextInput
              label="AccessKey ID"
              name="accessKeyId"
              autoComplete="username"
              required
              value={accessKeyId}
              onChange={(e) => setId(e.currentTarget.value)}
              data-autofocus
            />
            <PasswordInput
              label="AccessKey secret"
              name="accessKeySecret"
              autoComplete="current-password"
              required
              value={accessKeySecret}
              onChange={(e) => setSecret(e.currentTarget.value)}
            />
            {error !== null && (
              <ErrorPanel error={error} title={headline ?? 'Sign-in failed'} signingIn />
            )}
            <Button type="submit" loading={busy}>
              Sign in
            </Button>
          </Stack>
        </form>
      </Paper>
    </Center>
  );
}
