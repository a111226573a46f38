import { memo, useState } from 'react';
import { Button } from 'react-aria-components';
import type { OffsiteStatus } from '../../../electron/shared/contract/offsite';
import type { BackupStatus, RestoreDrillStatus } from '../../../electron/shared/contract/schedule';
import { drillHeadline, failedDrills } from '../../../electron/shared/drill-words';
import { CLIENTS_POLICY_CHOICES } from '../../../electron/shared/settings-schema';
import { useApi } from '../api/context';
import { formatSize } from '../../../electron/shared/format-size';
import { formatDateTime, formatRelative } from '../format/time';
import { useConnected } from '../state/connection';
import { useNow, type Live } from '../state/live';
import { LiveJobProgressBar } from './JobProgressBar';
import { OffsiteAlert, OffsiteFact, OffsiteRepositoryLine } from './OffsiteStatus';
import { useNotify } from './Notices';
import { LiveContent, Panel } from './Panel';

/** The auto-backup status at a glance: state, schedule, coverage, next run, the run in progress, results. */
export const BackupStatusPanel = memo(function BackupStatusPanel({
  status,
  offsite,
}: {
  status: Live<BackupStatus>;
  /** The offsite copies' status (its own line and one per repository). */
  offsite?: Live<OffsiteStatus>;
}) {
  const api = useApi();
  const notify = useNotify();
  const now = useNow();
  const [busy, setBusy] = useState(false);
  const connected = useConnected();

  const pause = async (s: BackupStatus) => {
    setBusy(true);
    const result =
      s.state === 'paused'
        ? await api.resumeBackups()
        : await api.pauseBackups({ until: new Date(Date.now() + 24 * 3600_000).toISOString() });
    setBusy(false);
    if (!result.ok) notify('error', result.error.message);
    else status.reload();
  };

  return (
    <Panel
      id="backup"
      title="Automatic backup"
      actions={
        status.value && status.value.state !== 'off' ? (
          <Button
            className="button small"
            isDisabled={busy || !connected}
            onPress={() => void pause(status.value!)}
          >
            {status.value.state === 'paused' ? 'Resume' : 'Pause for a day'}
          </Button>
        ) : null
      }
    >
      <LiveContent live={status} what="the auto-backup status">
        {(s) => (
          <>
            <dl className="facts" data-testid="backup-status">
              <dt>State</dt>
              <dd>
                {s.state === 'on' && <span className="badge ok">On</span>}
                {s.state === 'off' && <span className="badge muted">Off</span>}
                {s.state === 'paused' && (
                  <>
                    <span className="badge warn">Paused</span>
                    {s.pausedUntil && <span> until {formatDateTime(s.pausedUntil)}</span>}
                  </>
                )}
              </dd>
              <dt>Schedule</dt>
              <dd>{s.description || <span className="muted">Not set</span>}</dd>
              <dt>Repositories</dt>
              <dd>
                {s.repositories.length ? (
                  s.repositories.join(', ')
                ) : (
                  <span className="muted">None selected</span>
                )}
              </dd>
              <dt>Target folder</dt>
              <dd>
                {s.targetFolder ? <code>{s.targetFolder}</code> : <span className="muted">Not set</span>}
              </dd>
              <dt>If in use</dt>
              <dd>
                {CLIENTS_POLICY_CHOICES[s.clientsPolicy].label}
                {s.clientsPolicy === 'disconnect' &&
                  s.graceMinutes > 0 &&
                  ` (warned ${s.graceMinutes} min before)`}
              </dd>
              <dt>Next run</dt>
              <dd data-testid="next-run">
                {s.nextRun ? (
                  <>
                    <time dateTime={s.nextRun}>{formatDateTime(s.nextRun)}</time>{' '}
                    <strong>{formatRelative(s.nextRun, now)}</strong>
                  </>
                ) : (
                  <span className="muted">{s.state === 'off' ? 'Auto-backup is off' : 'None scheduled'}</span>
                )}
              </dd>
              {offsite && <OffsiteFact offsite={offsite.value} onChanged={offsite.reload} />}
              {s.drill && <RestoreTestFact drill={s.drill} now={now} />}
              {s.retryAt && (
                <>
                  <dt>Retry</dt>
                  <dd className="warn-text">
                    {formatDateTime(s.retryAt)} ({formatRelative(s.retryAt, now)})
                  </dd>
                </>
              )}
            </dl>
            {s.running && (
              <div className="running" data-testid="backup-running">
                <p>
                  Backing up <strong>{s.running.repository ?? '…'}</strong>
                  {s.running.total > 1 && ` (${s.running.index + 1} of ${s.running.total})`}, started{' '}
                  {formatRelative(s.running.startedAt, now)}
                </p>
                <LiveJobProgressBar
                  label={`Backup of ${s.running.repository ?? 'repositories'}`}
                  progress={s.running.progress}
                />
              </div>
            )}
            {s.perRepository.length > 0 && (
              <ul
                className="repo-results"
                aria-label="Last result per repository"
                data-testid="backup-results"
              >
                {s.perRepository.map((r) => (
                  <li key={r.name} className={r.overdue ? 'overdue' : undefined}>
                    <strong>{r.name}</strong>{' '}
                    {!r.lastResult ? (
                      <span className="muted">no backup yet</span>
                    ) : (
                      <>
                        <span
                          className={`badge ${r.lastResult.status === 'ok' ? 'ok' : r.lastResult.status === 'failed' ? 'failed' : 'muted'}`}
                        >
                          {r.lastResult.status === 'ok'
                            ? 'OK'
                            : r.lastResult.status === 'failed'
                              ? 'Failed'
                              : 'Skipped'}
                        </span>{' '}
                        {formatRelative(r.lastResult.at, now)}
                        {r.lastResult.sizeBytes !== null && `, ${formatSize(r.lastResult.sizeBytes)}`}
                        {r.lastResult.error && <span className="cell-error"> {r.lastResult.error}</span>}
                      </>
                    )}
                    {r.overdue && <span className="badge failed">Overdue</span>}
                    {offsite && <OffsiteRepositoryLine offsite={offsite.value} name={r.name} />}
                  </li>
                ))}
              </ul>
            )}
          </>
        )}
      </LiveContent>
    </Panel>
  );
});

