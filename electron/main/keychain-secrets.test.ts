import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { keychainSecretStore, type KeychainApi } from './keychain-secrets';

// Electron's safeStorage is injected: a fake that "encrypts" reversibly, so the test can tell what
// reached the disk.

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
const dataDir = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'keychain-'));
  dirs.push(dir);
  return dir;
};

const fakeSafeStorage = (
  backend: ReturnType<KeychainApi['getSelectedStorageBackend']>,
  available = true,
): KeychainApi => ({
  isEncryptionAvailable: () => available,
  getSelectedStorageBackend: () => backend,
  encryptString: (text) =>
    Buffer.concat([Buffer.from('ENC1'), Buffer.from(text, 'utf8').map((b) => b ^ 0x5a)]),
  decryptString: (bytes) => {
    if (!bytes.subarray(0, 4).equals(Buffer.from('ENC1'))) throw new Error('not ours');
    return Buffer.from(bytes.subarray(4).map((b) => b ^ 0x5a)).toString('utf8');
  },
});

describe('the desktop secret store', () => {
  it('keeps the passphrase encrypted by the OS keychain, in an owner-only file, never in clear', () => {
    const dir = dataDir();
    const store = keychainSecretStore(fakeSafeStorage('gnome_libsecret'), dir, 'linux');
    expect(store.kind).toBe('keychain');
    store.set('offsite-login', 'pass phrase 42');
    const file = path.join(dir, 'secrets', 'offsite-login');
    expect(fs.readFileSync(file).includes(Buffer.from('pass phrase 42'))).toBe(false);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(store.get('offsite-login')).toBe('pass phrase 42');
    // What another keychain cannot decrypt reads as nothing stored (the user enters it again).
    fs.writeFileSync(file, 'garbage');
    expect(store.get('offsite-login')).toBeNull();
    store.delete('offsite-login');
    expect(fs.existsSync(file)).toBe(false);
  });

  it('Linux without a keyring ("basic_text") or no encryption at all: an owner-only file, and says so', () => {
    expect(keychainSecretStore(fakeSafeStorage('basic_text'), dataDir(), 'linux').kind).toBe(
      'owner-only-file',
    );
    expect(keychainSecretStore(fakeSafeStorage('unknown', false), dataDir(), 'darwin').kind).toBe(
      'owner-only-file',
    );
    expect(keychainSecretStore(fakeSafeStorage('unknown'), dataDir(), 'darwin').kind).toBe('keychain');
  });
});
