/**
 * The master keys this process holds: the current one (which seals) and any others it may need
 * to open values sealed before a rotation. A key's id is a short fingerprint of the key, so a
 * sealed value names the key it needs without revealing anything about it.
 */
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export function keyId(key: Buffer): string {
  return createHash('sha256').update('dshub-master-key').update(key).digest('hex').slice(0, 16);
}

export function decodeKey(text: string): Buffer {
  const t = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(t) ? Buffer.from(t, 'hex') : Buffer.from(t, 'base64');
  if (key.length !== 32) throw new Error('a master key must be 32 bytes (base64 or hex)');
  return key;
}

export function encodeKey(key: Buffer): string {
  return key.toString('base64');
}

export class Keyring {
  private readonly keys = new Map<string, Buffer>();
  private currentId: string;

  constructor(current: Buffer, others: Buffer[] = []) {
    this.currentId = keyId(current);
    this.keys.set(this.currentId, current);
    for (const k of others) this.keys.set(keyId(k), k);
  }

  current(): { id: string; key: Buffer } {
    return { id: this.currentId, key: this.keys.get(this.currentId)! };
  }

  get(id: string): Buffer | undefined {
    return this.keys.get(id);
  }

  ids(): string[] {
    return [...this.keys.keys()];
  }

  /** Makes another loaded (or new) key the sealing key; the previous one stays for opening. */
  promote(key: Buffer): void {
    const id = keyId(key);
    this.keys.set(id, key);
    this.currentId = id;
  }
}

/** Where master keys live when they are not given by DSHUB_MASTER_KEY. */
export function keyFiles(dataDir: string) {
  return {
    current: join(dataDir, 'master.key'),
    /** Written before a rotation starts, promoted to `current` when it ends. */
    next: join(dataDir, 'master.key.next'),
    /** Keys retired by earlier rotations, kept so a restored backup still opens. */
    retired: join(dataDir, 'master.key.retired'),
  };
}

function writeSecretFile(path: string, content: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, content, { mode: 0o600, flag: 'wx' });
  chmodSync(path, 0o600);
}

/**
 * Loads the keyring: DSHUB_MASTER_KEY when given, else the key file in the data directory,
 * created (mode 0600) on first start. A pending `next` key (an interrupted rotation) and retired
 * keys are loaded too, so every sealed value stays readable whatever point a rotation reached.
 */
export function loadKeyring(opts: { masterKey: string | undefined; dataDir: string }): {
  keyring: Keyring;
  created: boolean;
} {
  const files = keyFiles(opts.dataDir);
  const others: Buffer[] = [];
  if (existsSync(files.next)) others.push(decodeKey(readFileSync(files.next, 'utf8')));
  if (existsSync(files.retired)) {
    for (const line of readFileSync(files.retired, 'utf8').split('\n')) {
      if (line.trim()) others.push(decodeKey(line));
    }
  }
  if (opts.masterKey)
    return { keyring: new Keyring(decodeKey(opts.masterKey), others), created: false };
  let created = false;
  if (!existsSync(files.current)) {
    writeSecretFile(files.current, `${encodeKey(randomBytes(32))}\n`);
    created = true;
  }
  return { keyring: new Keyring(decodeKey(readFileSync(files.current, 'utf8')), others), created };
}

/** Starts a rotation: writes the next key (0600) unless one is already pending. */
export function prepareNextKey(dataDir: string, given?: Buffer): Buffer {
  const files = keyFiles(dataDir);
  if (existsSync(files.next)) return decodeKey(readFileSync(files.next, 'utf8'));
  const key = given ?? randomBytes(32);
  writeSecretFile(files.next, `${encodeKey(key)}\n`);
  return key;
}

/** Ends a rotation: the next key becomes current and the old one is retired. */
export function promoteNextKey(dataDir: string): void {
  const files = keyFiles(dataDir);
  if (!existsSync(files.next)) return;
  if (existsSync(files.current)) {
    const old = readFileSync(files.current, 'utf8').trim();
    const prior = existsSync(files.retired) ? readFileSync(files.retired, 'utf8') : '';
    writeFileSync(files.retired, `${prior}${old}\n`, { mode: 0o600 });
    chmodSync(files.retired, 0o600);
  }
  renameSync(files.next, files.current);
}
