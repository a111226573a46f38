import { useState } from 'react';
import type { ClientSession } from '../../../electron/shared/contract/clients';
import { useApi } from '../api/context';
import { useNotify } from '../components/Notices';
import { AppDialog, FormFooter } from './AppDialog';

/** Stopping disconnects every client: asked first, naming who (Cancel has the focus). */
export function StopServerDialog({ clients, onClose }: { clients: ClientSession[]; onClose(): void }) {
  const api = useApi();
  const notify = useNotify();
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const n = clients.length;

  const stop = async () => {
    setBusy(true);
    const result = await api.stopClientServer();
    setBusy(false);
    if (!result.ok) return setFailure(result.error.message);
    notify('info', stoppedNotice(n));
    onClose();
  };

  return (
    <AppDialog
      title="Stop the server?"
      size="small"
      onClose={onClose}
      testId="stop-server-dialog"
      footer={
        <FormFooter
          failure={failure}
          onCancel={onClose}
          action={n === 1 ? 'Disconnect 1 client and stop' : `Disconnect ${n} clients and stop`}
          onAction={() => void stop()}
          disabled={busy}
          danger
        />
      }
    >
      <p>
        <strong>{n === 1 ? '1 client is' : `${n} clients are`} connected.</strong> Stopping the server
        disconnects {n === 1 ? 'it' : 'them'}, and no client can connect until you start it again. Scheduled
        backups still run.
      </p>
      <ul className="plain-list" aria-label="Clients that will be disconnected">
        {clients.map((c) => (
          <li key={c.id}>
            <strong>{c.label}</strong>{' '}
            <span className="muted">
              on {c.repository}, from {c.address}
            </span>
          </li>
        ))}
      </ul>
    </AppDialog>
  );
}

export const stoppedNotice = (disconnected: number) =>
  disconnected === 0
    ? 'The server stopped; no client can connect until it is started again.'
    : `The server stopped; ${disconnected === 1 ? '1 client was' : `${disconnected} clients were`} disconnected.`;
