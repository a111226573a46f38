import { useState } from 'react';
import { Checkbox } from 'react-aria-components';
import type { ClientSession } from '../../../electron/shared/contract/clients';
import type { RepositorySummary } from '../../../electron/shared/contract/repositories';
import { repositoryNameProblem, sameRepositoryName } from '../../../electron/shared/repository-name';
import { useApi } from '../api/context';
import { useNotify } from '../components/Notices';
import { AppDialog, FormFooter } from './AppDialog';
import { TextInput } from './fields';

interface NameDialogProps {
  repositories: RepositorySummary[];
  onClose(): void;
}

/** The first problem with a new name, including a clash with an existing repository. */
export function newNameProblem(
  name: string,
  repositories: RepositorySummary[],
  except?: string,
): string | null {
  const problem = repositoryNameProblem(name);
  if (problem) return problem;
  const clash = repositories.find((r) => sameRepositoryName(r.name, name) && r.name !== except);
  return clash ? `A repository named "${clash.name}" already exists.` : null;
}

export function AddRepositoryDialog({ repositories, onClose }: NameDialogProps) {
  const api = useApi();
  const notify = useNotify();
  const [name, setName] = useState('');
  const [touched, setTouched] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const problem = newNameProblem(name, repositories);

  const submit = async () => {
    setTouched(true);
    if (problem) return;
    setBusy(true);
    const result = await api.createRepository({ name });
    setBusy(false);
    if (!result.ok) return setFailure(result.error.message);
    notify('ok', `Repository "${result.value.name}" created.`);
    onClose();
  };

  return (
    <AppDialog
      title="Add repository"
      size="small"
      onClose={onClose}
      testId="add-repository-dialog"
      footer={
        <FormFooter
          failure={failure}
          onCancel={onClose}
          action="Create"
          onAction={() => void submit()}
          disabled={busy}
        />
      }
    >
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <TextInput
          label="Repository name"
          value={name}
          autoFocus
          onChange={(v) => {
            setName(v);
            setTouched(true);
            setFailure(null);
          }}
          error={touched ? problem : null}
          description="Letters and digits of any language, spaces, “-”, “_” and “.”; up to 64 characters."
        />
      </form>
    </AppDialog>
  );
}

export function RenameRepositoryDialog({
  repositories,
  onClose,
  name: current,
}: NameDialogProps & { name: string }) {
  const api = useApi();
  const notify = useNotify();
  const [name, setName] = useState(current);
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const unchanged = name === current;
  const problem = unchanged ? null : newNameProblem(name, repositories, current);
  const connected = repositories.find((r) => r.name === current)?.connectedClients ?? 0;

  const submit = async () => {
    if (problem || unchanged) return;
    setBusy(true);
    const result = await api.renameRepository({ name: current, newName: name });
    setBusy(false);
    if (!result.ok) return setFailure(result.error.message);
    notify('ok', `Repository "${current}" renamed to "${result.value.name}".`);
    onClose();
  };

  return (
    <AppDialog
      title={`Rename “${current}”`}
      size="small"
      onClose={onClose}
      testId="rename-repository-dialog"
      footer={
        <FormFooter
          failure={failure}
          onCancel={onClose}
          action="Rename"
          onAction={() => void submit()}
          disabled={busy || unchanged || !!problem}
        />
      }
    >
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <TextInput
          label="New name"
          value={name}
          autoFocus
          onChange={(v) => {
            setName(v);
            setFailure(null);
          }}
          error={problem}
        />
        {connected > 0 && (
          <p className="hint warn-text">
            {connected === 1 ? '1 client is' : `${connected} clients are`} connected to it: disconnect them
            first.
          </p>
        )}
      </form>
    </AppDialog>
  );
}

interface DeleteProps {
  name: string;
  clients: ClientSession[];
  /** The automatic backup's repositories: a deleted one leaves them, and the dialog says so. */
  inSchedule: string[];
  onClose(): void;
}

export function DeleteRepositoryDialog({ name, clients, inSchedule, onClose }: DeleteProps) {
  const api = useApi();
  const notify = useNotify();
  const connected = clients.filter((c) => sameRepositoryName(c.repository, name));
  const scheduled = inSchedule.some((n) => sameRepositoryName(n, name));
  const [force, setForce] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async () => {
    setBusy(true);
    const result = await api.deleteRepository({ name, force });
    setBusy(false);
    if (!result.ok) return setFailure(result.error.message);
    notify('info', `Repository "${name}" deleted.`);
    onClose();
  };

  return (
    <AppDialog
      title="Delete repository"
      size="small"
      onClose={onClose}
      testId="delete-repository-dialog"
      footer={
        <FormFooter
          failure={failure}
          onCancel={onClose}
          action={<>Delete “{name}”</>}
          onAction={() => void submit()}
          disabled={busy || (connected.length > 0 && !force)}
          danger
        />
      }
    >
      <p>
        Delete the repository <strong>“{name}”</strong> and every item and revision in it? This cannot be
        undone; existing backup files are kept.
      </p>
      {scheduled && (
        <p className="warn-text" data-testid="leaves-schedule">
          “{name}” is backed up automatically: it leaves the backup schedule. Importing it back with “Include
          in automatic backup” puts it in again.
        </p>
      )}
      {connected.length === 0 ? (
        <p className="hint">No client is connected to it.</p>
      ) : (
        <>
          <p className="warn-text">
            {connected.length === 1 ? 'This client is' : `These ${connected.length} clients are`} connected to
            it:
          </p>
          <ul className="plain-list" aria-label="Connected clients">
            {connected.map((c) => (
              <li key={c.id}>
                <strong>{c.label}</strong> <span className="muted">from {c.address}</span>
              </li>
            ))}
          </ul>
          <Checkbox className="checkbox" isSelected={force} onChange={setForce}>
            <span className="box" aria-hidden="true" />
            Disconnect {connected.length === 1 ? 'it' : 'them'} and delete
          </Checkbox>
        </>
      )}
    </AppDialog>
  );
}
