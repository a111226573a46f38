import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import type { DesktopSettings } from '../../../electron/shared/contract/host';
import { ApiContext } from '../api/context';
import { App } from '../App';
import { fakeApi } from '../testing/fake-api';
import { DesktopSettingsDialog } from './DesktopSettingsDialog';

const saved: DesktopSettings = { launchAtLogin: true, notifyOnSuccess: false };

function desktopApi(failures: Parameters<typeof fakeApi>[1] = {}) {
  let stored = { ...saved };
  return fakeApi(
    {
      getDesktopSettings: async () => stored,
      saveDesktopSettings: async (patch) => (stored = { ...stored, ...patch }),
      openLogsFolder: async () => null,
    },
    failures,
    { host: 'electron' },
  );
}

function setup(failures: Parameters<typeof fakeApi>[1] = {}) {
  const api = desktopApi(failures);
  const onClose = vi.fn();
  render(
    <ApiContext.Provider value={api}>
      <DesktopSettingsDialog onClose={onClose} />
    </ApiContext.Provider>,
  );
  return { api, onClose, user: userEvent.setup() };
}

const launchAtLogin = () => screen.findByRole('checkbox', { name: 'Start at login (in the tray)' });
const notifyOnSuccess = () => screen.getByRole('checkbox', { name: 'Notify me when a backup succeeds' });
const saves = (api: ReturnType<typeof desktopApi>) =>
  api.calls.filter((c) => c.name === 'saveDesktopSettings');

