import { useId, useState } from 'react';
import { Button, Checkbox } from 'react-aria-components';
import type { RendererApi } from '../../../electron/shared/contract';
import type { DesktopSettings } from '../../../electron/shared/contract/host';
import { useApi } from '../api/context';
import { useNotify } from '../components/Notices';
import { useLive } from '../state/live';
import { AppDialog, FormFooter } from './AppDialog';

type SettingName = keyof DesktopSettings;

/** What each desktop setting means to a person; a setting added to the contract without words fails to compile. */
const SETTING_TEXT: Record<SettingName, { label: string; description: string }> = {
  launchAtLogin: {
    label: 'Start at login (in the tray)',
    description:
      'Repository Server starts when you log in, without opening this window, so scheduled backups run ' +
      'even if you never open the Control Panel.',
  },
  notifyOnSuccess: {
    label: 'Notify me when a backup succeeds',
    description: 'A failed or overdue backup is always notified; this adds a notice for each good one.',
  },
};
const SETTING_NAMES = Object.keys(SETTING_TEXT) as SettingName[];

const loadDesktopSettings = (api: RendererApi) => api.getDesktopSettings();

/** Only what the user changed: saving the login item again would rewrite it for nothing. */
function changedSettings(before: DesktopSettings, after: DesktopSettings): Partial<DesktopSettings> {
  return Object.fromEntries(SETTING_NAMES.filter((k) => before[k] !== after[k]).map((k) => [k, after[k]]));
}

/**
 * The desktop app's own preferences and its logs folder. The toolbar offers it only when the host is
 * electron: the headless host has no login item and no desktop notifications.
 */
export function DesktopSettingsDialog({ onClose }: { onClose(): void }) {
  const settings = useLive({ load: loadDesktopSettings });
  if (!settings.value)
    return (
      <AppDialog
        title="Desktop settings"
        size="small"
        onClose={onClose}
        testId="desktop-settings-dialog"
        footer={
          <Button className="button" onPress={onClose}>
            Close
          </Button>
        }
      >
        {settings.error ? (
          <p role="alert" className="form-error">
            Could not read the desktop settings: {settings.error.message}
          </p>
        ) : (
          <p aria-busy="true">Loading the desktop settings…</p>
        )}
        <LogsFolder />
      </AppDialog>
    );
  return <DesktopSettingsForm initial={settings.value} onClose={onClose} />;
}

function DesktopSettingsForm({ initial, onClose }: { initial: DesktopSettings; onClose(): void }) {
  const api = useApi();
  const notify = useNotify();
  const [values, setValues] = useState(initial);
  const [fieldErrors, setFieldErrors] = useState<Partial<Record<SettingName, string>>>({});
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async () => {
    const changes = changedSettings(initial, values);
    if (Object.keys(changes).length === 0) return onClose();
    setBusy(true);
    const result = await api.saveDesktopSettings(changes);
    setBusy(false);
    if (!result.ok) {
      const byField = Object.fromEntries(
        Object.entries(result.error.fields ?? {}).filter(([k]) => k in SETTING_TEXT),
      ) as Partial<Record<SettingName, string>>;
      setFieldErrors(byField);
      // A message no field shows goes beside the buttons, where the user just pressed OK.
      setFailure(Object.keys(byField).length ? null : result.error.message);
      return;
    }
    notify('ok', 'Desktop settings saved.');
    onClose();
  };

  return (
    <AppDialog
      title="Desktop settings"
      size="small"
      onClose={onClose}
      testId="desktop-settings-dialog"
      footer={
        <FormFooter
          failure={failure}
          onCancel={onClose}
          action="OK"
          onAction={() => void submit()}
          disabled={busy}
        />
      }
    >
      <form
        className="form-section"
        aria-label="Desktop settings"
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        {SETTING_NAMES.map((name, i) => (
          <SettingCheckbox
            key={name}
            name={name}
            autoFocus={i === 0}
            isSelected={values[name]}
            error={fieldErrors[name]}
            onChange={(selected) => {
              setValues((v) => ({ ...v, [name]: selected }));
              setFieldErrors((e) => ({ ...e, [name]: undefined }));
              setFailure(null);
            }}
          />
        ))}
      </form>
      <LogsFolder />
    </AppDialog>
  );
}

function SettingCheckbox(props: {
  name: SettingName;
  isSelected: boolean;
  onChange(selected: boolean): void;
  error: string | undefined;
  autoFocus: boolean;
}) {
  const id = useId();
  const { label, description } = SETTING_TEXT[props.name];
  return (
    <div>
      <Checkbox
        className="checkbox"
        name={props.name}
        isSelected={props.isSelected}
        onChange={props.onChange}
        isInvalid={!!props.error}
        validationBehavior="aria"
        autoFocus={props.autoFocus}
        aria-describedby={props.error ? `${id}-error ${id}-description` : `${id}-description`}
      >
        <span className="box" aria-hidden="true" />
        {label}
      </Checkbox>
      <p id={`${id}-description`} className="hint">
        {description}
      </p>
      {props.error && (
        <p id={`${id}-error`} className="field-error" role="alert">
          {props.error}
        </p>
      )}
    </div>
  );
}

/** The logs say what the app did while nobody watched; the file manager shows them. */
function LogsFolder() {
  const api = useApi();
  const [error, setError] = useState<string | null>(null);
  return (
    <section className="form-section" aria-labelledby="desktop-logs">
      <h3 id="desktop-logs">Logs</h3>
      <p className="hint">Backups, errors and starts are written to the app’s log files.</p>
      <div>
        <Button
          className="button"
          onPress={() => void api.openLogsFolder().then((r) => setError(r.ok ? null : r.error.message))}
        >
          Open Logs Folder
        </Button>
      </div>
      {error && (
        <p role="alert" className="form-error">
          Could not open the logs folder: {error}
        </p>
      )}
    </section>
  );
}
