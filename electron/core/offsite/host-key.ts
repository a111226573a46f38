import { createHash } from 'node:crypto';
import { knownHostOf, type KnownHost, type OffsiteSettings } from '../../shared/settings-schema';
import type { HostKeySeen } from '../../shared/contract/offsite';

// Host keys are pinned on first use: the first connection to a host stops before logging in and shows
// the key's SHA-256 fingerprint (as `ssh-keygen -lf` prints it) for the administrator to compare and
// confirm; from then on only that key is accepted, and a different one is refused with both shown.

/** `SHA256:…` of an SSH public key blob, unpadded base64, as OpenSSH prints it. */
export function fingerprintOf(keyBlob: Uint8Array): string {
  return 'SHA256:' + createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '');
}

/** The key type named at the start of the blob (ssh-ed25519, ecdsa-sha2-nistp256, rsa-sha2-512…). */
export function algorithmOf(keyBlob: Uint8Array): string {
  if (keyBlob.length < 4) return 'unknown';
  const length = new DataView(keyBlob.buffer, keyBlob.byteOffset, keyBlob.byteLength).getUint32(0);
  if (length < 1 || length > 64 || 4 + length > keyBlob.length) return 'unknown';
  const name = Buffer.from(keyBlob.subarray(4, 4 + length)).toString('latin1');
  return /^[\x21-\x7e]+$/.test(name) ? name : 'unknown';
}

/** What a connection saw of the host's key, against the confirmed one. */
export function judgeHostKey(
  settings: Pick<OffsiteSettings, 'knownHosts'>,
  host: string,
  port: number,
  keyBlob: Uint8Array,
): HostKeySeen {
  const fingerprint = fingerprintOf(keyBlob);
  const pinned = knownHostOf(settings, host, port);
  return {
    host,
    port,
    algorithm: algorithmOf(keyBlob),
    fingerprint,
    state: !pinned ? 'new' : pinned.fingerprint === fingerprint ? 'pinned' : 'changed',
    pinnedFingerprint: pinned && pinned.fingerprint !== fingerprint ? pinned.fingerprint : null,
  };
}

/** The known hosts with this host's key confirmed (replacing an earlier one of the same host and port). */
export function pinHostKey(known: KnownHost[], seen: HostKeySeen, at: string): KnownHost[] {
  const others = known.filter(
    (k) => !(k.host.toLowerCase() === seen.host.toLowerCase() && k.port === seen.port),
  );
  return [
    {
      host: seen.host,
      port: seen.port,
      algorithm: seen.algorithm,
      fingerprint: seen.fingerprint,
      confirmedAt: at,
    },
    ...others,
  ].slice(0, 16);
}

export const hostKeyMessages = {
  unconfirmed: (seen: HostKeySeen) =>
    `The server ${seen.host}:${seen.port} presented the host key ${seen.fingerprint} (${seen.algorithm}), ` +
    'which was never confirmed. Compare it with the server’s (ssh-keygen -lf on its host key) and confirm it in the offsite settings.',
  changed: (seen: HostKeySeen) =>
    `The host key of ${seen.host}:${seen.port} has changed: it was ${seen.pinnedFingerprint}, now it is ` +
    `${seen.fingerprint} (${seen.algorithm}). Refused: someone may be intercepting the connection. If the ` +
    'server was reinstalled, test the connection and confirm the new key in the offsite settings.',
};
