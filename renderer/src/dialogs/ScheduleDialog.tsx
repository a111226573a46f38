import { useEffect, useRef, useState } from 'react';
import { Button, Checkbox, CheckboxGroup, Label } from 'react-aria-components';
import type { BackupSettings, Day } from '../../../electron/shared/settings-schema';
import { CLIENTS_POLICY_CHOICES, DAY_NAMES, DAYS } from '../../../electron/shared/settings-schema';
import { useApi } from '../api/context';
import { useNotify } from '../components/Notices';
import { formatDateTime } from '../format/time';
import { useNow } from '../state/live';
import { AppDialog, FormFooter } from './AppDialog';
import { NumberInput, RadioChoices, TextInput } from './fields';
import {
  EVERY_DAY,
  WEEKDAYS,
  isTime,
  normalizeTime,
  sameDays,
  scheduleErrors,
  type FieldErrors,
} from './schedule-form';
import { TwoListPicker } from './TwoListPicker';
import { OffsiteRow } from './OffsiteRow';

interface ScheduleDialogProps {
  repositoryNames: string[];
  onClose(): void;
}

/** The Repository Auto-Backup Schedule: nothing is saved until OK, and Cancel leaves everything as it was. */
export function ScheduleDialog({ repositoryNames, onClose }: ScheduleDialogProps) {
  const api = useApi();
  const [settings, setSettings] = useState<BackupSettings | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    void api.getBackupSettings().then((r) => {
      if (!live) return;
      if (r.ok) setSettings(r.value);
      else setLoadError(r.error.message);
    });
    return () => {
      live = false;
    };
  }, [api]);

  if (!settings)
    return (
      <AppDialog
        title="Backup Schedule"
        onClose={onClose}
        size="large"
        testId="schedule-dialog"
        footer={
          <Button className="button" onPress={onClose}>
            Close
          </Button>
        }
      >
        {loadError ? (
          <p role="alert" className="form-error">
            Could not read the backup settings: {loadError}
          </p>
        ) : (
          <p aria-busy="true">Loading the backup settings…</p>
        )}
      </AppDialog>
    );
  return <ScheduleForm initial={settings} repositoryNames={repositoryNames} onClose={onClose} />;
}

interface TimeRow {
  key: number;
  value: string;
}

let nextTimeKey = 1;
const toRows = (times: string[]): TimeRow[] => times.map((value) => ({ key: nextTimeKey++, value }));

