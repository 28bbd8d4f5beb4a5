import {
  Alert,
  AppShell,
  Burger,
  Button,
  Group,
  Loader,
  NavLink,
  ScrollArea,
  Select,
  Text,
  Title,
} from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useQueryClient } from '@tanstack/react-query';
import { lazy, Suspense, useEffect } from 'react';
import { Redirect, Route, Switch, useLocation, useRoute, useSearch } from 'wouter';
import { prefetchRoute, useCredentials, useRead } from './api/hooks';
import { reads } from './api/reads';
import { signOut } from './api/session';
import { hasWebCrypto } from './api/sign';
import type { Paging, Project } from './api/types';
import { useLinkProps } from './components/nav';
// The list is the first page after sign-in: in the entry chunk, so its render waits on no import.
import DataSourcesPage from './pages/DataSourcesPage';
import { SignInPage } from './pages/SignInPage';

const WhoAmIPage = lazy(() => import('./pages/WhoAmIPage'));
const WorkspacesPage = lazy(() => import('./pages/WorkspacesPage'));
const WorkspaceSettingsPage = lazy(() => import('./pages/WorkspaceSettingsPage'));
const DataSourcePage = lazy(() => import('./pages/DataSourcePage'));
const DataSourceFormPage = lazy(() => import('./pages/DataSourceFormPage'));
const SharedPage = lazy(() => import('./pages/SharedPage'));
const MembersPage = lazy(() => import('./pages/MembersPage'));
const AuditPage = lazy(() => import('./pages/AuditPage'));
const ExplorerPage = lazy(() => import('./pages/ExplorerPage'));

export function useProjects() {
  return useRead<Paging<'Projects', Project>>(reads.projects());
}

/** Starts the reads of the URL being opened at once (see api/reads.ts). */
function RoutePrefetch() {
  const [location] = useLocation();
  const search = useSearch();
  const client = useQueryClient();
  useEffect(() => prefetchRoute(client, location, search), [client, location, search]);
  return null;
}

function InsecureBanner() {
  if (hasWebCrypto()) return null;
  return (
    <Alert color="yellow" mb="md" data-testid="insecure-banner">
      This connection is not encrypted (plain HTTP from another host): your AccessKey secret and
      every answer travel in clear. Use HTTPS, or open the console on localhost.
    </Alert>
  );
}

function WorkspaceSwitcher() {
  const [, navigate] = useLocation();
  const [, params] = useRoute<{ pid: string }>('/w/:pid/*?');
  const projects = useProjects();
  const list = projects.data?.PagingInfo.Projects ?? [];
  return (
    <Select
      aria-label="Workspace"
      placeholder={projects.isLoading ? 'Loading…' : 'Choose a workspace'}
      data={list.map((p) => ({ value: String(p.Id), label: `${p.DisplayName || p.Name}` }))}
      value={params?.pid ?? null}
      onChange={(v) => v && navigate(`/w/${v}/data-sources`)}
      searchable
      nothingFoundMessage="No workspace"
      w={{ base: 190, sm: 240 }}
      size="sm"
    />
  );
}

function Navigation({ close }: { close: () => void }) {
  const [location] = useLocation();
  const link = useLinkProps();
  const [, params] = useRoute<{ pid: string }>('/w/:pid/*?');
  const pid = params?.pid;
  const item = (href: string, label: string, disabled = false) => {
    const props = link(href);
    return (
      <NavLink
        key={href}
        label={label}
        active={location === href || location.startsWith(`${href}/`)}
        disabled={disabled}
        {...props}
        onClick={(e) => {
          props.onClick(e);
          close();
        }}
      />
    );
  };
  return (
    <>
      <Text size="xs" c="dimmed" fw={700} tt="uppercase" px="sm" pb={4}>
        Workspace
      </Text>
      {pid ? (
        <>
          {item(`/w/${pid}/data-sources`, 'Data sources')}
          {item(`/w/${pid}/shared`, 'Shared with me')}
          {item(`/w/${pid}/members`, 'Members and roles')}
          {item(`/w/${pid}/settings`, 'Workspace settings')}
        </>
      ) : (
        <Text size="sm" c="dimmed" px="sm" pb="sm">
          Choose a workspace above.
        </Text>
      )}
      <Text size="xs" c="dimmed" fw={700} tt="uppercase" px="sm" pt="md" pb={4}>
        Tenant
      </Text>
      {item('/workspaces', 'All workspaces')}
      {item('/audit', 'Audit trail')}
      {item('/explorer', 'API Explorer')}
      {item('/me', 'Who am I')}
    </>
  );
}

function Home() {
  const projects = useProjects();
  if (projects.isLoading) return <Loader aria-label="Loading" />;
  const first = projects.data?.PagingInfo.Projects[0];
  return <Redirect to={first ? `/w/${first.Id}/data-sources` : '/workspaces'} replace />;
}

function Shell() {
  const [opened, { toggle, close }] = useDisclosure();
  const creds = useCredentials();
  return (
    <AppShell
      header={{ height: 56 }}
      navbar={{ width: 230, breakpoint: 'sm', collapsed: { mobile: !opened } }}
      padding="md"
    >
      <AppShell.Header>
        <Group h={56} px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <Burger
              opened={opened}
              onClick={toggle}
              hiddenFrom="sm"
              size="sm"
              aria-label="Toggle navigation"
            />
            <Title order={1} size="h4" visibleFrom="xs">
              dshub
            </Title>
            <WorkspaceSwitcher />
          </Group>
          <Group gap="xs" wrap="nowrap">
            <Text size="sm" c="dimmed" className="mono" visibleFrom="md">
              {creds?.accessKeyId}
            </Text>
            <Button variant="default" size="xs" onClick={() => signOut()}>
              Sign out
            </Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" aria-label="Main">
        <ScrollArea>
          <Navigation close={close} />
        </ScrollArea>
      </AppShell.Navbar>
      <AppShell.Main>
        <RoutePrefetch />
        <InsecureBanner />
        <Suspense fallback={<Loader aria-label="Loading page" />}>
          <Switch>
            <Route path="/" component={Home} />
            <Route path="/me" component={WhoAmIPage} />
            <Route path="/workspaces" component={WorkspacesPage} />
            <Route path="/w/:pid/settings" component={WorkspaceSettingsPage} />
            <Route path="/w/:pid/data-sources" component={DataSourcesPage} />
            <Route path="/w/:pid/data-sources/new" component={DataSourceFormPage} />
            <Route path="/w/:pid/data-sources/:id/edit" component={DataSourceFormPage} />
            <Route path="/w/:pid/data-sources/:id" component={DataSourcePage} />
            <Route path="/w/:pid/shared" component={SharedPage} />
            <Route path="/w/:pid/members" component={MembersPage} />
            <Route path="/audit" component={AuditPage} />
            <Route path="/explorer/:action?" component={ExplorerPage} />
            <Route>
              <Text>This page does not exist.</Text>
            </Route>
          </Switch>
        </Suspense>
      </AppShell.Main>
    </AppShell>
  );
}

export function App() {
  const creds = useCredentials();
  const [location, navigate] = useLocation();
  useEffect(() => {
    if (!creds && location !== '/signin') {
      navigate(`/signin?next=${encodeURIComponent(location)}`, { replace: true });
    }
  }, [creds, location, navigate]);
  if (!creds || location === '/signin') return <SignInPage />;
  return <Shell />;
}
