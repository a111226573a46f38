import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

// Everything a job unpacks or copies goes under <dataDir>/tmp, one folder per job: on the same disk as
// the repositories (so installing a restored database is an atomic rename), and never anywhere else.

export const tempRoot = (dataDir: string) => path.join(dataDir, 'tmp');

export interface TempFolder {
  readonly dir: string;
  file(name: string): string;
  remove(): Promise<void>;
}

export function makeTempFolder(dataDir: string, label: string): TempFolder {
  const dir = path.join(tempRoot(dataDir), `${process.pid}-${label}-${randomUUID().slice(0, 8)}`);
  fs.mkdirSync(dir, { recursive: true });
  return {
    dir,
    file: (name) => path.join(dir, name),
    remove: () => fs.promises.rm(dir, { recursive: true, force: true }),
  };
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** Removes the job folders of processes that are gone (killed or crashed midway). */
export function removeStaleTempFolders(dataDir: string): number {
  let removed = 0;
  let names: string[];
  try {
    names = fs.readdirSync(tempRoot(dataDir));
  } catch {
    return 0;
  }
  for (const name of names) {
    const pid = Number(/^(\d+)-/.exec(name)?.[1]);
    if (!Number.isInteger(pid) || pid === process.pid || alive(pid)) continue;
    fs.rmSync(path.join(tempRoot(dataDir), name), { recursive: true, force: true });
    removed++;
  }
  return removed;
}
