import { randomInt } from 'node:crypto';

/** A 16-digit numeric string, the shape of an Alibaba Cloud account or RAM user id. */
export function newAccountId(): string {
  return (
    String(randomInt(1, 10)) +
    String(randomInt(0, 1e9)).padStart(9, '0') +
    String(randomInt(0, 1e6)).padStart(6, '0')
  );
}

const KEY_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function randomString(length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += KEY_ALPHABET[randomInt(0, KEY_ALPHABET.length)];
  return out;
}

/** AccessKey ids look like Alibaba's (`LTAI` + 20 characters); secrets are 30 characters. */
export function newAccessKeyId(): string {
  return `LTAI${randomString(20)}`;
}

export function newAccessKeySecret(): string {
  return randomString(30);
}
