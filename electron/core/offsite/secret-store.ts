import fs from 'node:fs';
import path from 'node:path';
import type { SecretStorage } from '../../shared/contract/offsite';

// Secrets (the offsite password or key passphrase) never go into the settings JSON, the logs, the
// history or an archive. They are kept by a secret store the host injects: the desktop app encrypts
// them with the OS keychain (Electron's safeStorage, electron/main/keychain-secrets.ts); headless they
// are in `<dataDir>/secrets/`, a folder only this OS user can open, one file per secret, mode 0600.

export interface SecretStore {
  readonly kind: SecretStorage;
  get(name: string): string | null;
  set(name: string, value: string): void;
  delete(name: string): void;
}

export const SECRETS_FOLDER = 'secrets';
const NAME = /^[a-z][a-z0-9-]{0,63}$/;

/** Encodes what a secret file holds; the keychain store encrypts, the file store keeps the text. */
export interface SecretCodec {
  kind: SecretStorage;
  encode(text: string): Buffer;
  decode(bytes: Buffer): string;
}

export const plainCodec: SecretCodec = {
  kind: 'owner-only-file',
  encode: (text) => Buffer.from(text, 'utf8'),
  decode: (bytes) => bytes.toString('utf8'),
};

/** Secrets as owner-only files in `<dataDir>/secrets/`, replaced atomically. */
export function fileSecretStore(dataDir: string, codec: SecretCodec = plainCodec): SecretStore {
  const folder = path.join(dataDir, SECRETS_FOLDER);
  const fileOf = (name: string) => {
    if (!NAME.test(name)) throw new Error(`Not a secret name: ${name}`);
    return path.join(folder, name);
  };
  return {
    kind: codec.kind,
    get(name) {
      let bytes: Buffer;
      try {
        bytes = fs.readFileSync(fileOf(name));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw error;
      }
      try {
        return codec.decode(bytes);
      } catch {
        // Encrypted by another keychain (a new user profile, a keyring reset): as if none was stored.
        return null;
      }
    },
    set(name, value) {
      fs.mkdirSync(folder, { recursive: true, mode: 0o700 });
      fs.chmodSync(folder, 0o700);
      const file = fileOf(name);
      const temp = `${file}.${process.pid}.tmp`;
      fs.writeFileSync(temp, codec.encode(value), { mode: 0o600 });
      fs.chmodSync(temp, 0o600);
      fs.renameSync(temp, file);
    },
    delete(name) {
      fs.rmSync(fileOf(name), { force: true });
    },
  };
}

/** In memory, for tests that need no files. */
export function memorySecretStore(): SecretStore {
  const values = new Map<string, string>();
  return {
    kind: 'owner-only-file',
    get: (name) => values.get(name) ?? null,
    set: (name, value) => void values.set(name, value),
    delete: (name) => void values.delete(name),
  };
}

/** The offsite login's secret (password or key passphrase). */
export const OFFSITE_SECRET = 'offsite-login';
