import type { DesktopSettings } from '../shared/contract/host';
import { AppFailure } from '../shared/result';
import type { LoginItem } from './login-item';

/** What the desktop settings read and write: the login item (kept by the OS) and one core setting. */
export interface DesktopSettingsDeps {
  loginItem: LoginItem;
  settings: {
    get(): { notifyOnSuccess: boolean };
    update(key: 'notifyOnSuccess', value: boolean): unknown;
  };
}

export function desktopSettingsStore(deps: DesktopSettingsDeps) {
  const get = (): DesktopSettings => ({
    launchAtLogin: deps.loginItem.isEnabled(),
    notifyOnSuccess: deps.settings.get().notifyOnSuccess,
  });
  const setLaunchAtLogin = (enabled: boolean) => {
    try {
      deps.loginItem.setEnabled(enabled);
    } catch (error) {
      // On Linux this writes ~/.config/autostart: a read-only or foreign-owned folder ends here.
      const message = `Could not turn ${enabled ? 'on' : 'off'} start at login: ${(error as Error).message}`;
      throw new AppFailure('NOT_WRITABLE', message, { launchAtLogin: message });
    }
  };
  return {
    get,
    save(patch: Partial<DesktopSettings>): DesktopSettings {
      // The core setting first: it cannot be stopped by the OS refusing the login item.
      if (patch.notifyOnSuccess !== undefined) deps.settings.update('notifyOnSuccess', patch.notifyOnSuccess);
      if (patch.launchAtLogin !== undefined && patch.launchAtLogin !== deps.loginItem.isEnabled()) {
        setLaunchAtLogin(patch.launchAtLogin);
      }
      return get();
    },
  };
}
export type DesktopSettingsStore = ReturnType<typeof desktopSettingsStore>;
