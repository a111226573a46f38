import { ProgressBar } from 'react-aria-components';
import type { JobProgress } from '../../../electron/shared/contract/archives';
import { formatProgress } from '../../../electron/shared/format-size';
import { phaseWords } from '../../../electron/shared/job-words';
import { formatDuration } from '../format/time';
import { percentOf, useLiveProgress } from '../state/jobs';

/** "about 3 min left"; under a second is "almost done" (not "about under 1 s left"). */
const timeLeft = (seconds: number) =>
  seconds < 1 ? 'almost done' : `about ${formatDuration(seconds * 1000)} left`;

/** One job's bar with its phase, bytes and time left, labelled for screen readers by what it does. */
export function JobProgressBar({ label, progress }: { label: string; progress: JobProgress | undefined }) {
  const percent = percentOf(progress);
  // Shown as they are: React Aria's valueText is empty while the bar is indeterminate (queued, preparing).
  // A queued job says what it waits for ("Waiting for the export of Orders to finish").
  const details = progress
    ? [
        phaseWords(progress),
        progress.bytesDone > 0 ? formatProgress(progress.bytesDone, progress.bytesTotal) : null,
        progress.etaSeconds !== null ? timeLeft(progress.etaSeconds) : null,
      ]
        .filter(Boolean)
        .join(' · ')
    : 'Starting';
  return (
    <ProgressBar
      className="progress"
      aria-label={label}
      value={percent ?? undefined}
      isIndeterminate={percent === null}
      valueLabel={details}
    >
      {({ percentage }) => (
        <>
          <div className="progress-text">
            <span>{details}</span>
            {percent !== null && <span className="progress-percent">{Math.round(percentage ?? 0)}%</span>}
          </div>
          <div className="progress-track">
            <div
              className={`progress-fill ${percent === null ? 'indeterminate' : ''}`}
              style={percent === null ? undefined : { width: `${percentage}%` }}
            />
          </div>
        </>
      )}
    </ProgressBar>
  );
}

/**
 * The bar of a job known from the backup status (sent again only when its phase changes), kept moving
 * by the job's own progress events.
 */
export function LiveJobProgressBar({ label, progress }: { label: string; progress: JobProgress | null }) {
  return <JobProgressBar label={label} progress={useLiveProgress(progress)} />;
}
