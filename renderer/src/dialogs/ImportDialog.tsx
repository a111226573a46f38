import { useState } from 'react';
import { Button, Checkbox } from 'react-aria-components';
import type {
  ArchivePreview,
  ConflictPolicy,
  VerifyResult,
} from '../../../electron/shared/contract/archives';
import type { BackupStatus } from '../../../electron/shared/contract/schedule';
import { ARCHIVE_EXAMPLE, fullPathProblem } from '../../../electron/shared/full-path';
import { repositoryNameProblem, sameRepositoryName } from '../../../electron/shared/repository-name';
import { useApi } from '../api/context';
import { formatSize } from '../../../electron/shared/format-size';
import { formatDateTime } from '../format/time';
import { useConnected } from '../state/connection';
import { useJobEvents } from '../state/jobs';
import { AppDialog, FormError, useFocusWhenShown } from './AppDialog';
import { JobRow } from './ExportDialog';
import { RadioChoices, TextInput, type Choice } from './fields';

interface ImportRow {
  key: number;
  file: string;
  preview: ArchivePreview | null;
  verify: VerifyResult | null;
  /** The call itself failed (not the archive): the core's message. */
  callError: string | null;
  targetName: string;
  onConflict: ConflictPolicy;
  includeHistory: boolean;
  /** Whether the restored repository is in the automatic backup afterwards. */
  includeInBackup: boolean;
  jobId: string | null;
}

let nextRowKey = 1;

const conflictChoices = (target: string): Choice<ConflictPolicy>[] => [
  { value: 'fail', label: 'Stop with an error', description: 'Nothing changes.' },
  {
    value: 'rename',
    label: 'Restore under a new name',
    description: `As “${target}-Restore1” (or the next free number).`,
  },
  {
    value: 'merge',
    label: 'Merge into it',
    description: `A safety backup of “${target}” is taken first. Items from the archive are added or overwrite those with the same path; the others stay.`,
  },
  {
    value: 'replace',
    label: 'Replace it',
    description: `A safety backup of “${target}” is taken first. Then “${target}” becomes exactly the archive.`,
  },
];

interface ImportDialogProps {
  repositoryNames: string[];
  /** The automatic backup's state: whether "Include in automatic backup" starts checked. */
  backup: BackupStatus | null;
  onClose(): void;
}

/**
 * In the automatic backup afterwards? Yes when auto-backup is on, when the repository is in its list
 * now, or when the archive was written by a scheduled backup (so it was in the list then).
 */
export function includedByDefault(backup: BackupStatus | null, name: string, trigger: string | undefined) {
  if (!backup) return trigger === 'schedule';
  return (
    backup.state !== 'off' ||
    trigger === 'schedule' ||
    backup.repositories.some((n) => sameRepositoryName(n, name))
  );
}