function ScheduleForm({
  initial,
  repositoryNames,
  onClose,
}: { initial: BackupSettings } & ScheduleDialogProps) {
  const api = useApi();
  const notify = useNotify();
  const [form, setForm] = useState<BackupSettings>(initial);
  const [times, setTimes] = useState<TimeRow[]>(() => toRows(initial.times.length ? initial.times : []));
  const [errors, setErrors] = useState<FieldErrors>({});
  const [failure, setFailure] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const now = useNow(30_000);
  const [preview, setPreview] = useState<{ description: string; nextRuns: string[]; error?: string } | null>(
    null,
  );

  const set = <K extends keyof BackupSettings>(key: K, value: BackupSettings[K]) => {
    setForm((f) => ({ ...f, [key]: value }));
    setErrors(({ [key]: _dropped, ...rest }) => rest);
  };
  // Number fields commit on blur, i.e. as OK is pressed: clearing their error then would move OK from
  // under the pointer and lose the click. save() checks them again instead.
  const setNumber = (key: 'graceMinutes' | 'keepLast' | 'drillEveryDays', value: number) =>
    setForm((f) => ({ ...f, [key]: value }));
  const settings: BackupSettings = { ...form, times: times.map((t) => normalizeTime(t.value)) };
  const validTimes = settings.times.filter(isTime);
  const previewKey = `${form.days.join(',')}|${validTimes.join(',')}`;

  // The live preview follows the days and times, a moment after the user stops typing.
  useEffect(() => {
    let live = true;
    const [days, timesText] = previewKey.split('|');
    const timer = setTimeout(() => {
      void api
        .previewSchedule({
          days: (days ? days.split(',') : []) as Day[],
          times: timesText ? timesText.split(',') : [],
          count: 5,
        })
        .then((r) => {
          if (!live) return;
          setPreview(r.ok ? r.value : { description: '', nextRuns: [], error: r.error.message });
        });
    }, 250);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [api, previewKey]);

  // A failed OK names the fields and takes the focus to the first one, in the order they are shown.
  const form_ = useRef<HTMLFormElement>(null);
  const showErrors = (found: FieldErrors, message?: string) => {
    setErrors(found);
    const keys = fieldsInOrder(found);
    setFailure(message ?? (keys.length > 0 ? checkTheseFields(keys) : null));
    if (keys.length === 0) return;
    requestAnimationFrame(() => focusField(form_.current, keys[0]!));
  };

  const save = async () => {
    setFailure(null);
    const local = scheduleErrors(settings);
    if (Object.keys(local).length > 0) return showErrors(local);
    setErrors({});
    setSaving(true);
    const result = await api.saveBackupSettings(settings);
    setSaving(false);
    if (!result.ok) {
      const fields = result.error.fields ?? {};
      return showErrors(
        fields,
        Object.keys(fields).length > 0
          ? `${checkTheseFields(fieldsInOrder(fields))} ${result.error.message}`
          : result.error.message,
      );
    }
    notify('ok', result.value.enabled ? 'Backup schedule saved.' : 'Auto-backup is disabled.');
    onClose();
  };

  const timeError = (i: number) => errors[`times.${i}`];
  const pausedUntil = form.pausedUntil ? Date.parse(form.pausedUntil) : null;
  const paused = pausedUntil !== null && pausedUntil > now;

  // The reference's order: on/off, repositories, days and times, target folder, if in use, keep and
  // compression. Laid out to fit 1280×800 without scrolling; the body scrolls on smaller windows, the
  // buttons never do. Enter in any text field is OK.
  return (
    <AppDialog
      title="Repository Auto-Backup Schedule"
      onClose={onClose}
      size="large"
      testId="schedule-dialog"
      footer={
        <FormFooter
          failure={failure}
          onCancel={onClose}
          action="OK"
          onAction={() => void save()}
          disabled={saving}
        />
      }
    >
      <form
        className="schedule-form"
        ref={form_}
        onSubmit={(e) => {
          e.preventDefault();
          void save();
        }}
      >
        <section className="form-section sched-state" aria-labelledby="sched-state" data-field="enabled">
          <h3 id="sched-state">Auto-backup</h3>
          <RadioChoices
            label="Auto-backup"
            hideLabel
            orientation="horizontal"
            value={form.enabled ? 'on' : 'off'}
            onChange={(v) => set('enabled', v === 'on')}
            choices={[
              { value: 'off', label: 'Disable auto-backup function' },
              { value: 'on', label: 'Enable auto-backup function' },
            ]}
          />
          <div className="pause-row">
            {paused ? (
              <>
                <span className="warn-text">Paused until {formatDateTime(pausedUntil)}.</span>
                <Button className="button small" onPress={() => set('pausedUntil', null)}>
                  Resume
                </Button>
              </>
            ) : (
              <>
                <span className="muted">Skip backups for a while, schedule unchanged:</span>
                <Button
                  className="button small"
                  onPress={() => set('pausedUntil', new Date(Date.now() + 24 * 3600_000).toISOString())}
                >
                  Pause for a day
                </Button>
              </>
            )}
          </div>
        </section>

        <section className="form-section sched-repos" aria-labelledby="sched-repos" data-field="repositories">
          <h3 id="sched-repos">Select repositories for auto-backup</h3>
          <TwoListPicker
            all={repositoryNames}
            chosen={form.repositories}
            onChange={(names) => set('repositories', names)}
            availableLabel="Not backed up"
            chosenLabel="Backed up automatically"
            error={errors.repositories}
          />
        </section>

        <section className="form-section sched-when" aria-labelledby="sched-when">
          <h3 id="sched-when">When</h3>
          <div data-field="days">
            <CheckboxGroup
              className="days"
              value={form.days}
              onChange={(v) =>
                set(
                  'days',
                  DAYS.filter((d) => v.includes(d)),
                )
              }
              isInvalid={!!errors.days}
              validationBehavior="aria"
            >
              <Label className="group-label">Days of the week</Label>
              <div className="day-boxes">
                {DAYS.map((d) => (
                  <Checkbox key={d} value={d} className="checkbox day">
                    <span className="box" aria-hidden="true" />
                    {DAY_NAMES[d]}
                  </Checkbox>
                ))}
              </div>
              <span className="day-shortcuts">
                <Button
                  className="button small"
                  isDisabled={sameDays(form.days, WEEKDAYS)}
                  onPress={() => set('days', WEEKDAYS)}
                >
                  Weekdays
                </Button>
                <Button
                  className="button small"
                  isDisabled={sameDays(form.days, EVERY_DAY)}
                  onPress={() => set('days', EVERY_DAY)}
                >
                  Every day
                </Button>
              </span>
              {errors.days && (
                <p className="field-error" role="alert">
                  {errors.days}
                </p>
              )}
            </CheckboxGroup>
          </div>

          <div className="times" role="group" aria-labelledby="times-label" data-field="times">
            <span id="times-label" className="group-label">
              Times of day (24-hour)
            </span>
            <div className="time-rows">
              {times.map((row, i) => (
                <div key={row.key} className="time-row" data-field={`times.${i}`}>
                  <TextInput
                    label={`Time ${i + 1}`}
                    hideLabel
                    className="time-field"
                    value={row.value}
                    placeholder="HH:MM"
                    onChange={(value) => {
                      setTimes((all) => all.map((t) => (t.key === row.key ? { ...t, value } : t)));
                      setErrors(({ [`times.${i}`]: _a, times: _b, ...rest }) => rest);
                    }}
                    error={timeError(i)}
                  />
                  <Button
                    className="button small remove-time"
                    aria-label={`Remove time ${i + 1}${row.value ? ` (${row.value})` : ''}`}
                    onPress={() => setTimes((all) => all.filter((t) => t.key !== row.key))}
                  >
                    ×
                  </Button>
                </div>
              ))}
              <Button
                className="button small"
                onPress={() => {
                  setTimes((all) => [...all, { key: nextTimeKey++, value: '' }]);
                  setErrors(({ times: _dropped, ...rest }) => rest);
                }}
              >
                Add time
              </Button>
            </div>
            {errors.times && (
              <p className="field-error" role="alert">
                {errors.times}
              </p>
            )}
          </div>
        </section>

        <section
          className="form-section preview sched-preview"
          aria-labelledby="sched-preview"
          aria-live="polite"
        >
          <h3 id="sched-preview">Next 5 runs</h3>
          {!preview ? (
            <p aria-busy="true" className="muted">
              Working out the next runs…
            </p>
          ) : preview.error ? (
            <p className="form-error" role="alert">
              {preview.error}
            </p>
          ) : (
            <>
              <p data-testid="schedule-description">{preview.description}</p>
              {preview.nextRuns.length === 0 ? (
                <p className="muted">No run: choose at least one day and one time.</p>
              ) : (
                <ol className="next-runs" data-testid="next-runs">
                  {preview.nextRuns.map((run) => (
                    <li key={run}>
                      <time dateTime={run}>{formatDateTime(run)}</time>
                    </li>
                  ))}
                </ol>
              )}
            </>
          )}
        </section>

        <section className="form-section sched-where" aria-labelledby="sched-where" data-field="targetFolder">
          <h3 id="sched-where">Where</h3>
          <div className="with-button">
            <TextInput
              label="Target folder"
              value={form.targetFolder}
              onChange={(v) => set('targetFolder', v)}
              error={errors.targetFolder}
              placeholder="/var/backups/repositories"
              description="On this computer or a network share; created if missing."
            />
            {api.host === 'electron' && (
              <Button
                className="button"
                onPress={() =>
                  void api
                    .pickFolder({
                      title: 'Folder for the backups',
                      defaultPath: form.targetFolder || undefined,
                    })
                    .then((r) => {
                      if (r.ok && r.value?.[0]) set('targetFolder', r.value[0]);
                      else if (!r.ok) setErrors((e) => ({ ...e, targetFolder: r.error.message }));
                    })
                }
              >
                Browse…
              </Button>
            )}
          </div>
        </section>

        <section
          className="form-section sched-policy"
          aria-labelledby="sched-clients"
          data-field="clientsPolicy"
        >
          <h3 id="sched-clients">If a repository is in use</h3>
          <RadioChoices
            label="If a repository is in use at backup time"
            hideLabel
            value={form.clientsPolicy}
            onChange={(v) => set('clientsPolicy', v)}
            error={errors.clientsPolicy}
            choices={[
              { value: 'keep-connected', ...CLIENTS_POLICY_CHOICES['keep-connected'] },
              { value: 'disconnect', ...CLIENTS_POLICY_CHOICES.disconnect },
            ]}
          />
          <div data-field="graceMinutes" className="inline-number">
            <NumberInput
              label="Warn the clients this many minutes before"
              value={form.graceMinutes}
              minValue={0}
              maxValue={120}
              isDisabled={form.clientsPolicy !== 'disconnect'}
              onChange={(v) => setNumber('graceMinutes', v)}
              error={errors.graceMinutes}
            />
          </div>
        </section>

        {/* Where the backups also go: its own dialog, one line here (in the room under "If in use"). */}
        <div className="sched-offsite">
          <div className="keep-row">
            {/* A backup is worth what its restore is: restored in the data folder, checked, removed. */}
            <Checkbox
              className="checkbox"
              isSelected={form.drillEveryDays !== null}
              onChange={(on) => set('drillEveryDays', on ? 7 : null)}
            >
              <span className="box" aria-hidden="true" />
              Test-restore the newest backup of each repository
            </Checkbox>
            {form.drillEveryDays !== null && (
              <div className="inline-number" data-field="drillEveryDays">
                <NumberInput
                  label="Every (days)"
                  value={form.drillEveryDays}
                  minValue={1}
                  maxValue={365}
                  onChange={(v) => setNumber('drillEveryDays', v)}
                  error={errors.drillEveryDays}
                />
              </div>
            )}
          </div>
          <OffsiteRow />
        </div>

        <section className="form-section sched-keep" aria-labelledby="sched-keep">
          <h3 id="sched-keep">Keep and compress</h3>
          <div className="keep-row">
            <div data-field="keepLast" className="inline-number">
              <NumberInput
                label="Keep the newest backups of each repository"
                value={form.keepLast}
                minValue={1}
                maxValue={1000}
                onChange={(v) => setNumber('keepLast', v)}
                error={errors.keepLast}
                description="Older verified ones are deleted; never the last good one."
              />
            </div>
            <div data-field="compression">
              <RadioChoices
                label="Compression"
                orientation="horizontal"
                value={form.compression}
                onChange={(v) => set('compression', v)}
                error={errors.compression}
                choices={[
                  { value: 'store', label: 'None' },
                  { value: 'fast', label: 'Fast' },
                  { value: 'best', label: 'Smallest' },
                ]}
              />
            </div>
            <Checkbox className="checkbox" isSelected={form.catchUp} onChange={(v) => set('catchUp', v)}>
              <span className="box" aria-hidden="true" />
              Catch up: a missed backup runs once, at start or on wake
            </Checkbox>
          </div>
        </section>
        {/* Enter in a text field submits the form: a hidden submit button makes that work everywhere. */}
        <button type="submit" hidden />
      </form>
    </AppDialog>
  );
}

/** The fields a failed OK can name, in the order the dialog shows them, with their names. */
const FIELD_LABELS: Array<[key: string, label: string]> = [
  ['enabled', 'Auto-backup'],
  ['repositories', 'Repositories'],
  ['days', 'Days of the week'],
  ['times', 'Times of day'],
  ['targetFolder', 'Target folder'],
  ['clientsPolicy', 'If a repository is in use'],
  ['graceMinutes', 'Warn the clients'],
  ['keepLast', 'Keep the newest backups'],
  ['compression', 'Compression'],
  ['drillEveryDays', 'Test-restore every'],
];

const labelOf = (key: string) => {
  const time = /^times\.(\d+)$/.exec(key);
  if (time) return `Time ${Number(time[1]) + 1}`;
  return FIELD_LABELS.find(([k]) => k === key)?.[1] ?? key;
};

const orderOf = (key: string) => {
  const time = /^times\.(\d+)$/.exec(key);
  const index = FIELD_LABELS.findIndex(([k]) => k === (time ? 'times' : key));
  return (index === -1 ? FIELD_LABELS.length : index) * 1000 + (time ? Number(time[1]) : 0);
};

/** The keys in error, in the order they are shown. */
export const fieldsInOrder = (errors: FieldErrors) =>
  Object.keys(errors)
    .filter((k) => k !== 'form')
    .sort((a, b) => orderOf(a) - orderOf(b));

export const checkTheseFields = (keys: string[]) =>
  keys.length === 1
    ? `Check ${labelOf(keys[0]!)}: see the message beside it.`
    : `Check ${keys.length} fields: ${keys.map(labelOf).join(', ')}.`;

/** Puts the focus in the field: its text box, its list, or its first box or radio. */
function focusField(form: HTMLFormElement | null, key: string) {
  const wrapper = form?.querySelector<HTMLElement>(`[data-field="${key}"]`);
  const target = wrapper?.querySelector<HTMLElement>(
    'input:not([type="hidden"]):not([disabled]), [role="listbox"], [tabindex="0"]',
  );
  target?.focus();
  target?.scrollIntoView?.({ block: 'nearest' });
}
