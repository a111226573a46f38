import type { SafeStorage } from 'electron';
import { fileSecretStore, type SecretStore } from '../core/offsite/secret-store';

// The desktop app's secret store (core/offsite/secret-store.ts): each secret encrypted with the OS
// keychain through Electron's safeStorage (Keychain on macOS, DPAPI on Windows, libsecret or KWallet on
// Linux), in the same owner-only files. Linux without a keyring gives safeStorage's "basic_text", a key
// written into Chromium itself: that is no keychain, so it is not called one — the owner-only file is
// what protects the secret then, as headless, and the dialog says so.

export type KeychainApi = Pick<
  SafeStorage,
  'isEncryptionAvailable' | 'encryptString' | 'decryptString' | 'getSelectedStorageBackend'
>;

export function keychainSecretStore(
  safeStorage: KeychainApi,
  dataDir: string,
  platform: NodeJS.Platform = process.platform,
): SecretStore {
  const available =
    safeStorage.isEncryptionAvailable() &&
    !(platform === 'linux' && safeStorage.getSelectedStorageBackend() === 'basic_text');
  if (!available) return fileSecretStore(dataDir);
  return fileSecretStore(dataDir, {
    kind: 'keychain',
    // The synchronous calls: the core reads a secret while it connects, and they are fast.
    encode: (text) => safeStorage.encryptString(text),
    decode: (bytes) => safeStorage.decryptString(bytes),
  });
}