/** Nothing is written until Import: each archive shows its manifest and whether it verified first. */
export function ImportDialog({ repositoryNames, backup, onClose }: ImportDialogProps) {
  const api = useApi();
  const connected = useConnected();
  const [rows, setRows] = useState<ImportRow[]>([]);
  const jobs = useJobEvents(rows.map((r) => r.jobId).filter((id): id is string => id !== null));
  const [path, setPath] = useState('');
  const [pathError, setPathError] = useState<string | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [started, setStarted] = useState(false);
  // The form is gone once the jobs start: the results take the focus, so Escape and Tab go on working.
  const results = useFocusWhenShown<HTMLUListElement>(started);
  const [busy, setBusy] = useState(false);

  const update = (key: number, patch: Partial<ImportRow>) =>
    setRows((all) => all.map((r) => (r.key === key ? { ...r, ...patch } : r)));

  const addFiles = (files: string[]) => {
    const fresh = files.map((f) => f.trim()).filter((f) => f && !rows.some((r) => r.file === f));
    for (const file of fresh) {
      const key = nextRowKey++;
      setRows((all) => [
        ...all,
        {
          key,
          file,
          preview: null,
          verify: null,
          callError: null,
          targetName: '',
          onConflict: 'fail',
          includeHistory: true,
          includeInBackup: false,
          jobId: null,
        },
      ]);
      void api.previewArchives({ files: [file] }).then((r) => {
        if (!r.ok) return update(key, { callError: r.error.message });
        const preview = r.value[0] ?? null;
        const name = preview?.manifest?.repository.name ?? '';
        update(key, {
          preview,
          targetName: name,
          includeHistory: preview?.manifest?.includesHistory ?? true,
          includeInBackup: includedByDefault(backup, name, preview?.manifest?.trigger),
        });
        if (!preview?.manifest) return;
        void api.verifyArchives({ files: [file] }).then((v) => {
          if (!v.ok) return update(key, { callError: v.error.message });
          update(key, { verify: v.value[0] ?? null });
        });
      });
    }
  };

  const addTyped = () => {
    const problem = fullPathProblem(path, 'Type the full path of an archive (.zip).', ARCHIVE_EXAMPLE);
    if (problem) return setPathError(problem);
    if (rows.some((r) => r.file === path.trim())) return setPathError('That file is in the list already.');
    addFiles([path]);
    setPath('');
  };

  const nameProblem = (row: ImportRow) => repositoryNameProblem(row.targetName);
  const exists = (row: ImportRow) => repositoryNames.some((n) => sameRepositoryName(n, row.targetName));
  const importable = (row: ImportRow) =>
    !!row.preview?.manifest && row.verify?.verified === true && !nameProblem(row) && !row.callError;
  const ready = rows.filter(importable);

  const start = async () => {
    setFailure(null);
    setBusy(true);
    const result = await api.startImport({
      items: ready.map((r) => ({
        file: r.file,
        targetName: r.targetName,
        onConflict: r.onConflict,
        includeHistory: r.includeHistory,
        includeInBackup: r.includeInBackup,
      })),
    });
    setBusy(false);
    if (!result.ok) return setFailure(result.error.message);
    setRows((all) =>
      all.map((r) => {
        const index = ready.findIndex((x) => x.key === r.key);
        return index === -1 ? r : { ...r, jobId: result.value.jobs[index]?.jobId ?? null };
      }),
    );
    setStarted(true);
  };

  const running = rows.filter((r) => r.jobId && !jobs.results[r.jobId] && !jobs.ended.includes(r.jobId));

  return (
    <AppDialog
      title="Import repositories"
      size="large"
      onClose={onClose}
      testId="import-dialog"
      dismissable={running.length === 0}
      footer={
        <>
          <FormError message={failure} />
          {started ? (
            running.length > 0 ? (
              <Button
                className="button"
                onPress={() => running.forEach((r) => void api.cancelJob({ jobId: r.jobId! }))}
              >
                Cancel
              </Button>
            ) : (
              <Button className="button primary" onPress={onClose}>
                Close
              </Button>
            )
          ) : (
            <>
              <Button className="button" onPress={onClose}>
                Cancel
              </Button>
              <Button
                className="button primary"
                isDisabled={busy || ready.length === 0 || !connected}
                onPress={() => void start()}
              >
                {ready.length > 1 ? `Import ${ready.length} archives` : 'Import'}
              </Button>
            </>
          )}
        </>
      }
    >
      {!started && (
        <form
          className="with-button"
          onSubmit={(e) => {
            e.preventDefault();
            addTyped();
          }}
        >
          <TextInput
            label="Archive file"
            value={path}
            autoFocus
            onChange={(v) => {
              setPath(v);
              setPathError(null);
            }}
            error={pathError}
            placeholder="/var/backups/login_2026-11-22-22-00-00.zip"
          />
          <Button className="button" type="submit">
            Add
          </Button>
          {api.host === 'electron' && (
            <Button
              className="button"
              onPress={() =>
                void api
                  .pickFiles({
                    title: 'Archives to import',
                    multiple: true,
                    filters: [{ name: 'Repository backups', extensions: ['zip'] }],
                  })
                  .then((r) => {
                    if (r.ok && r.value) addFiles(r.value);
                  })
              }
            >
              Choose files…
            </Button>
          )}
        </form>
      )}
      {rows.length === 0 ? (
        <p className="muted empty-hint">
          Add one or more archive files; each shows what it holds before anything is written.
        </p>
      ) : (
        <ul
          className="import-list"
          aria-label={started ? 'Imports' : 'Archives to import'}
          ref={results}
          tabIndex={-1}
        >
          {rows.map((row) => (
            <li key={row.key} className="import-row" data-testid="import-row">
              <div className="job-head">
                <code className="path">{row.file}</code>
                {!started && (
                  <Button
                    className="button small"
                    aria-label={`Remove ${row.file}`}
                    onPress={() => setRows((all) => all.filter((r) => r.key !== row.key))}
                  >
                    Remove
                  </Button>
                )}
              </div>
              <ArchiveFacts row={row} />
              {/* An archive that failed verification cannot be imported: no options to set for it. */}
              {row.preview?.manifest && row.verify?.verified !== false && !row.jobId && !started && (
                <div className="import-options">
                  <TextInput
                    label="Restore as"
                    value={row.targetName}
                    onChange={(v) => update(row.key, { targetName: v })}
                    error={nameProblem(row)}
                    description={
                      exists(row)
                        ? `A repository named “${row.targetName}” exists.`
                        : 'A new repository will be created.'
                    }
                  />
                  <RadioChoices
                    label={`If “${row.targetName || 'it'}” exists`}
                    value={row.onConflict}
                    onChange={(v) => update(row.key, { onConflict: v })}
                    choices={conflictChoices(row.targetName || 'it')}
                  />
                  <Checkbox
                    className="checkbox"
                    isSelected={row.includeHistory}
                    isDisabled={!row.preview.manifest.includesHistory}
                    onChange={(v) => update(row.key, { includeHistory: v })}
                  >
                    <span className="box" aria-hidden="true" />
                    Restore the revision history
                    {!row.preview.manifest.includesHistory && ' (the archive has none)'}
                  </Checkbox>
                  <Checkbox
                    className="checkbox"
                    isSelected={row.includeInBackup}
                    onChange={(v) => update(row.key, { includeInBackup: v })}
                  >
                    <span className="box" aria-hidden="true" />
                    Include in automatic backup
                    {backup && backup.state === 'off' && ' (auto-backup is off now)'}
                  </Checkbox>
                </div>
              )}
              {row.jobId && (
                <ul className="job-list">
                  <JobRow
                    title={`Import of ${row.preview?.manifest?.repository.name ?? row.file}`}
                    result={jobs.results[row.jobId]}
                    progress={jobs.progress[row.jobId]}
                    onCancel={() => void api.cancelJob({ jobId: row.jobId! })}
                    unknownEnd={jobs.ended.includes(row.jobId)}
                    doneText={(r) =>
                      `Restored as “${r.restoredAs ?? row.targetName}”.${row.includeInBackup ? ' It is in the automatic backup.' : ''}`
                    }
                  />
                </ul>
              )}
              {started && !row.jobId && <p className="muted">Not imported.</p>}
            </li>
          ))}
        </ul>
      )}
    </AppDialog>
  );
}

