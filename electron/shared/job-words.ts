import type { JobKind, JobProgress, JobRef } from './contract/archives';
import { joinWords } from './join-words';

// How a job's state reads for people: the Control Panel's progress bars (and any other host's).

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

const KIND_WORDS: Record<JobKind, string> = {
  export: 'export',
  backup: 'backup',
  import: 'restore',
  verify: 'verification',
  drill: 'restore test',
  recover: 'recovery',
};

/** "the export of Orders", "a restore" (a job whose repository is not known yet). */
export function jobWords(job: Pick<JobRef, 'kind' | 'repository'>): string {
  const kind = KIND_WORDS[job.kind];
  return job.repository ? `the ${kind} of ${job.repository}` : `a ${kind}`;
}

/** What a job is doing, in words: its phase, or for a queued job what it waits for. */
export function phaseWords(progress: Pick<JobProgress, 'kind' | 'phase' | 'waitingFor'>): string {
  if (progress.phase === 'queued' && progress.waitingFor.length > 0) {
    return `Waiting for ${joinWords(progress.waitingFor.map(jobWords))} to finish`;
  }
  // What an export or a backup prepares: a target folder that may be slow to answer.
  if (progress.phase === 'preparing' && (progress.kind === 'export' || progress.kind === 'backup')) {
    return 'Checking the target folder';
  }
  return PHASE_WORDS[progress.phase];
}
