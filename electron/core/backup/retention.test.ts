import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ManifestV1 } from '../../shared/contract/archives';
import { nodeAgentLauncher } from './fs-agent';
import {
  applyRetention as applyWith,
  isArchiveNameOf,
  type ArchiveInspector,
  type RetentionInput,
} from './retention';
import { TargetFs } from './target-fs';

/** Lists and deletes through a real file agent, as a backup job does. */
async function applyRetention(input: Omit<RetentionInput, 'io'>) {
  const io = new TargetFs({ launcher: nodeAgentLauncher, timeoutMs: 30_000 });
  try {
    return await applyWith({ ...input, io });
  } finally {
    io.close();
  }
}

// Selection rules with a verifier injected per file; backup-run.test.ts repeats the important cases with
// real archives written and verified by the backup engine.

const REPO = { name: 'Payments', id: '7d9c2f5e-0000-4000-8000-000000000001' };

function folderWith(files: Record<string, { id?: string; startedAt?: string; good?: boolean } | 'foreign'>) {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'retention-'));
  const facts = new Map<string, { manifest: ManifestV1 | null; good: boolean }>();
  for (const [name, f] of Object.entries(files)) {
    const file = path.join(folder, name);
    fs.writeFileSync(file, 'zip bytes');
    facts.set(
      file,
      f === 'foreign'
        ? { manifest: null, good: false }
        : {
            manifest: {
              repository: { name: REPO.name, id: f.id ?? REPO.id },
              startedAt:
                f.startedAt ?? `${name.slice(-23, -13)}T${name.slice(-12, -4).replaceAll('-', ':')}Z`,
            } as ManifestV1,
            good: f.good ?? true,
          },
    );
  }
  const verified: string[] = [];
  const inspector: ArchiveInspector = {
    readManifest: async (file) => facts.get(file)?.manifest ?? null,
    verify: async (file) => {
      verified.push(path.basename(file));
      return facts.get(file)?.good ?? false;
    },
  };
  const left = () => fs.readdirSync(folder).sort();
  return { folder, inspector, left, verified };
}

describe('retention', () => {
  it('keeps the newest N verified backups and deletes the older ones', async () => {
    const t = folderWith({
      'Payments_2026-11-18-22-00-00.zip': {},
      'Payments_2026-11-19-22-00-00.zip': {},
      'Payments_2026-11-20-22-00-00.zip': {},
      'Payments_2026-11-21-22-00-00.zip': {},
    });
    const result = await applyRetention({
      folder: t.folder,
      repository: REPO,
      keepLast: 2,
      inspector: t.inspector,
    });
    expect(t.left()).toEqual(['Payments_2026-11-20-22-00-00.zip', 'Payments_2026-11-21-22-00-00.zip']);
    expect(result.deleted.map((f) => path.basename(f))).toEqual([
      'Payments_2026-11-19-22-00-00.zip',
      'Payments_2026-11-18-22-00-00.zip',
    ]);
  });

  it('a damaged newest backup does not count as one of the N', async () => {
    const t = folderWith({
      'Payments_2026-11-19-22-00-00.zip': {},
      'Payments_2026-11-20-22-00-00.zip': {},
      'Payments_2026-11-21-22-00-00.zip': { good: false },
    });
    const result = await applyRetention({
      folder: t.folder,
      repository: REPO,
      keepLast: 1,
      inspector: t.inspector,
    });
    // The good one from the 20th is kept; the damaged one is left for a person to look at.
    expect(t.left()).toEqual(['Payments_2026-11-20-22-00-00.zip', 'Payments_2026-11-21-22-00-00.zip']);
    expect(result.damaged.map((f) => path.basename(f))).toEqual(['Payments_2026-11-21-22-00-00.zip']);
  });

  it('never deletes when no backup verifies: the last good one may be among them', async () => {
    const t = folderWith({
      'Payments_2026-11-20-22-00-00.zip': { good: false },
      'Payments_2026-11-21-22-00-00.zip': { good: false },
    });
    await applyRetention({ folder: t.folder, repository: REPO, keepLast: 1, inspector: t.inspector });
    expect(t.left()).toHaveLength(2);
  });

  it('never touches files that are not ours or not of this repository', async () => {
    const t = folderWith({
      'Payments_2026-11-01-22-00-00.zip': {},
      'Payments_2026-11-02-22-00-00.zip': {},
      'Payments_2026-10-01-22-00-00.zip': 'foreign', // our name, but no manifest of ours
      'Payments_2026-10-02-22-00-00.zip': { id: 'another-repository-id' }, // same name, other repository
      'Payments_notes.zip': {}, // not our name pattern
      'Payments-old_2026-10-03-22-00-00.zip': {}, // another repository's name
      'Payments_2026-10-04-22-00-00.zip.partial': {},
    });
    await applyRetention({ folder: t.folder, repository: REPO, keepLast: 1, inspector: t.inspector });
    expect(t.left()).toEqual([
      'Payments-old_2026-10-03-22-00-00.zip',
      'Payments_2026-10-01-22-00-00.zip',
      'Payments_2026-10-02-22-00-00.zip',
      'Payments_2026-10-04-22-00-00.zip.partial',
      'Payments_2026-11-02-22-00-00.zip',
      'Payments_notes.zip',
    ]);
  });

  it('orders by the manifest’s instant, not the local-time name (a fall-back night repeats names)', async () => {
    const t = folderWith({
      // 01:30 EDT, then an hour later 01:10 EST: the later backup has the smaller name.
      'Payments_2026-11-01-01-30-00.zip': { startedAt: '2026-11-01T01:30:00-04:00' },
      'Payments_2026-11-01-01-10-00.zip': { startedAt: '2026-11-01T01:10:00-05:00' },
    });
    await applyRetention({ folder: t.folder, repository: REPO, keepLast: 1, inspector: t.inspector });
    expect(t.left()).toEqual(['Payments_2026-11-01-01-10-00.zip']);
  });

  it('verifies only until N good ones are found', async () => {
    const t = folderWith({
      'Payments_2026-11-18-22-00-00.zip': {},
      'Payments_2026-11-19-22-00-00.zip': {},
      'Payments_2026-11-20-22-00-00.zip': {},
    });
    await applyRetention({ folder: t.folder, repository: REPO, keepLast: 1, inspector: t.inspector });
    expect(t.verified).toEqual(['Payments_2026-11-20-22-00-00.zip']);
  });

  it('recognises names with dots, spaces and a same-second suffix', () => {
    expect(isArchiveNameOf('Team A.v2_2026-11-20-22-00-00.zip', 'Team A.v2')).toBe(true);
    expect(isArchiveNameOf('Team A.v2_2026-11-20-22-00-00-2.zip', 'Team A.v2')).toBe(true);
    expect(isArchiveNameOf('Team A.v2_2026-11-20-22-00-00.zip', 'Team A')).toBe(false);
    expect(isArchiveNameOf('Team A.v2_2026-11-20.zip', 'Team A.v2')).toBe(false);
  });
});
