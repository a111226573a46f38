import type { DesktopSettings } from '../shared/contract/host';
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
  return {
    get,
    save(patch: Partial<DesktopSettings>): DesktopSettings {
      if (patch.launchAtLogin !== undefined && patch.launchAtLogin !== deps.loginItem.isEnabled()) {
        deps.loginItem.setEnabled(patch.launchAtLogin);
      }
      if (patch.notifyOnSuccess !== undefined) deps.settings.update('notifyOnSuccess', patch.notifyOnSuccess);
      return get();
    },
  };
}
export type DesktopSettingsStore = ReturnType<typeof desktopSettingsStore>;
