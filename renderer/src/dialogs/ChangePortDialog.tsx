import { useState } from 'react';
import { useApi } from '../api/context';
import { useNotify } from '../components/Notices';
import { AppDialog, FormFooter } from './AppDialog';
import { NumberInput } from './fields';

/** Move the client listener; on PORT_IN_USE the old port keeps serving and the error sits by the field. */
export function ChangePortDialog({ port: current, onClose }: { port: number; onClose(): void }) {
  const api = useApi();
  const notify = useNotify();
  const [port, setPort] = useState(current);
  const [fieldError, setFieldError] = useState<string | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const invalid = !Number.isInteger(port) || port < 1 || port > 65535 ? 'Use a port from 1 to 65535.' : null;

  const submit = async () => {
    if (invalid) return;
    setFieldError(null);
    setFailure(null);
    setBusy(true);
    const result = await api.changePort({ port });
    setBusy(false);
    if (!result.ok) {
      if (result.error.code === 'PORT_IN_USE' || result.error.code === 'INVALID_ARGUMENT')
        setFieldError(result.error.fields?.port ?? result.error.message);
      else setFailure(result.error.message);
      return;
    }
    notify('ok', `Clients now connect on port ${result.value.port}.`);
    onClose();
  };

  return (
    <AppDialog
      title="Change port"
      size="small"
      onClose={onClose}
      testId="change-port-dialog"
      footer={
        <FormFooter
          failure={failure}
          onCancel={onClose}
          action="OK"
          onAction={() => void submit()}
          disabled={busy || !!invalid}
        />
      }
    >
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <NumberInput
          label="Port"
          value={port}
          minValue={1}
          maxValue={65535}
          autoFocus
          // The field commits on blur, i.e. as OK is pressed: clearing the error then would move OK away
          // from under the pointer and lose the click. The next answer replaces it instead.
          onChange={setPort}
          error={invalid ?? fieldError}
          description={`Clients connect on this port. Now: ${current}. Connected clients must reconnect.`}
        />
      </form>
    </AppDialog>
  );
}
