import type { CoreHandlers } from '../shared/contract';
import { sameRepositoryName } from '../shared/repository-name';
import { AppFailure } from '../shared/result';
import type { ClientsControl } from './clients-control';
import type { RepositoryAnnouncer } from './repository-announcer';
import type { SettingsService } from './settings';
import type { RepositoryStore, ServerDb } from './storage';

type RepositoryMethods =
  'listRepositories' | 'followRepositories' | 'createRepository' | 'renameRepository' | 'deleteRepository';

export interface RepositoriesDeps {
  store: RepositoryStore;
  clients: ClientsControl;
  serverDb: ServerDb;
  /** Tells the Control Panel which repositories changed. */
  announcer: RepositoryAnnouncer;
  /** The auto-backup's list of repositories follows renames and deletes. */
  settings: SettingsService;
}

/** Renames (or, with `to` null, removes) a repository in the auto-backup's selection. */
function followInBackupSettings(settings: SettingsService, from: string, to: string | null): void {
  const backup = settings.get().backup;
  const same = (n: string) => sameRepositoryName(n, from);
  if (!backup.repositories.some(same)) return;
  const repositories = backup.repositories.flatMap((n) => (same(n) ? (to === null ? [] : [to]) : [n]));
  settings.update('backup', { ...backup, repositories });
}

/** Puts a repository in the auto-backup's selection, or takes it out (an import's "Include in automatic backup"). */
export function setBackupMembership(settings: SettingsService, name: string, included: boolean): void {
  const backup = settings.get().backup;
  const inside = backup.repositories.some((n) => sameRepositoryName(n, name));
  if (inside === included) return;
  const repositories = included
    ? [...backup.repositories, name]
    : backup.repositories.filter((n) => !sameRepositoryName(n, name));
  settings.update('backup', { ...backup, repositories });
}

const clientsWord = (n: number) => (n === 1 ? '1 client is' : `${n} clients are`);

/** The repository methods of the contract: list, create, rename, delete (ARCHITECTURE §3). */
export function repositoriesHandlers(deps: RepositoriesDeps): Pick<CoreHandlers, RepositoryMethods> {
  const { store, clients, serverDb, announcer, settings } = deps;

  return {
    listRepositories: async () => announcer.list(),
    followRepositories: async () => announcer.follow(),

    createRepository: async ({ name }) => {
      const repo = store.create(name);
      serverDb.audit('repository.create', repo.name);
      announcer.announceNames([repo.name]);
      return announcer.summaryOf(repo.name);
    },

    renameRepository: async ({ name, newName }) => {
      const current = store.resolve(name);
      if (!current) throw new AppFailure('NOT_FOUND', `There is no repository named "${name}".`);
      const connected = clients.connectedCount(current);
      if (connected > 0)
        throw new AppFailure(
          'BUSY',
          `${clientsWord(connected)} connected to "${current}". Disconnect them first, then rename.`,
        );
      // Nobody may connect while the file moves.
      const release = clients.hold(
        current,
        `Repository "${current}" is being renamed; connect to its new name.`,
      );
      try {
        store.rename(current, newName);
      } finally {
        release();
      }
      serverDb.audit('repository.rename', newName, { from: current });
      // Otherwise the schedule would name a repository that no longer exists, and skip the renamed one.
      followInBackupSettings(settings, current, store.resolve(newName) ?? newName);
      announcer.announceNames([current, newName]);
      return announcer.summaryOf(newName);
    },

    deleteRepository: async ({ name, force }) => {
      const current = store.resolve(name);
      if (!current) throw new AppFailure('NOT_FOUND', `There is no repository named "${name}".`);
      const leased = store.leasePurpose(current);
      if (leased)
        throw new AppFailure(
          'BUSY',
          `"${current}" cannot be deleted now: ${leased}. Try again when it ends.`,
        );
      const connected = clients.connectedCount(current);
      if (connected > 0 && !force)
        throw new AppFailure(
          'BUSY',
          `${clientsWord(connected)} connected to "${current}". Disconnect them, or delete with force.`,
        );
      const release = clients.hold(current, `Repository "${current}" is being deleted.`);
      try {
        if (connected > 0)
          await clients.disconnectAll(current, `Repository "${current}" was deleted by the administrator.`);
        store.delete(current);
      } finally {
        release();
      }
      serverDb.audit('repository.delete', current, { force, disconnected: connected });
      followInBackupSettings(settings, current, null);
      announcer.announceNames([current]);
      return null;
    },
  };
}
