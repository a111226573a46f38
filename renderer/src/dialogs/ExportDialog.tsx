import { useState } from 'react';
import { Button, Checkbox, CheckboxGroup, Label } from 'react-aria-components';
import type { JobResult } from '../../../electron/shared/contract/archives';
import { useApi } from '../api/context';
import { JobProgressBar } from '../components/JobProgressBar';
import { formatSize } from '../../../electron/shared/format-size';
import { FOLDER_EXAMPLE, fullPathProblem } from '../../../electron/shared/full-path';
import { useConnected } from '../state/connection';
import { useJobEvents } from '../state/jobs';
import { AppDialog, FormError, useFocusWhenShown } from './AppDialog';
import { TextInput } from './fields';

interface ExportDialogProps {
  repositoryNames: string[];
  /** Preselected: the repository selected in the main window. */
  initial: string[];
  onClose(): void;
}

interface StartedJob {
  jobId: string;
  repository: string | null;
}

export function ExportDialog({ repositoryNames, initial, onClose }: ExportDialogProps) {
  const api = useApi();
  const connected = useConnected();
  const [started, setStarted] = useState<StartedJob[] | null>(null);
  const jobs = useJobEvents((started ?? []).map((j) => j.jobId));
  // The form is gone once the jobs start: the results take the focus, so Escape and Tab go on working.
  const results = useFocusWhenShown<HTMLUListElement>(started !== null);
  const [chosen, setChosen] = useState<string[]>(initial);
  const [folder, setFolder] = useState('');
  const [includeHistory, setIncludeHistory] = useState(true);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const running = (started ?? []).filter((j) => !jobs.results[j.jobId] && !jobs.ended.includes(j.jobId));

  const start = async () => {
    const local: Record<string, string> = {};
    if (chosen.length === 0) local.repositories = 'Choose at least one repository.';
    const folderProblem = fullPathProblem(folder, 'Choose a destination folder.', FOLDER_EXAMPLE);
    if (folderProblem) local.destination = folderProblem;
    setErrors(local);
    setFailure(null);
    if (Object.keys(local).length) return;
    setBusy(true);
    const result = await api.startExport({
      repositories: chosen,
      destination: { kind: 'folder', folder: folder.trim() },
      includeHistory,
    });
    setBusy(false);
    if (!result.ok) {
      const fields = result.error.fields ?? {};
      setErrors({
        ...(fields.repositories ? { repositories: fields.repositories } : {}),
        ...(fields.destination || fields['destination.folder']
          ? { destination: fields.destination ?? fields['destination.folder']! }
          : {}),
      });
      setFailure(result.error.message);
      return;
    }
    setStarted(result.value.jobs.map((j) => ({ jobId: j.jobId, repository: j.repository })));
  };

  const cancelAll = () => {
    for (const j of running) void api.cancelJob({ jobId: j.jobId });
  };

  return (
    <AppDialog
      title="Export repositories"
      onClose={onClose}
      testId="export-dialog"
      dismissable={running.length === 0}
      footer={
        started ? (
          <>
            <FormError message={failure} />
            {running.length > 0 ? (
              <Button className="button" onPress={cancelAll}>
                Cancel
              </Button>
            ) : (
              <Button className="button primary" onPress={onClose}>
                Close
              </Button>
            )}
          </>
        ) : (
          <>
            <FormError message={failure} />
            <Button className="button" onPress={onClose}>
              Cancel
            </Button>
            <Button className="button primary" isDisabled={busy || !connected} onPress={() => void start()}>
              Export
            </Button>
          </>
        )
      }
    >
      {!started ? (
        <>
          <CheckboxGroup
            className="check-list"
            value={chosen}
            onChange={(v) => {
              setChosen(repositoryNames.filter((n) => v.includes(n)));
              setErrors(({ repositories: _r, ...rest }) => rest);
            }}
            isInvalid={!!errors.repositories}
            validationBehavior="aria"
          >
            <Label className="group-label">Repositories</Label>
            {repositoryNames.length === 0 && <p className="muted">There are no repositories yet.</p>}
            <div className="check-list-items">
              {repositoryNames.map((name) => (
                <Checkbox key={name} value={name} className="checkbox">
                  <span className="box" aria-hidden="true" />
                  {name}
                </Checkbox>
              ))}
            </div>
            {errors.repositories && (
              <p className="field-error" role="alert">
                {errors.repositories}
              </p>
            )}
          </CheckboxGroup>
          <div className="with-button">
            <TextInput
              label="Destination folder"
              value={folder}
              onChange={(v) => {
                setFolder(v);
                setErrors(({ destination: _d, ...rest }) => rest);
              }}
              error={errors.destination}
              placeholder="/var/backups/exports"
              description="Each repository becomes <name>_YYYY-MM-DD-HH-mm-ss.zip in this folder."
            />
            {api.host === 'electron' && (
              <Button
                className="button"
                onPress={() =>
                  void api.pickFolder({ title: 'Export to folder' }).then((r) => {
                    if (r.ok && r.value?.[0]) setFolder(r.value[0]);
                  })
                }
              >
                Browse…
              </Button>
            )}
          </div>
          <Checkbox className="checkbox" isSelected={includeHistory} onChange={setIncludeHistory}>
            <span className="box" aria-hidden="true" />
            Include the revision history
          </Checkbox>
        </>
      ) : (
        <ul className="job-list" aria-label="Exports" ref={results} tabIndex={-1}>
          {started.map((job) => (
            <JobRow
              key={job.jobId}
              title={job.repository ?? job.jobId}
              result={jobs.results[job.jobId]}
              progress={jobs.progress[job.jobId]}
              onCancel={() => void api.cancelJob({ jobId: job.jobId })}
              unknownEnd={jobs.ended.includes(job.jobId)}
              onShow={api.host === 'electron' ? (file) => void api.showInFolder({ path: file }) : undefined}
            />
          ))}
        </ul>
      )}
    </AppDialog>
  );
}