/** The row names the file already: the core's "<file>: …" need not say it twice. */
const withoutFile = (message: string, file: string) =>
  message.startsWith(`${file}: `) ? message.slice(file.length + 2) : message;

/** What the archive holds and whether it verified, read before anything is written. */
function ArchiveFacts({ row }: { row: ImportRow }) {
  if (row.callError)
    return (
      <p className="form-error" role="alert">
        {row.callError}
      </p>
    );
  if (!row.preview) return <p aria-busy="true">Reading the manifest…</p>;
  const { manifest, error } = row.preview;
  if (!manifest)
    return (
      <p className="form-error" role="alert">
        Cannot import this file: {withoutFile(error?.message ?? 'it is not a repository archive.', row.file)}
      </p>
    );
  return (
    <dl className="facts compact" data-testid="archive-facts">
      <dt>Repository</dt>
      <dd>{manifest.repository.name}</dd>
      <dt>Backed up</dt>
      <dd>
        <time dateTime={manifest.finishedAt}>{formatDateTime(manifest.finishedAt)}</time>{' '}
        <span className="muted">({manifest.trigger})</span>
      </dd>
      <dt>Size</dt>
      <dd>{formatSize(row.preview.sizeBytes)}</dd>
      <dt>Items</dt>
      <dd>
        {manifest.itemCount} items,{' '}
        {manifest.includesHistory ? `${manifest.revisionCount} revisions` : 'no history'}
      </dd>
      <dt>Made by</dt>
      <dd>
        {manifest.producer.app} {manifest.producer.version} on {manifest.producer.host}
      </dd>
      <dt>Integrity</dt>
      <dd>
        {!row.verify ? (
          <span aria-busy="true">Checking every entry’s checksum…</span>
        ) : row.verify.verified ? (
          <span className="badge ok">Verified</span>
        ) : (
          <span role="alert">
            <span className="badge failed">Not verified</span>{' '}
            {withoutFile(row.verify.error?.message ?? '', row.file)}
          </span>
        )}
      </dd>
    </dl>
  );
}
