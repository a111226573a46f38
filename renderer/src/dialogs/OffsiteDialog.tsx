import { useEffect, useRef, useState } from 'react';
import { Button, Checkbox } from 'react-aria-components';
import type { OffsiteSettingsView, OffsiteTestResult } from '../../../electron/shared/contract/offsite';
import { offsiteFormRules } from '../../../electron/shared/contract/offsite';
import { fieldErrors } from '../../../electron/shared/field-errors';
import {
  KEY_FILE_EXAMPLE,
  knownHostOf,
  type OffsiteSettings,
} from '../../../electron/shared/settings-schema';
import { useApi } from '../api/context';
import { useNotify } from '../components/Notices';
import { formatDateTime } from '../format/time';
import { AppDialog, FormFooter } from './AppDialog';
import { NumberInput, RadioChoices, TextInput } from './fields';
import type { FieldErrors } from './schedule-form';

type Form = Omit<OffsiteSettings, 'knownHosts'>;

const STORAGE_WORDS = {
  keychain: 'in the system keychain',
  'owner-only-file': 'in a file only this server’s user can read',
} as const;

/** Offsite copy: where every verified backup is copied (SFTP), how it logs in, what is kept there. */
export function OffsiteDialog({ onClose }: { onClose(): void }) {
  const api = useApi();
  const [view, setView] = useState<OffsiteSettingsView | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    void api.getOffsiteSettings().then((r) => {
      if (!live) return;
      if (r.ok) setView(r.value);
      else setLoadError(r.error.message);
    });
    return () => {
      live = false;
    };
  }, [api]);
  if (!view)
    return (
      <AppDialog
        title="Offsite Copy"
        onClose={onClose}
        size="large"
        testId="offsite-dialog"
        footer={
          <Button className="button" onPress={onClose}>
            Close
          </Button>
        }
      >
        {loadError ? (
          <p role="alert" className="form-error">
            Could not read the offsite settings: {loadError}
          </p>
        ) : (
          <p aria-busy="true">Loading the offsite settings…</p>
        )}
      </AppDialog>
    );
  return <OffsiteForm initial={view} onClose={onClose} />;
}

const FIELD_ORDER = [
  'enabled',
  'host',
  'port',
  'username',
  'remoteFolder',
  'auth',
  'keyFile',
  'secret',
  'hostKey',
  'keepLast',
  'alertAfterHours',
  'timeoutSeconds',
];

