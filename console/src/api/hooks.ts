/** TanStack Query bindings: every read is keyed by action and parameters. */
import { type UseQueryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useSyncExternalStore } from 'react';
import { callApi, type Params } from './client';
import { type Credentials, getCredentials, subscribe } from './session';

export function useCredentials(): Credentials | null {
  return useSyncExternalStore(subscribe, getCredentials);
}

function requireCredentials(): Credentials {
  const c = getCredentials();
  if (!c) throw new Error('Not signed in');
  return c;
}

export function useApiQuery<T>(
  action: string,
  params: Params,
  options: Omit<UseQueryOptions<T>, 'queryKey' | 'queryFn'> = {},
) {
  const creds = useCredentials();
  return useQuery<T>({
    queryKey: [action, params, creds?.accessKeyId],
    queryFn: ({ signal }) => callApi<T>(requireCredentials(), action, params, { signal }),
    enabled: creds !== null && options.enabled !== false,
    ...options,
  });
}

/** A write; on success every cached read is refetched (the console's reads are cheap). */
export function useApiMutation<T = Record<string, unknown>>(action: string) {
  const client = useQueryClient();
  return useMutation<T, Error, Params>({
    mutationFn: (params) => callApi<T>(requireCredentials(), action, params),
    onSuccess: () => client.invalidateQueries(),
  });
}
