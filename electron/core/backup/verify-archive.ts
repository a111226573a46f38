import type { ManifestV1 } from '../../shared/contract/archives';
import { AppFailure } from '../../shared/result';
import { checkSnapshot, openArchive, type OpenedArchive } from './archive-reader';
import { SNAPSHOT_ENTRY } from './manifest';
import { checkIntegrity, type SnapshotFacts } from './sqlite-worker';
import type { TargetFs } from './target-fs';
import { makeTempFolder } from './temp-area';

export interface VerifyOptions {
  dataDir: string;
  signal?: AbortSignal;
  onBytes?: (done: number, total: number) => void;
  /** Reads the archive through this file agent (a user-chosen path); in this process without. */
  io?: TargetFs;
}

/** The snapshot must hold what the manifest says: same identity and counts. */
export function checkFactsAgainstManifest(file: string, manifest: ManifestV1, facts: SnapshotFacts): void {
  const mismatch =
    facts.id !== manifest.repository.id
      ? `its repository id is ${facts.id}, the manifest says ${manifest.repository.id}`
      : facts.items !== manifest.itemCount
        ? `it holds ${facts.items} items, the manifest says ${manifest.itemCount}`
        : facts.revisions !== manifest.revisionCount
          ? `it holds ${facts.revisions} revisions, the manifest says ${manifest.revisionCount}`
          : facts.schemaVersion !== manifest.schemaVersion
            ? `its schema version is ${facts.schemaVersion}, the manifest says ${manifest.schemaVersion}`
            : null;
  if (mismatch)
    throw new AppFailure(
      'INVALID_ARCHIVE',
      `${file}: the snapshot does not match its manifest: ${mismatch}.`,
    );
}

/**
 * Extracts the snapshot into a temp folder inside the data dir and checks it fully: manifest, sizes,
 * CRC, SHA-256, SQLite's integrity check, and counts against the manifest. Leaves the extracted file
 * for `keep` (the importer) or removes it.
 */
export async function verifyOpenedArchive(
  archive: OpenedArchive,
  options: VerifyOptions & { extractTo?: string },
): Promise<SnapshotFacts> {
  const temp = options.extractTo ? null : makeTempFolder(options.dataDir, 'verify');
  const target = options.extractTo ?? temp!.file(SNAPSHOT_ENTRY);
  const total = archive.snapshotEntry.uncompressedSize;
  try {
    await checkSnapshot(archive, target, {
      signal: options.signal,
      onBytes: (done) => options.onBytes?.(done, total),
    });
    const facts = await checkIntegrity(target, archive.file);
    checkFactsAgainstManifest(archive.file, archive.manifest, facts);
    return facts;
  } finally {
    await temp?.remove();
  }
}

export async function verifyArchive(
  file: string,
  options: VerifyOptions,
): Promise<{ manifest: ManifestV1; facts: SnapshotFacts }> {
  const archive = await openArchive(file, options.io);
  try {
    const facts = await verifyOpenedArchive(archive, options);
    return { manifest: archive.manifest, facts };
  } finally {
    archive.close();
  }
}