interface JobRowProps {
  title: string;
  result: JobResult | undefined;
  progress: Parameters<typeof JobProgressBar>[0]['progress'];
  onCancel(): void;
  onShow?: (file: string) => void;
  doneText?: (result: JobResult) => string;
  /** It ended while the connection was lost, so its result was never heard. */
  unknownEnd?: boolean;
}

/** One job in an export or import: its bar while it runs, then Done (file, size) or the error's cause. */
export function JobRow({ title, result, progress, onCancel, onShow, doneText, unknownEnd }: JobRowProps) {
  if (!result && unknownEnd)
    return (
      <li className="job-row" data-testid="job-row">
        <div className="job-head">
          <strong>{title}</strong>
        </div>
        <p className="job-result" role="status">
          <span className="badge muted">Ended</span> It ended while the connection to the server was lost: its
          result is under Recent history.
        </p>
      </li>
    );
  return (
    <li className="job-row" data-testid="job-row">
      <div className="job-head">
        <strong>{title}</strong>
        {!result && (
          <Button className="button small" aria-label={`Cancel ${title}`} onPress={onCancel}>
            Cancel
          </Button>
        )}
      </div>
      {!result ? (
        <JobProgressBar label={`Progress of ${title}`} progress={progress} />
      ) : result.status === 'done' ? (
        <div className="job-result ok" role="status">
          <span className="badge ok">Done</span> {doneText ? doneText(result) : null}
          {result.file && <code className="path">{result.file}</code>}
          {result.sizeBytes !== null && <span className="size"> {formatSize(result.sizeBytes)}</span>}
          {onShow && result.file && (
            <Button className="button small" onPress={() => onShow(result.file!)}>
              Show in folder
            </Button>
          )}
        </div>
      ) : (
        <div className={`job-result ${result.status === 'failed' ? 'failed' : 'cancelled'}`} role="alert">
          <span className={`badge ${result.status === 'failed' ? 'failed' : 'muted'}`}>
            {result.status === 'failed' ? 'Error' : 'Cancelled'}
          </span>{' '}
          {result.error?.message ??
            (result.status === 'cancelled' ? 'Stopped; no file was left behind.' : '')}
        </div>
      )}
    </li>
  );
}
