import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ManifestV1 } from '../../electron/shared/contract/archives';
import { RepoClient } from '../../electron/core/client/repo-client';
import type { RunningServer } from './headless-server';

// Setup and disk checks for the archive specs. Setup goes through the contract (as the Control Panel
// does) and the client protocol (as a test tool does); the actions under test go through the UI.

/** One contract call over the headless host's HTTP API; throws with the core's message when it fails. */
export async function callContract<T>(server: RunningServer, method: string, args?: unknown): Promise<T> {
  const response = await fetch(`${server.origin}/api/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${server.token}` },
    body: args === undefined ? '' : JSON.stringify(args),
  });
  const body = (await response.json()) as { ok: true; value: T } | { ok: false; error: { message: string } };
  if (!body.ok) throw new Error(`${method}: ${body.error.message}`);
  return body.value;
}

export interface SeedItem {
  path: string;
  kind: string;
  /** Each written in turn: all but the last become revisions. */
  versions: (string | Uint8Array)[];
}

export const connectClient = (server: RunningServer, repository: string) =>
  RepoClient.connect({ server: server.clientsOrigin, repository, label: 'e2e-seed' });

/** Writes items (with their revisions) into a repository through a client connection, then disconnects. */
export async function putItems(server: RunningServer, repository: string, items: SeedItem[]): Promise<void> {
  const client = await connectClient(server, repository);
  try {
    for (const item of items) {
      for (const content of item.versions) await client.put({ path: item.path, kind: item.kind, content });
    }
  } finally {
    await client.close();
  }
}

/** Creates a repository and fills it. */
export async function seedRepository(server: RunningServer, name: string, items: SeedItem[]): Promise<void> {
  await callContract(server, 'createRepository', { name });
  await putItems(server, name, items);
}

/** A few text items with three versions each, plus `blobs` incompressible items of `blobBytes` each. */
export function sampleItems(opts: { texts?: number; blobs?: number; blobBytes?: number } = {}): SeedItem[] {
  const texts = Array.from({ length: opts.texts ?? 5 }, (_, i) => ({
    path: `modules/module-${i}`,
    kind: 'module',
    versions: [1, 2, 3].map((v) => `module ${i}, version ${v}\n`.repeat(20)),
  }));
  const blobs = Array.from({ length: opts.blobs ?? 0 }, (_, i) => ({
    path: `data/blob-${i}`,
    kind: 'data',
    versions: [new Uint8Array(randomBytes(opts.blobBytes ?? 256 * 1024))],
  }));
  return [...texts, ...blobs];
}

export interface ItemState {
  path: string;
  kind: string;
  version: number;
  content: string;
  encoding: string;
}

/** Every item of a repository as a client reads it: path, kind, version and content. */
export async function readItems(server: RunningServer, repository: string): Promise<ItemState[]> {
  const client = await connectClient(server, repository);
  try {
    const list = await client.list();
    const items: ItemState[] = [];
    for (const { path: itemPath } of list) {
      const item = await client.get(itemPath);
      const { kind, version, content, encoding } = item;
      items.push({ path: item.path, kind, version, content, encoding });
    }
    return items.sort((a, b) => a.path.localeCompare(b.path));
  } finally {
    await client.close();
  }
}

const tempFolders: string[] = [];

/** A fresh folder under the system's temp folder, removed by `removeTempFolders` after the test. */
export function tempFolder(prefix: string): string {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), `repo-server-e2e-${prefix}-`));
  tempFolders.push(folder);
  return folder;
}

export function removeTempFolders(): void {
  for (const folder of tempFolders.splice(0)) fs.rmSync(folder, { recursive: true, force: true });
}

/** `<name>_YYYY-MM-DD-HH-mm-ss.zip` (ARCHITECTURE §5). */
export const archiveNamePattern = (repository: string) =>
  new RegExp(
    `^${repository.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}_\\d{4}-\\d{2}-\\d{2}-\\d{2}-\\d{2}-\\d{2}\\.zip$`,
  );

/** The start time a name like `login_2026-11-22-22-00-00.zip` encodes, read as local time. */
export function stampOf(fileName: string): Date {
  const [, y, mo, d, h, mi, s] = /_(\d{4})-(\d{2})-(\d{2})-(\d{2})-(\d{2})-(\d{2})\.zip$/.exec(fileName)!;
  return new Date(+y!, +mo! - 1, +d!, +h!, +mi!, +s!);
}

/** Exports through the contract (setup only) and waits until each archive has its final name. */
export async function exportForSetup(
  server: RunningServer,
  repositories: string[],
  folder: string,
): Promise<Record<string, string>> {
  await callContract(server, 'startExport', {
    repositories,
    destination: { kind: 'folder', folder },
    includeHistory: true,
  });
  const found: Record<string, string> = {};
  const deadline = Date.now() + 30_000;
  while (Object.keys(found).length < repositories.length) {
    if (Date.now() > deadline)
      throw new Error(`Exports did not appear in ${folder}: ${fs.readdirSync(folder)}`);
    for (const name of repositories) {
      const file = fs.readdirSync(folder).find((f) => archiveNamePattern(name).test(f));
      if (file) found[name] = path.join(folder, file);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return found;
}

/** `unzip -t`: every entry's CRC checks out, as any unzip tool would see it. */
export function unzipTest(file: string): string {
  return execFileSync('unzip', ['-t', file], { encoding: 'utf8' });
}

export function readManifest(file: string): ManifestV1 {
  return JSON.parse(execFileSync('unzip', ['-p', file, 'manifest.json'], { encoding: 'utf8' })) as ManifestV1;
}

/** Extracts repository.sqlite and asks the sqlite3 tool for an integrity check and the item count. */
export function inspectSnapshot(file: string): { integrity: string; items: number; revisions: number } {
  const dir = tempFolder('extract');
  try {
    execFileSync('unzip', ['-q', file, 'repository.sqlite', '-d', dir]);
    const db = path.join(dir, 'repository.sqlite');
    const sql = (query: string) => execFileSync('sqlite3', [db, query], { encoding: 'utf8' }).trim();
    return {
      integrity: sql('PRAGMA integrity_check'),
      items: Number(sql('SELECT count(*) FROM items')),
      revisions: Number(sql('SELECT count(*) FROM revisions')),
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Every file below a folder (relative paths), to show that a failed or cancelled job left nothing. */
export function filesBelow(folder: string): string[] {
  if (!fs.existsSync(folder)) return [];
  return (fs.readdirSync(folder, { recursive: true }) as string[])
    .filter((f) => fs.statSync(path.join(folder, f)).isFile())
    .sort();
}
