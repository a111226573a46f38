import { useEffect, useState } from 'react';
import { Button } from 'react-aria-components';
import type { RecoveryReport } from '../../../electron/shared/contract/recovery';
import { FOLDER_EXAMPLE, fullPathProblem } from '../../../electron/shared/full-path';
import { useApi } from '../api/context';
import { JobProgressBar } from '../components/JobProgressBar';
import { formatDateTime } from '../format/time';
import { useConnected } from '../state/connection';
import { useJobEvents } from '../state/jobs';
import { AppDialog, FormError, useFocusWhenShown } from './AppDialog';
import { TextInput } from './fields';

// "Recover from a backup folder…" on the empty first screen (ARCHITECTURE §6): the folder (and, if
// wanted, a time), one job with progress and cancel, and at the end what was restored from when and
// what could not be.

const fileName = (file: string) => file.split(/[\\/]/).at(-1) ?? file;

export function RecoverDialog({ onClose }: { onClose(): void }) {
  const api = useApi();
  const connected = useConnected();
  const [folder, setFolder] = useState('');
  const [at, setAt] = useState('');
  // Asked only when the folder holds several servers' backups (the job's failure names them).
  const [server, setServer] = useState<string | null>(null);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [jobId, setJobId] = useState<string | null>(null);
  const [report, setReport] = useState<RecoveryReport | null>(null);
  const jobs = useJobEvents(jobId ? [jobId] : []);
  const result = jobId ? jobs.results[jobId] : undefined;
  const running = jobId !== null && !result && !jobs.ended.includes(jobId);

  const start = async () => {
    const local: Record<string, string> = {};
    const problem = fullPathProblem(folder, 'Choose the backup folder to recover from.', FOLDER_EXAMPLE);
    if (problem) local.from = problem;
    let atIso: string | undefined;
    if (at.trim()) {
      const ms = new Date(at).getTime();
      if (Number.isNaN(ms)) local.at = 'Enter a date and time, or leave it empty for the newest backups.';
      else atIso = new Date(ms).toISOString();
    }
    setErrors(local);
    setFailure(null);
    if (Object.keys(local).length) return;
    setBusy(true);
    const started = await api.startRecovery({
      from: folder.trim(),
      ...(atIso ? { at: atIso } : {}),
      ...(server?.trim() ? { server: server.trim() } : {}),
    });
    setBusy(false);
    if (!started.ok) {
      const fields = started.error.fields ?? {};
      setErrors({
        ...(fields.from ? { from: fields.from } : {}),
        ...(fields.server ? { server: fields.server } : {}),
      });
      setFailure(started.error.message);
      return;
    }
    setJobId(started.value.jobId);
  };

  // A recovery that needs another answer (whose backups, in a shared folder) goes back to the form,
  // with the question beside its field and the reason, naming the servers, where the buttons are.
  const needsAnswer = result?.status === 'failed' && result.error?.code === 'INVALID_ARGUMENT';
  const showForm = !jobId || needsAnswer;
  const askServer = server !== null || needsAnswer;
  const serverError =
    errors.server ??
    (needsAnswer && !server?.trim() ? 'Enter the id of the server whose backups to recover.' : undefined);
  const failureShown = failure ?? (needsAnswer ? (result.error?.message ?? null) : null);

  // Once the job ended: its summary (a failed or cancelled one has none; its message says why).
  const done = result?.status === 'done';
  const summary = useFocusWhenShown<HTMLDivElement>(done);
  useEffect(() => {
    if (!done || !jobId) return;
    let live = true;
    void api.getRecoveryReport({ jobId }).then((r) => {
      if (!live) return;
      if (r.ok) setReport(r.value);
    });
    return () => {
      live = false;
    };
  }, [api, done, jobId]);

  return (
    <AppDialog
      title="Recover from a backup folder"
      onClose={onClose}
      testId="recover-dialog"
      dismissable={!running}
      footer={
        <>
          <FormError message={failureShown} />
          {running ? (
            <Button className="button" onPress={() => void api.cancelJob({ jobId: jobId! })}>
              Cancel
            </Button>
          ) : !showForm ? (
            <Button className="button primary" onPress={onClose}>
              Close
            </Button>
          ) : (
            <>
              <Button className="button" onPress={onClose}>
                Cancel
              </Button>
              <Button className="button primary" isDisabled={busy || !connected} onPress={() => void start()}>
                Recover
              </Button>
            </>
          )}
        </>
      }
    >
      {showForm ? (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void start();
          }}
          // Enter in either field is Recover (a form of two fields has no implicit submission).
          onKeyDown={(e) => {
            if (e.key !== 'Enter' || (e.target as HTMLElement).tagName !== 'INPUT') return;
            e.preventDefault();
            void start();
          }}
        >
          <p>
            Restores this server from the folder its automatic backups went to: the configuration
            (repositories, schedule, clients policy) and the newest verified backup of every repository.
            Tokens and passwords are never in a backup: clients get a new access token.
          </p>
          <div className="with-button">
            <TextInput
              label="Backup folder"
              value={folder}
              onChange={(v) => {
                setFolder(v);
                setErrors(({ from: _f, ...rest }) => rest);
              }}
              error={errors.from}
              placeholder="/var/backups/repositories"
              autoFocus
            />
            {api.host === 'electron' && (
              <Button
                className="button"
                onPress={() =>
                  void api.pickFolder({ title: 'Recover from folder' }).then((r) => {
                    if (r.ok && r.value?.[0]) setFolder(r.value[0]);
                  })
                }
              >
                Browse…
              </Button>
            )}
          </div>
          <TextInput
            label="Backups from no later than (optional)"
            value={at}
            onChange={(v) => {
              setAt(v);
              setErrors(({ at: _a, ...rest }) => rest);
            }}
            error={errors.at}
            placeholder="2026-11-20 22:00"
            description="Leave empty for the newest backups; a date and time picks the newest backups not after it."
          />
          {askServer && (
            <TextInput
              label="Server id"
              value={server ?? ''}
              onChange={(v) => {
                setServer(v);
                setErrors(({ server: _s, ...rest }) => rest);
              }}
              error={serverError}
              autoFocus
              description="The folder holds the backups of several servers; the message below names them."
            />
          )}
        </form>
      ) : !result ? (
        jobs.ended.includes(jobId) ? (
          <p role="status">It ended while the connection to the server was lost: see Recent history.</p>
        ) : (
          <JobProgressBar label="Recovery" progress={jobs.progress[jobId]} />
        )
      ) : result.status !== 'done' ? (
        <div className={`job-result ${result.status === 'failed' ? 'failed' : 'cancelled'}`} role="alert">
          <span className={`badge ${result.status === 'failed' ? 'failed' : 'muted'}`}>
            {result.status === 'failed' ? 'Not recovered' : 'Cancelled'}
          </span>{' '}
          {result.error?.message}
        </div>
      ) : (
        <div className="recovery-summary" ref={summary} tabIndex={-1} data-testid="recovery-summary">
          {report && <RecoverySummary report={report} />}
        </div>
      )}
    </AppDialog>
  );
}