function OffsiteForm({ initial, onClose }: { initial: OffsiteSettingsView; onClose(): void }) {
  const api = useApi();
  const notify = useNotify();
  const { knownHosts: initialHosts, ...initialForm } = initial.settings;
  const [form, setForm] = useState<Form>(initialForm);
  const [knownHosts, setKnownHosts] = useState(initialHosts);
  const [secret, setSecret] = useState('');
  const [forget, setForget] = useState(false);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState<'test' | 'confirm' | 'save' | null>(null);
  const [test, setTest] = useState<OffsiteTestResult | null>(null);
  const formRef = useRef<HTMLFormElement>(null);

  const set = <K extends keyof Form>(key: K, value: Form[K]) => {
    setForm((f) => ({ ...f, [key]: value }));
    setErrors(({ [key]: _dropped, hostKey: _hostKey, ...rest }) => rest);
    if (key === 'host' || key === 'port') setTest(null);
  };
  const pinned = knownHostOf({ knownHosts }, form.host.trim(), form.port);
  const typedSecret = secret === '' ? undefined : secret;
  const secretArg = forget && typedSecret === undefined ? null : typedSecret;

  const showErrors = (found: FieldErrors, message?: string) => {
    setErrors(found);
    const keys = FIELD_ORDER.filter((k) => found[k]);
    setFailure(
      message ??
        (keys.length
          ? `Check ${keys.length === 1 ? 'the field marked' : `${keys.length} fields`}: see the message beside it.`
          : null),
    );
    const first = keys[0];
    if (first)
      requestAnimationFrame(() =>
        formRef.current
          ?.querySelector<HTMLElement>(
            `[data-field="${first}"] input:not([type="hidden"]), [data-field="${first}"] button`,
          )
          ?.focus(),
      );
  };

  const runTest = async () => {
    setBusy('test');
    setFailure(null);
    const result = await api.testOffsiteConnection({ settings: form, secret: typedSecret });
    setBusy(null);
    if (!result.ok) return setFailure(result.error.message);
    setTest(result.value);
    setErrors(({ hostKey: _dropped, ...rest }) => rest);
  };

  const confirmKey = async () => {
    if (!test?.hostKey) return;
    setBusy('confirm');
    const result = await api.confirmOffsiteHostKey({
      host: test.hostKey.host,
      port: test.hostKey.port,
      fingerprint: test.hostKey.fingerprint,
    });
    setBusy(null);
    if (!result.ok) return setFailure(result.error.message);
    setKnownHosts(result.value.settings.knownHosts);
    setErrors(({ hostKey: _dropped, ...rest }) => rest);
    // With the key confirmed, the same test now logs in.
    await runTest();
  };

  const save = async () => {
    setFailure(null);
    const local = offsiteFormRules(form, knownHosts);
    if (!local.success) return showErrors(fieldErrors(local.error));
    setBusy('save');
    const result = await api.saveOffsiteSettings({ settings: form, secret: secretArg });
    setBusy(null);
    if (!result.ok) return showErrors(result.error.fields ?? {}, result.error.message);
    notify(
      'ok',
      result.value.settings.enabled
        ? 'Offsite copy saved: every verified backup is copied.'
        : 'Offsite copy is off.',
    );
    onClose();
  };

  const secretLabel = form.auth === 'password' ? 'Password' : 'Key passphrase';
  const storedWords = STORAGE_WORDS[initial.secretStorage];
  const seen = test?.hostKey && test.hostKey.state !== 'pinned' ? test.hostKey : null;

  return (
    <AppDialog
      title="Offsite Copy"
      onClose={onClose}
      size="large"
      testId="offsite-dialog"
      footer={
        <FormFooter
          failure={failure}
          onCancel={onClose}
          action="OK"
          onAction={() => void save()}
          disabled={busy !== null}
        />
      }
    >
      <form
        className="offsite-form"
        ref={formRef}
        onSubmit={(e) => {
          e.preventDefault();
          // Opened from the Schedule dialog, React would carry this submit on to its form too.
          e.stopPropagation();
          void save();
        }}
      >
        <section className="form-section off-state" aria-labelledby="off-state" data-field="enabled">
          <h3 id="off-state">Copy every verified backup to an SFTP server</h3>
          <RadioChoices
            label="Offsite copy"
            hideLabel
            orientation="horizontal"
            value={form.enabled ? 'on' : 'off'}
            onChange={(v) => set('enabled', v === 'on')}
            choices={[
              { value: 'off', label: 'Off' },
              { value: 'on', label: 'On: copy, check on the server, keep the newest there' },
            ]}
          />
        </section>

        <section className="form-section off-server" aria-labelledby="off-server">
          <h3 id="off-server">Server</h3>
          <div className="host-row">
            <div data-field="host" className="grow">
              <TextInput
                label="Host"
                value={form.host}
                onChange={(v) => set('host', v)}
                error={errors.host}
                placeholder="backup.example.com"
              />
            </div>
            <div data-field="port">
              <NumberInput
                label="Port"
                value={form.port}
                minValue={1}
                maxValue={65535}
                onChange={(v) => set('port', v)}
                error={errors.port}
              />
            </div>
          </div>
          <div data-field="username">
            <TextInput
              label="User"
              value={form.username}
              onChange={(v) => set('username', v)}
              error={errors.username}
              placeholder="backup"
            />
          </div>
          <div data-field="remoteFolder">
            <TextInput
              label="Folder on the server"
              value={form.remoteFolder}
              onChange={(v) => set('remoteFolder', v)}
              error={errors.remoteFolder}
              placeholder="/srv/backups/repo-server"
              description="Created if missing; a relative path is inside the user’s home."
            />
          </div>
        </section>

        <section className="form-section off-login" aria-labelledby="off-login">
          <h3 id="off-login">Log in with</h3>
          <div data-field="auth">
            <RadioChoices
              label="Log in with"
              hideLabel
              orientation="horizontal"
              value={form.auth}
              onChange={(v) => set('auth', v)}
              choices={[
                { value: 'key-file', label: 'Key file' },
                { value: 'agent', label: 'ssh-agent' },
                { value: 'password', label: 'Password' },
              ]}
            />
          </div>
          {form.auth === 'key-file' && (
            <div className="with-button" data-field="keyFile">
              <TextInput
                label="Private key file (on this computer)"
                value={form.keyFile}
                onChange={(v) => set('keyFile', v)}
                error={errors.keyFile}
                placeholder={KEY_FILE_EXAMPLE.split(' or ')[0]}
              />
              {api.host === 'electron' && (
                <Button
                  className="button"
                  onPress={() =>
                    void api
                      .pickFiles({
                        title: 'Private key file',
                        defaultPath: form.keyFile || undefined,
                        multiple: false,
                      })
                      .then((r) => {
                        if (r.ok && r.value?.[0]) set('keyFile', r.value[0]);
                      })
                  }
                >
                  Browse…
                </Button>
              )}
            </div>
          )}
          {form.auth !== 'agent' ? (
            <div data-field="secret" className="secret-row">
              <TextInput
                label={secretLabel}
                type="password"
                value={secret}
                onChange={(v) => {
                  setSecret(v);
                  setForget(false);
                  setErrors(({ secret: _dropped, ...rest }) => rest);
                }}
                error={errors.secret}
                placeholder={
                  initial.secretStored && !forget
                    ? 'Stored — leave empty to keep it'
                    : form.auth === 'key-file'
                      ? 'Empty if the key has none'
                      : ''
                }
                description={`Kept ${storedWords}, never in the settings, logs or backups.`}
              />
              {initial.secretStored && !forget && (
                <Button className="button small" onPress={() => setForget(true)}>
                  Forget the stored {secretLabel.toLowerCase()}
                </Button>
              )}
            </div>
          ) : (
            <p className="muted">The server’s running ssh-agent signs the login; nothing is stored here.</p>
          )}
        </section>

        <section className="form-section off-hostkey" aria-labelledby="off-hostkey" data-field="hostKey">
          <h3 id="off-hostkey">Host key</h3>
          <div className="hostkey-row">
            <p data-testid="pinned-key">
              {pinned ? (
                <>
                  Confirmed <code>{pinned.fingerprint}</code> ({pinned.algorithm}),{' '}
                  {formatDateTime(pinned.confirmedAt)}
                </>
              ) : (
                <span className="muted">Not confirmed yet: test the connection to see the server’s key.</span>
              )}
            </p>
            <Button
              className="button"
              isDisabled={busy !== null || form.host.trim() === ''}
              onPress={() => void runTest()}
            >
              {busy === 'test' ? 'Testing…' : 'Test connection'}
            </Button>
          </div>
          {errors.hostKey && (
            <p className="field-error" role="alert">
              {errors.hostKey}
            </p>
          )}
          {/* A key to confirm says it all in its box; the test's sentence would repeat it. */}
          {test && !seen && (
            <p className={test.ok ? 'ok-text' : 'form-error'} role="status" data-testid="offsite-test-result">
              {test.message}
            </p>
          )}
          {seen && (
            <div
              className={seen.state === 'changed' ? 'fingerprint danger-box' : 'fingerprint'}
              data-testid="host-key-seen"
            >
              {seen.state === 'changed' ? (
                <p>
                  <strong>The host key has changed.</strong> Confirmed was{' '}
                  <code>{seen.pinnedFingerprint}</code>. Confirm the new one only if you know the server was
                  reinstalled.
                </p>
              ) : (
                <p>
                  Compare this key with the server’s own (on the server:{' '}
                  <code>ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub</code>):
                </p>
              )}
              <p className="fingerprint-line">
                <code>{seen.fingerprint}</code> <span className="muted">({seen.algorithm})</span>
                <Button
                  className={seen.state === 'changed' ? 'button danger' : 'button primary'}
                  isDisabled={busy !== null}
                  onPress={() => void confirmKey()}
                >
                  {seen.state === 'changed' ? 'Confirm the new key' : 'It matches: confirm'}
                </Button>
              </p>
            </div>
          )}
        </section>

        <section className="form-section off-keep" aria-labelledby="off-keep">
          <h3 id="off-keep">On the server</h3>
          <div className="keep-row">
            <div data-field="keepLast" className="inline-number">
              <NumberInput
                label="Keep the newest copies of each repository"
                value={form.keepLast}
                minValue={1}
                maxValue={1000}
                onChange={(v) => set('keepLast', v)}
                error={errors.keepLast}
                description="Older checked copies are deleted there; never the last good one."
              />
            </div>
            <div data-field="alertAfterHours" className="inline-number">
              <NumberInput
                label="Alert when a copy waits longer than (hours)"
                value={form.alertAfterHours}
                minValue={1}
                maxValue={720}
                onChange={(v) => set('alertAfterHours', v)}
                error={errors.alertAfterHours}
              />
            </div>
            <div data-field="timeoutSeconds" className="inline-number">
              <NumberInput
                label="Give up on a silent server after (seconds)"
                value={form.timeoutSeconds}
                minValue={1}
                maxValue={3600}
                onChange={(v) => set('timeoutSeconds', v)}
                error={errors.timeoutSeconds}
              />
            </div>
            <Checkbox
              className="checkbox"
              isSelected={form.check === 'read-back'}
              onChange={(v) => set('check', v ? 'read-back' : 'auto')}
            >
              <span className="box" aria-hidden="true" />
              Check each copy by reading it back (not with the server’s sha256sum)
            </Checkbox>
          </div>
        </section>
        <button type="submit" hidden />
      </form>
    </AppDialog>
  );
}
