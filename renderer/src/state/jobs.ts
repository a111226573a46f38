import { useEffect, useState } from 'react';
import type { JobProgress, JobResult } from '../../../electron/shared/contract/archives';
import { useApi } from '../api/context';

export interface TrackedJobs {
  progress: Record<string, JobProgress>;
  results: Record<string, JobResult>;
}

/**
 * Follows every job's progress and end from the moment the dialog opens. It listens before the dialog
 * starts its jobs, so a job that ends before its start call returns is not missed.
 */
export function useJobEvents(): TrackedJobs {
  const api = useApi();
  const [jobs, setJobs] = useState<TrackedJobs>({ progress: {}, results: {} });
  useEffect(() => {
    const offProgress = api.on('jobProgress', (p) =>
      setJobs((j) => ({ ...j, progress: { ...j.progress, [p.jobId]: p } })),
    );
    const offFinished = api.on('jobFinished', (r) =>
      setJobs((j) => ({ ...j, results: { ...j.results, [r.jobId]: r } })),
    );
    return () => {
      offProgress();
      offFinished();
    };
  }, [api]);
  return jobs;
}

/** 0–100 when the total is known, else null (an indeterminate bar). */
export function percentOf(progress: JobProgress | undefined): number | null {
  if (!progress || progress.bytesTotal === null || progress.bytesTotal === 0) return null;
  return Math.min(100, Math.round((100 * progress.bytesDone) / progress.bytesTotal));
}

export const PHASE_WORDS: Record<JobProgress['phase'], string> = {
  queued: 'Waiting to start',
  preparing: 'Preparing',
  'waiting-for-clients': 'Waiting for clients to disconnect',
  snapshot: 'Taking a snapshot',
  compressing: 'Compressing',
  verifying: 'Verifying',
  restoring: 'Restoring',
  'safety-backup': 'Writing a safety backup first',
  retention: 'Removing old backups',
  finishing: 'Finishing',
};
