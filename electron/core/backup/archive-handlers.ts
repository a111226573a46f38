import type { CoreHandlers } from '../../shared/contract';
import type { BackupService } from './backup-service';
import { mapLimited } from '../for-each-limited';

const PREVIEW_CONCURRENCY = 4;

type ArchiveMethods =
  | 'startExport'
  | 'previewArchives'
  | 'verifyArchives'
  | 'startVerify'
  | 'startImport'
  | 'listJobs'
  | 'cancelJob'
  | 'getJob'
  | 'listHistory';

/**
 * The archive methods of the contract (ARCHITECTURE §5, §6). Exports and imports answer at once with
 * their job ids; each job reports through `jobProgress` and `jobFinished`.
 */
export function archiveHandlers(
  service: BackupService,
  options: {
    onRepositoriesChanged?: () => void;
    /** An import asked for the repository it became to be in (or out of) the automatic backup. */
    onImportedBackupMembership?: (repository: string, included: boolean) => void;
  } = {},
): Pick<CoreHandlers, ArchiveMethods> {
  return {
    startExport: async ({ repositories, destination, includeHistory, trigger }) => ({
      jobs: repositories.map((repository) => {
        const { jobId } = service.startExportJob({ repository, destination, includeHistory, trigger });
        return { jobId, repository, file: destination.kind === 'file' ? destination.file : null };
      }),
    }),

    // Each preview reads through a file agent of its own: a few at a time, not a process per file at once.
    previewArchives: async ({ files }) =>
      mapLimited(files, PREVIEW_CONCURRENCY, (file) => service.preview(file)),

    // One after the other: each extracts a full snapshot into the data dir.
    verifyArchives: async ({ files, trigger }) => {
      const results = [];
      for (const file of files) results.push(await service.verify(file, trigger));
      return results;
    },

    startVerify: async ({ files, trigger }) => ({
      jobs: files.map((file) => {
        const { jobId } = service.startVerifyJob(file, trigger);
        return { jobId, repository: null, file };
      }),
    }),

    startImport: async ({ items, trigger }) => ({
      jobs: items.map((item) => {
        const { jobId, done } = service.startImportJob(item, trigger);
        void done.then((result) => {
          if (result.status !== 'done') return;
          if (item.includeInBackup !== undefined && result.restoredAs)
            options.onImportedBackupMembership?.(result.restoredAs, item.includeInBackup);
          options.onRepositoriesChanged?.();
        });
        return { jobId, repository: item.targetName ?? null, file: item.file };
      }),
    }),

    listJobs: async () => service.jobs.list(),

    cancelJob: async ({ jobId }) => {
      service.jobs.cancel(jobId);
      return null;
    },

    getJob: async ({ jobId }) => service.jobs.get(jobId),

    listHistory: async (args) =>
      service.history.list({ limit: args?.limit ?? 50, repository: args?.repository }),
  };
}
