/**
 * The signed-in AccessKey. The secret lives in memory and in sessionStorage only (so a reload
 * keeps the tab signed in, and closing the tab forgets it); it is never put in a URL, never
 * logged and never shown again. Signing out wipes both.
 */
export interface Credentials {
  accessKeyId: string;
  accessKeySecret: string;
}

const KEY = 'dshub.console.credentials';
type Listener = () => void;

let current: Credentials | null = read();
const listeners = new Set<Listener>();

function read(): Credentials | null {
  try {
    const raw = sessionStorage.getItem(KEY);
    if (!raw) return null;
    const v = JSON.parse(raw) as Partial<Credentials>;
    return typeof v.accessKeyId === 'string' && typeof v.accessKeySecret === 'string'
      ? { accessKeyId: v.accessKeyId, accessKeySecret: v.accessKeySecret }
      : null;
  } catch {
    return null;
  }
}

export function getCredentials(): Credentials | null {
  return current;
}

export function signIn(creds: Credentials): void {
  current = creds;
  sessionStorage.setItem(KEY, JSON.stringify(creds));
  for (const l of listeners) l();
}

export function signOut(): void {
  current = null;
  sessionStorage.removeItem(KEY);
  for (const l of listeners) l();
}

export function subscribe(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
