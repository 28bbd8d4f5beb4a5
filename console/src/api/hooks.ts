/** TanStack Query bindings: every read is keyed by action and parameters. */
import {
  type QueryClient,
  type UseQueryOptions,
  useMutation,
  useQuery,
  useQueryClient,
} from '@tanstack/react-query';
import { useSyncExternalStore } from 'react';
import { callApi, type Params } from './client';
import { openApiQuery } from './openapi';
import { type Read, readsFor } from './reads';
import { type Credentials, getCredentials, subscribe } from './session';

export function useCredentials(): Credentials | null {
  return useSyncExternalStore(subscribe, getCredentials);
}

function requireCredentials(): Credentials {
  const c = getCredentials();
  if (!c) throw new Error('Not signed in');
  return c;
}

function keyOf(action: string, params: Params, accessKeyId: string | undefined) {
  return [action, params, accessKeyId] as const;
}

export function useApiQuery<T>(
  action: string,
  params: Params,
  options: Omit<UseQueryOptions<T>, 'queryKey' | 'queryFn'> = {},
) {
  const creds = useCredentials();
  return useQuery<T>({
    queryKey: keyOf(action, params, creds?.accessKeyId),
    queryFn: ({ signal }) => callApi<T>(requireCredentials(), action, params, { signal }),
    enabled: creds !== null && options.enabled !== false,
    ...options,
  });
}

/** A read built by src/api/reads.ts (the same key the shell prefetched under). */
export function useRead<T>(
  read: Read,
  options: Omit<UseQueryOptions<T>, 'queryKey' | 'queryFn'> = {},
) {
  return useApiQuery<T>(read.action, read.params, {
    ...(read.staleTime !== undefined ? { staleTime: read.staleTime } : {}),
    ...options,
  });
}

/** Starts every read of a URL at once (see reads.ts); a read already cached and fresh is kept. */
export function prefetchRoute(client: QueryClient, path: string, search: string): void {
  const creds = getCredentials();
  if (!creds) return;
  const { reads, openapi } = readsFor(path, search);
  for (const r of reads) {
    void client.prefetchQuery({
      queryKey: keyOf(r.action, r.params, creds.accessKeyId),
      queryFn: ({ signal }) => callApi(creds, r.action, r.params, { signal }),
      ...(r.staleTime !== undefined ? { staleTime: r.staleTime } : {}),
    });
  }
  if (openapi) void client.prefetchQuery(openApiQuery);
}

/** A write; on success every cached read is refetched (the console's reads are cheap). */
export function useApiMutation<T = Record<string, unknown>>(action: string) {
  const client = useQueryClient();
  return useMutation<T, Error, Params>({
    mutationFn: (params) => callApi<T>(requireCredentials(), action, params),
    onSuccess: () => client.invalidateQueries(),
  });
}
