// Secrets that must be revealable to permitted roles (API keys, SMTP and sending-server passwords)
// are encrypted at rest with AES-256-GCM; the key comes from the environment (config.secretKey).
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const VERSION = 'v1';

export class SecretBox {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error('SecretBox needs a 32-byte key');
  }

  seal(plaintext: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [VERSION, iv.toString('base64'), tag.toString('base64'), body.toString('base64')].join(':');
  }

  open(sealed: string): string {
    const [version, iv, tag, body] = sealed.split(':');
    if (version !== VERSION || !iv || !tag || body === undefined) throw new Error('Malformed sealed secret');
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64'));
    decipher.setAuthTag(Buffer.from(tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64')), decipher.final()]).toString('utf8');
  }
}

let box: SecretBox | undefined;
export function setSecretKey(key: Buffer): void {
  box = new SecretBox(key);
}
export function secretBox(): SecretBox {
  if (!box) throw new Error('Secret key not configured');
  return box;
}

/**
 * Installs the AES key: POSTERN_SECRET_KEY when set, else the embedded default's key kept beside its
 * data (made once, mode 0600), so a restart can still open what it sealed.
 */
export function configureSecretKey(config: { secretKey: Buffer | undefined; dataDir: string }): void {
  if (config.secretKey) return setSecretKey(config.secretKey);
  const file = path.join(config.dataDir, 'secret.key');
  if (!existsSync(file)) {
    mkdirSync(config.dataDir, { recursive: true });
    writeFileSync(file, randomBytes(32).toString('base64'), { mode: 0o600 });
  }
  setSecretKey(Buffer.from(readFileSync(file, 'utf8').trim(), 'base64'));
}
