// What several benches set up the same way: folders of small real archives, and offsite settings for
// the test sshd with its host key pinned as an administrator would have confirmed it.
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { archiveFileName } from '../electron/core/backup/manifest';
import { buildZip } from '../electron/core/backup/zip-fixture';
import { DEFAULT_GC_TRIGGER_FLAGS, tuneGarbageCollection } from '../electron/core/gc-tuning';
import { judgeHostKey, pinHostKey } from '../electron/core/offsite/host-key';
import type { TestSshd } from '../electron/core/offsite/testing/sshd';
import { OffsiteSettings } from '../electron/shared/settings-schema';

/**
 * `archives` real archives of format v1 (a snapshot entry of `snapshotBytes` random bytes, a manifest
 * that describes it), an hour apart, over `repositories` repositories, written alike into each folder.
 */
export function writeArchives(
  folders: string[],
  options: { archives: number; repositories: number; snapshotBytes: number },
): void {
  const started = Date.parse('2026-01-01T00:00:00Z');
  for (let i = 0; i < options.archives; i++) {
    const repo = i % options.repositories;
    const name = `Repository ${repo}`;
    const snapshot = randomBytes(options.snapshotBytes);
    const at = started + i * 3_600_000;
    const manifest = {
      format: 'repo-server-backup',
      formatVersion: 1,
      repository: { name, id: `00000000-0000-4000-8000-${String(repo).padStart(12, '0')}` },
      schemaVersion: 3,
      itemCount: 100 + i,
      revisionCount: 10,
      includesHistory: true,
      startedAt: new Date(at).toISOString(),
      finishedAt: new Date(at + 2000).toISOString(),
      producer: { app: 'Repository Server', version: '0.1.0', host: 'bench' },
      trigger: 'schedule',
      clientsPolicy: 'keep-connected',
      entries: [
        {
          name: 'repository.sqlite',
          size: snapshot.length,
          sha256: createHash('sha256').update(snapshot).digest('hex'),
        },
      ],
    };
    const zip = buildZip([
      { name: 'repository.sqlite', data: snapshot },
      { name: 'manifest.json', data: Buffer.from(JSON.stringify(manifest, null, 2)) },
    ]);
    for (const folder of folders) fs.writeFileSync(path.join(folder, archiveFileName(name, at)), zip);
  }
}

/** Offsite settings for `sshd`'s key login into `remoteFolder`, its host key already pinned. */
export function pinnedSftpSettings(sshd: TestSshd, remoteFolder: string): OffsiteSettings {
  const hostKeyBlob = Buffer.from(
    fs.readFileSync(path.join(sshd.dir, 'host_ed25519.pub'), 'utf8').split(' ')[1]!,
    'base64',
  );
  const base = OffsiteSettings.parse({
    enabled: true,
    host: '127.0.0.1',
    port: sshd.port,
    username: sshd.user,
    auth: 'key-file',
    keyFile: sshd.keyFile,
    remoteFolder,
  });
  return {
    ...base,
    knownHosts: pinHostKey(
      [],
      judgeHostKey(base, '127.0.0.1', sshd.port, hostKeyBlob),
      new Date().toISOString(),
    ),
  };
}

/**
 * `BENCH_DEFAULT_GC=1`: V8's own rule for starting a full collection instead of the server's
 * (electron/core/gc-tuning.ts), for a figure measured both ways. Called once the server is created.
 */
export function benchGcMode(): 'default V8 triggers' | 'server GC triggers' {
  if (!process.env.BENCH_DEFAULT_GC) return 'server GC triggers';
  tuneGarbageCollection(DEFAULT_GC_TRIGGER_FLAGS);
  return 'default V8 triggers';
}