/** "Last restore test: all 4 repositories OK, 2 d ago", or which failed and why. */
function RestoreTestFact({ drill, now }: { drill: RestoreDrillStatus; now: number }) {
  const api = useApi();
  const connected = useConnected();
  const [starting, setStarting] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const headline = drillHeadline(drill);
  const failed = failedDrills(drill).length > 0;
  // By hand, whatever the setting: the newest verified backup of each repository, restored and checked.
  const testNow = async () => {
    setStarting(true);
    setError(null);
    const started = await api.runRestoreDrill({ trigger: 'manual' });
    setStarting(false);
    if (!started.ok) setError(started.error.message);
  };
  return (
    <>
      <dt>Restore test</dt>
      <dd data-testid="restore-test" className={failed ? 'warn-text' : undefined}>
        {drill.running ? (
          <>Testing {drill.running.repository ?? '…'} now</>
        ) : headline ? (
          <>
            {headline.replace(/^Last restore test: /, '')}
            {drill.lastRunAt && `, ${formatRelative(drill.lastRunAt, now)}`}
          </>
        ) : (
          <span className="muted">None yet</span>
        )}
        {!drill.running && drill.nextRunAt && (
          <span className="muted"> · next {formatRelative(drill.nextRunAt, now)}</span>
        )}{' '}
        {!drill.running && (
          <Button className="button small" isDisabled={starting || !connected} onPress={() => void testNow()}>
            Test restore now
          </Button>
        )}
        {error && (
          <span className="cell-error" role="alert">
            {' '}
            {error}
          </span>
        )}
      </dd>
    </>
  );
}

/** The warnings that must not be missed, across the top of the window. */
export const BackupAlerts = memo(function BackupAlerts({
  status,
  offsite = null,
}: {
  status: BackupStatus | null;
  offsite?: OffsiteStatus | null;
}) {
  const now = useNow(30_000);
  if (!status) return null;
  const overdue = status.perRepository.filter((r) => r.overdue);
  const drillsFailed = failedDrills(status.drill);
  if (overdue.length === 0 && !status.lastError && !offsite?.alert && drillsFailed.length === 0) return null;
  return (
    <div className="alerts" role="alert" data-testid="backup-alerts">
      {overdue.length > 0 && (
        <p className="banner banner-danger">
          <strong>Backups overdue:</strong>{' '}
          {overdue
            .map(
              (r) =>
                `${r.name} (${r.lastGoodAt ? `last good backup ${formatRelative(r.lastGoodAt, now)}` : 'never backed up'})`,
            )
            .join('; ')}
          .
        </p>
      )}
      {status.lastError && (
        <p className="banner banner-danger">
          <strong>The last backup failed:</strong> {status.lastError}
          {status.retryAt && ` It will be tried again ${formatRelative(status.retryAt, now)}.`}
        </p>
      )}
      {drillsFailed.length > 0 && (
        <p className="banner banner-danger" data-testid="restore-test-alert">
          <strong>A restore test failed:</strong>{' '}
          {drillsFailed.map((r) => `${r.name}: ${r.error ?? 'it did not restore'}`).join('; ')}
        </p>
      )}
      <OffsiteAlert offsite={offsite} />
    </div>
  );
});