function RecoverySummary({ report }: { report: RecoveryReport }) {
  return (
    <>
      <p role="status">
        <span className={`badge ${report.notRestored.length ? 'warn' : 'ok'}`}>
          {report.notRestored.length ? 'Partly recovered' : 'Recovered'}
        </span>{' '}
        {report.restored.length} {report.restored.length === 1 ? 'repository' : 'repositories'} restored
        {report.at ? `, from backups no later than ${formatDateTime(report.at)}` : ''}.
      </p>
      <ul className="job-list" aria-label="What was restored">
        <li className="job-row">
          <strong>Configuration</strong>{' '}
          {report.configuration ? (
            <>
              from {formatDateTime(report.configuration.startedAt)} (
              <code className="path">{fileName(report.configuration.file)}</code>).
              <span className="muted"> Not in any backup: {report.configuration.leftOut.join('; ')}.</span>
            </>
          ) : (
            <span className="muted">
              No configuration backup in the folder: the settings stay the defaults.
            </span>
          )}
        </li>
        {report.restored.map((r) => (
          <li className="job-row" key={r.name}>
            <span className="badge ok">OK</span> <strong>{r.name}</strong> from {formatDateTime(r.startedAt)},{' '}
            {r.itemCount} items (<code className="path">{fileName(r.file)}</code>)
            {r.olderThanNewest && (
              <span className="cell-error">
                {' '}
                A newer backup did not restore: {r.olderThanNewest.join('; ')}
              </span>
            )}
          </li>
        ))}
        {report.notRestored.map((r) => (
          <li className="job-row" key={r.name}>
            <span className="badge failed">Not restored</span> <strong>{r.name}</strong>{' '}
            <span className="cell-error">{r.reason}</span>
          </li>
        ))}
      </ul>
      {report.skipped.length > 0 && (
        <p className="muted">
          Left alone ({report.skipped.length}):{' '}
          {report.skipped
            .slice(0, 5)
            .map((s) => `${fileName(s.file)}: ${s.reason}`)
            .join('; ')}
          {report.skipped.length > 5 && '; …'}
        </p>
      )}
    </>
  );
}
