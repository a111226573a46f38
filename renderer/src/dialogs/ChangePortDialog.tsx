import { useEffect, useRef, useState } from 'react';
import type { ServerStatus } from '../../../electron/shared/contract/clients';
import { PortText, portTextProblem } from '../../../electron/shared/port';
import { useApi } from '../api/context';
import { useNotify } from '../components/Notices';
import { AppDialog, FormFooter } from './AppDialog';
import { TextInput } from './fields';

const clientsAre = (n: number) => (n === 1 ? '1 client is' : `${n} clients are`);

interface ChangePortDialogProps {
  status: ServerStatus;
  /** The web Control Panel's own port (headless): the client listener cannot take it. */
  panelPort: number | null;
  onClose(): void;
}

/**
 * Move the client listener. What was typed is checked as typed (never clamped or replaced): the error
 * sits by the field and nothing changes. With clients connected, OK asks first and says how many.
 * On PORT_IN_USE the old port keeps serving and the error sits by the field.
 */
export function ChangePortDialog({ status, panelPort, onClose }: ChangePortDialogProps) {
  const api = useApi();
  const notify = useNotify();
  const current = status.port;
  const [text, setText] = useState(String(current));
  const [fieldError, setFieldError] = useState<string | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const field = useRef<HTMLDivElement>(null);
  const question = useRef<HTMLDivElement>(null);
  const connected = status.state === 'running' ? status.sessionCount : 0;

  const problemWith = (value: string): string | null => {
    const problem = portTextProblem(value);
    if (problem) return problem;
    const port = PortText.parse(value);
    if (port === panelPort)
      return `Port ${port} is this Control Panel's own port; choose another one for the clients.`;
    if (port === current) return `The server already uses port ${port}.`;
    return null;
  };

  const showError = (message: string) => {
    setConfirming(false);
    setFieldError(message);
    // The error is read where the focus goes: back in the field.
    requestAnimationFrame(() => field.current?.querySelector('input')?.focus());
  };

  const submit = async (confirmed: boolean) => {
    setFailure(null);
    const problem = problemWith(text);
    if (problem) return showError(problem);
    if (connected > 0 && !confirmed) return setConfirming(true);
    setBusy(true);
    const result = await api.changePort({ port: PortText.parse(text) });
    setBusy(false);
    if (!result.ok) {
      if (['PORT_IN_USE', 'INVALID_ARGUMENT', 'FORBIDDEN'].includes(result.error.code))
        return showError(result.error.fields?.port ?? result.error.message);
      setConfirming(false);
      return setFailure(result.error.message);
    }
    notify('info', `Clients now connect on port ${result.value.port}.`);
    onClose();
  };

  // Asked to confirm: the focus goes to Back (the safe answer), as a destructive action's Cancel does.
  useEffect(() => {
    if (!confirming) return;
    const frame = requestAnimationFrame(() =>
      question.current?.closest('.dialog')?.querySelector<HTMLElement>('.dialog-footer .button')?.focus(),
    );
    return () => cancelAnimationFrame(frame);
  }, [confirming]);

  const port = PortText.safeParse(text).data;
  return (
    <AppDialog
      title="Change port"
      size="small"
      onClose={onClose}
      testId="change-port-dialog"
      footer={
        confirming ? (
          <FormFooter
            failure={failure}
            onCancel={() => setConfirming(false)}
            cancelLabel="Back"
            action={`Change to port ${port}`}
            onAction={() => void submit(true)}
            disabled={busy}
            danger
          />
        ) : (
          <FormFooter
            failure={failure}
            onCancel={onClose}
            action="OK"
            onAction={() => void submit(false)}
            disabled={busy}
          />
        )
      }
    >
      {confirming ? (
        <div role="alert" data-testid="change-port-confirmation" ref={question}>
          <p>
            <strong>
              {clientsAre(connected)} connected on port {current}.
            </strong>
          </p>
          <p>
            They keep their current connections, but to connect again they must use port {port}: change their
            configuration too.
          </p>
        </div>
      ) : (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void submit(false);
          }}
        >
          <div ref={field}>
            <TextInput
              label="Port"
              value={text}
              autoFocus
              inputMode="numeric"
              onChange={(v) => {
                setText(v);
                setFieldError(null);
              }}
              error={fieldError}
              description={`Clients connect on this port (1–65535). Now: ${current}.${connected > 0 ? ` ${clientsAre(connected)} connected.` : ''}`}
            />
          </div>
        </form>
      )}
    </AppDialog>
  );
}
