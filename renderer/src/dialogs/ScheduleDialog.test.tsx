import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { BackupSettings } from '../../../electron/shared/settings-schema';
import { BAD_SCHEDULES, GOOD_SCHEDULE } from '../../../electron/shared/testing/bad-schedules';
import { ApiContext } from '../api/context';
import { fakeApi } from '../testing/fake-api';
import { ScheduleDialog } from './ScheduleDialog';

const stored = BackupSettings.parse({
  enabled: false,
  repositories: ['alpha'],
  days: ['mon', 'tue', 'wed', 'thu', 'fri'],
  times: ['22:00'],
  targetFolder: '',
});

function setup(overrides: Parameters<typeof fakeApi>[0] = {}, failures: Parameters<typeof fakeApi>[1] = {}) {
  const api = fakeApi(
    {
      getBackupSettings: async () => stored,
      saveBackupSettings: async (s) => s,
      previewSchedule: async ({ days, times }) => ({
        description: `${days.join(',')} at ${times.join(' and ')}`,
        nextRuns: times.length && days.length ? ['2026-11-23T22:00:00.000+00:00'] : [],
      }),
      ...overrides,
    },
    failures,
  );
  const onClose = vi.fn();
  render(
    <ApiContext.Provider value={api}>
      <ScheduleDialog repositoryNames={['alpha', 'beta']} onClose={onClose} />
    </ApiContext.Provider>,
  );
  return { api, onClose, user: userEvent.setup() };
}

const field = (name: string) => screen.getByRole('textbox', { name });

/** Where the dialog shows a field's message: the field's own description, or its group. */
function besideField(field: string): HTMLElement {
  const time = /^times\.(\d+)$/.exec(field);
  if (time) return screen.getByRole('textbox', { name: `Time ${Number(time[1]) + 1}` });
  switch (field) {
    case 'days':
      return screen.getByRole('group', { name: 'Days of the week' });
    case 'times':
      return screen.getByRole('group', { name: 'Times of day (24-hour)' });
    case 'repositories':
      return screen.getByRole('listbox', { name: 'Backed up automatically' });
    case 'targetFolder':
      return screen.getByRole('textbox', { name: 'Target folder' });
    case 'keepLast':
      return screen.getByRole('textbox', { name: 'Keep the newest backups of each repository' });
    case 'graceMinutes':
      return screen.getByRole('textbox', { name: 'Warn the clients this many minutes before' });
    default:
      throw new Error(`no place known for ${field}`);
  }
}

