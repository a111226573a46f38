import { useEffect, useState } from 'react';
import type { JobProgress, JobResult } from '../../../electron/shared/contract/archives';
import { useApi } from '../api/context';
import { useConnection } from './connection';

export interface TrackedJobs {
  progress: Record<string, JobProgress>;
  results: Record<string, JobResult>;
  /** Jobs of `tracked` that ended while the connection was lost: how, only the history knows. */
  ended: string[];
}

/**
 * Follows every job's progress and end from the moment the dialog opens. It listens before the dialog
 * starts its jobs, so a job that ends before its start call returns is not missed. After a lost
 * connection comes back, the tracked jobs no longer running are listed in `ended`.
 */
export function useJobEvents(tracked: string[] = []): TrackedJobs {
  const api = useApi();
  const { generation } = useConnection();
  const [jobs, setJobs] = useState<Omit<TrackedJobs, 'ended'>>({ progress: {}, results: {} });
  const [ended, setEnded] = useState<string[]>([]);
  const trackedKey = tracked.join('\n');
  useEffect(() => {
    if (generation === 0 || trackedKey === '') return;
    let live = true;
    void api.listJobs().then((r) => {
      if (!live || !r.ok) return;
      const running = new Set(r.value.map((j) => j.jobId));
      setEnded(trackedKey.split('\n').filter((id) => !running.has(id)));
    });
    return () => {
      live = false;
    };
  }, [api, generation, trackedKey]);
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
  return { ...jobs, ended };
}

/**
 * A job's progress as it moves: `known` (from the backup status, which is sent again only when the
 * phase changes) overtaken by the job's own `jobProgress` events (several a second), so a bar for a
 * running backup grows through its compression instead of sitting at its first value.
 */
export function useLiveProgress(known: JobProgress | null | undefined): JobProgress | undefined {
  const api = useApi();
  const jobId = known?.jobId;
  const [live, setLive] = useState<JobProgress | null>(null);
  useEffect(() => {
    if (!jobId) return;
    return api.on('jobProgress', (p) => {
      if (p.jobId === jobId) setLive(p);
    });
  }, [api, jobId]);
  if (!known) return undefined;
  // A later phase in the status than the last event seen (an event missed): the status wins.
  return live && live.jobId === known.jobId && live.phase === known.phase ? live : known;
}

/** 0–100 when the total is known, else null (an indeterminate bar). */
export function percentOf(progress: JobProgress | undefined): number | null {
  if (!progress || progress.bytesTotal === null || progress.bytesTotal === 0) return null;
  return Math.min(100, Math.round((100 * progress.bytesDone) / progress.bytesTotal));
}