describe('the Desktop Settings entry', () => {
  const renderApp = (host: 'electron' | 'headless') => {
    const api = host === 'electron' ? desktopApi() : fakeApi({});
    render(
      <ApiContext.Provider value={api}>
        <App />
      </ApiContext.Provider>,
    );
    return { api, user: userEvent.setup() };
  };

  it('is absent from the web Control Panel', async () => {
    renderApp('headless');
    const toolbar = screen.getByRole('toolbar', { name: 'Actions' });
    expect(within(toolbar).getByRole('button', { name: 'Change Port' })).toBeInTheDocument();
    expect(within(toolbar).queryByRole('button', { name: 'Desktop Settings' })).not.toBeInTheDocument();
  });

  it('opens the dialog from the toolbar in the desktop app, and a saved change is confirmed', async () => {
    const { api, user } = renderApp('electron');
    const toolbar = screen.getByRole('toolbar', { name: 'Actions' });
    await user.click(within(toolbar).getByRole('button', { name: 'Desktop Settings' }));
    const dialog = await screen.findByRole('dialog', { name: 'Desktop settings' });
    expect(await launchAtLogin()).toBeChecked();
    await user.click(notifyOnSuccess());
    await user.click(within(dialog).getByRole('button', { name: 'OK' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    expect(saves(api)).toEqual([{ name: 'saveDesktopSettings', args: { notifyOnSuccess: true } }]);
    expect(await screen.findByText('Desktop settings saved.')).toBeInTheDocument();
  });
});

describe('DesktopSettingsDialog', () => {
  it('shows each setting as the app has it, with what it does', async () => {
    setup();
    expect(await launchAtLogin()).toBeChecked();
    expect(await launchAtLogin()).toHaveAccessibleDescription(
      expect.stringContaining('scheduled backups run even if you never open the Control Panel'),
    );
    expect(notifyOnSuccess()).not.toBeChecked();
    expect(notifyOnSuccess()).toHaveAccessibleDescription(
      expect.stringContaining('A failed or overdue backup is always notified'),
    );
  });

  it('OK sends only what changed', async () => {
    const { api, user, onClose } = setup();
    await user.click(await launchAtLogin());
    await user.click(notifyOnSuccess());
    await user.click(screen.getByRole('button', { name: 'OK' }));
    await waitFor(() => expect(onClose).toHaveBeenCalled());
    expect(saves(api)).toEqual([
      { name: 'saveDesktopSettings', args: { launchAtLogin: false, notifyOnSuccess: true } },
    ]);
  });

  it('OK without a change saves nothing; Cancel and Escape throw a change away', async () => {
    const { api, user, onClose } = setup();
    await launchAtLogin();
    await user.click(screen.getByRole('button', { name: 'OK' }));
    expect(onClose).toHaveBeenCalledTimes(1);
    await user.click(await launchAtLogin());
    await user.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(onClose).toHaveBeenCalledTimes(2);
    await user.keyboard('{Escape}');
    expect(onClose).toHaveBeenCalledTimes(3);
    expect(saves(api)).toEqual([]);
  });

  it('works from the keyboard: Space toggles the focused setting, Enter on OK saves', async () => {
    const { api, user, onClose } = setup();
    await waitFor(async () => expect(await launchAtLogin()).toHaveFocus());
    await user.keyboard(' ');
    expect(await launchAtLogin()).not.toBeChecked();
    await user.tab();
    expect(notifyOnSuccess()).toHaveFocus();
    await user.keyboard(' ');
    screen.getByRole('button', { name: 'OK' }).focus();
    await user.keyboard('{Enter}');
    await waitFor(() => expect(onClose).toHaveBeenCalled());
    expect(saves(api)[0]!.args).toEqual({ launchAtLogin: false, notifyOnSuccess: true });
  });

  it('a failure of one setting is shown beside it, and the dialog stays open', async () => {
    const message = 'Could not write ~/.config/autostart/repo-server.desktop: permission denied.';
    const { user, onClose } = setup({
      saveDesktopSettings: { code: 'NOT_WRITABLE', message, fields: { launchAtLogin: message } },
    });
    await user.click(await launchAtLogin());
    await user.click(screen.getByRole('button', { name: 'OK' }));
    const box = await launchAtLogin();
    await waitFor(() => expect(box).toHaveAttribute('aria-invalid', 'true'));
    expect(box).toHaveAccessibleDescription(expect.stringContaining(message));
    expect(screen.getByRole('alert')).toHaveTextContent(message);
    expect(onClose).not.toHaveBeenCalled();
    // Changing the setting again clears its error.
    await user.click(box);
    expect(box).not.toHaveAttribute('aria-invalid');
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
  });

  it('a failure with no field is shown beside the buttons', async () => {
    const { user, onClose } = setup({
      saveDesktopSettings: { code: 'INTERNAL', message: 'The settings file is locked by another program.' },
    });
    await user.click(await launchAtLogin());
    await user.click(screen.getByRole('button', { name: 'OK' }));
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'The settings file is locked by another program.',
    );
    expect(onClose).not.toHaveBeenCalled();
  });

  it('says why the settings could not be read, and still offers the logs folder', async () => {
    const { api, user } = setup({
      getDesktopSettings: {
        code: 'NOT_SUPPORTED',
        message: 'Launch at login is only available in the desktop app.',
      },
    });
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'Could not read the desktop settings: Launch at login is only available in the desktop app.',
    );
    expect(screen.queryByRole('checkbox')).not.toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Open Logs Folder' }));
    expect(api.calls.map((c) => c.name)).toContain('openLogsFolder');
  });

  it('Open Logs Folder asks the app to open it', async () => {
    const { api, user } = setup();
    await launchAtLogin();
    await user.click(screen.getByRole('button', { name: 'Open Logs Folder' }));
    expect(api.calls.filter((c) => c.name === 'openLogsFolder')).toHaveLength(1);
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
  });

  it('Open Logs Folder says so when the file manager could not open it', async () => {
    const { user } = setup({
      openLogsFolder: { code: 'INTERNAL', message: 'No application is registered for folders.' },
    });
    await launchAtLogin();
    await user.click(screen.getByRole('button', { name: 'Open Logs Folder' }));
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'Could not open the logs folder: No application is registered for folders.',
    );
  });
});