// Many clicks and keystrokes each: slow on a busy machine, so they get more than the default 5 s.
describe('ScheduleDialog', { timeout: 20_000 }, () => {
  // The same table the core's contract test runs: the dialog shows the very message beside the field.
  it.each(BAD_SCHEDULES)(
    'shows the shared message for $name beside its field',
    async ({ change, field, message }) => {
      const { api, user } = setup({ getBackupSettings: async () => ({ ...GOOD_SCHEDULE, ...change }) });
      await user.click(await screen.findByRole('button', { name: 'OK' }));
      const place = besideField(field);
      if (place.getAttribute('role') === 'group')
        expect(within(place).getByText(message)).toBeInTheDocument();
      else expect(place).toHaveAccessibleDescription(expect.stringContaining(message));
      expect(api.calls.some((c) => c.name === 'saveBackupSettings')).toBe(false);
    },
  );

  it('shows each field’s error beside the field when OK finds an enabled schedule that cannot run', async () => {
    const { api, user, onClose } = setup();
    await user.click(await screen.findByRole('radio', { name: 'Enable auto-backup function' }));
    await user.click(screen.getByRole('button', { name: 'Every day' }));
    for (const day of ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'])
      await user.click(screen.getByRole('checkbox', { name: day }));
    await user.clear(field('Time 1'));
    await user.type(field('Time 1'), '25:00');
    await user.click(screen.getByRole('button', { name: 'OK' }));

    expect(field('Target folder')).toHaveAttribute('aria-invalid', 'true');
    expect(field('Target folder')).toHaveAccessibleDescription(
      expect.stringContaining('Choose the folder the backups are written to.'),
    );
    expect(field('Time 1')).toHaveAccessibleDescription(expect.stringContaining('Use a 24-hour time'));
    expect(screen.getByText('Choose at least one day of the week.')).toBeInTheDocument();
    // The footer names every field in error, in the order shown, and the focus goes to the first.
    expect(screen.getByText('Check 3 fields: Days of the week, Time 1, Target folder.')).toBeInTheDocument();
    await waitFor(() => expect(screen.getByRole('checkbox', { name: 'Mon' })).toHaveFocus());
    expect(api.calls.some((c) => c.name === 'saveBackupSettings')).toBe(false);
    expect(onClose).not.toHaveBeenCalled();
  });

  it('shows the core’s per-field errors beside the fields and its message by the buttons', async () => {
    const { user, onClose } = setup(
      {},
      {
        saveBackupSettings: {
          code: 'NOT_WRITABLE',
          message: 'The schedule cannot run: the target folder is not writable.',
          fields: { targetFolder: 'Cannot write to /srv/file/backups: not a directory.' },
        },
      },
    );
    await user.type(await screen.findByRole('textbox', { name: 'Target folder' }), '/srv/file/backups');
    await user.click(screen.getByRole('button', { name: 'OK' }));
    await waitFor(() =>
      expect(field('Target folder')).toHaveAccessibleDescription(
        expect.stringContaining('Cannot write to /srv/file/backups: not a directory.'),
      ),
    );
    const footer = screen.getAllByRole('alert').map((a) => a.textContent);
    expect(footer).toContain(
      'Check Target folder: see the message beside it. The schedule cannot run: the target folder is not writable.',
    );
    expect(field('Target folder')).toHaveFocus();
    expect(onClose).not.toHaveBeenCalled();
  });

  it('saves what the form shows, normalising times, and Cancel saves nothing', async () => {
    const { api, user, onClose } = setup();
    await user.click(await screen.findByRole('radio', { name: 'Enable auto-backup function' }));
    await user.type(field('Target folder'), '/var/backups/repos');
    await user.click(screen.getByRole('button', { name: 'Add time' }));
    await user.type(field('Time 2'), '9:30');
    await user.click(screen.getByRole('radio', { name: /Disconnect the clients and run backup/ }));
    await user.click(screen.getByRole('button', { name: 'OK' }));
    await waitFor(() => expect(onClose).toHaveBeenCalled());
    const saved = api.calls.find((c) => c.name === 'saveBackupSettings')!.args as BackupSettings;
    expect(saved).toMatchObject({
      enabled: true,
      targetFolder: '/var/backups/repos',
      times: ['22:00', '09:30'],
      clientsPolicy: 'disconnect',
      repositories: ['alpha'],
    });
  });

  it('Cancel closes without saving', async () => {
    const { api, user, onClose } = setup();
    await user.click(await screen.findByRole('radio', { name: 'Enable auto-backup function' }));
    await user.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(onClose).toHaveBeenCalled();
    expect(api.calls.some((c) => c.name === 'saveBackupSettings')).toBe(false);
  });

  it('previews the next runs live as days and times change', async () => {
    const { user } = setup();
    const preview = await screen.findByTestId('schedule-description');
    expect(preview).toHaveTextContent('mon,tue,wed,thu,fri at 22:00');
    await user.click(screen.getByRole('button', { name: 'Every day' }));
    await waitFor(() =>
      expect(screen.getByTestId('schedule-description')).toHaveTextContent(
        'mon,tue,wed,thu,fri,sat,sun at 22:00',
      ),
    );
    expect(within(screen.getByTestId('next-runs')).getAllByRole('listitem')).toHaveLength(1);
  });

  it('shows why the settings cannot be read', async () => {
    setup(
      {},
      { getBackupSettings: { code: 'NOT_SUPPORTED', message: 'getBackupSettings is not built yet.' } },
    );
    expect(await screen.findByRole('alert')).toHaveTextContent('getBackupSettings is not built yet.');
  });
});
