import { Settings, SETTINGS_VERSION } from '../shared/settings-schema';

/**
 * Where settings are kept: conf headless, electron-store in the desktop app (same API), or memory in
 * tests. Only `store` and `set('…')` of their API are used, so any of them fits.
 */
export interface SettingsBackend {
  readonly store: Record<string, unknown>;
  set(key: string, value: unknown): void;
}

export class MemorySettingsBackend implements SettingsBackend {
  store: Record<string, unknown> = {};
  set(key: string, value: unknown): void {
    this.store = { ...this.store, [key]: value };
  }
}

/** Upgrades an older stored shape step by step to SETTINGS_VERSION. One entry per version bump. */
const migrations: Record<number, (old: Record<string, unknown>) => Record<string, unknown>> = {
  // 0 → 1: the first versioned shape; earlier stores had no `version` key and nothing to move.
  0: (old) => ({ ...old, version: 1 }),
  // 1 → 2: the client token is made for everyone and by default asked only of other machines. A token
  // someone set by hand was asked of every client, and must stay so.
  1: (old) => {
    const clientServer = old.clientServer as Record<string, unknown> | undefined;
    const hadToken = typeof clientServer?.accessToken === 'string';
    return {
      ...old,
      ...(clientServer && hadToken
        ? { clientServer: { ...clientServer, tokenRequiredFrom: 'every-client' } }
        : {}),
      version: 2,
    };
  },
};

export function migrateSettings(raw: Record<string, unknown>): Record<string, unknown> {
  let current = { ...raw };
  let version = typeof current.version === 'number' ? current.version : 0;
  while (version < SETTINGS_VERSION) {
    const step = migrations[version];
    if (!step) throw new Error(`No settings migration from version ${version}.`);
    current = step(current);
    version = current.version as number;
  }
  return current;
}

/** Typed, validated access to the settings. A store that fails its schema falls back per section. */
export class SettingsService {
  private cached: Settings;
  private listeners = new Set<(next: Settings) => void>();

  constructor(
    private readonly backend: SettingsBackend,
    private readonly logger: { warn(message: string): void } = console,
  ) {
    this.cached = this.load();
  }

  private load(): Settings {
    const migrated = migrateSettings(this.backend.store);
    const parsed = Settings.safeParse(migrated);
    if (parsed.success) return parsed.data;
    // Keep what is valid, reset only the broken sections, and say so: silently losing a schedule is
    // exactly what we promise not to do.
    this.logger.warn(`Settings were invalid and partly reset: ${parsed.error.message}`);
    const fallback = Settings.parse({});
    const sections = ['clientServer', 'backup', 'offsite', 'notifyOnSuccess'] as const;
    const repaired: Record<string, unknown> = { version: SETTINGS_VERSION };
    for (const key of sections) {
      const one = Settings.shape[key].safeParse(migrated[key]);
      repaired[key] = one.success ? one.data : fallback[key];
    }
    return Settings.parse(repaired);
  }

  get(): Settings {
    return this.cached;
  }

  update<K extends keyof Settings>(key: K, value: Settings[K]): Settings {
    const next = Settings.parse({ ...this.cached, [key]: value });
    for (const [k, v] of Object.entries(next)) this.backend.set(k, v);
    this.cached = next;
    for (const listener of this.listeners) listener(next);
    return next;
  }

  /**
   * Reads the store again: another process (the CLI's `schedule`) may have changed the file. Listeners
   * hear of it only when something actually changed.
   */
  reload(): Settings {
    const next = this.load();
    if (JSON.stringify(next) === JSON.stringify(this.cached)) return this.cached;
    this.cached = next;
    for (const listener of this.listeners) listener(next);
    return next;
  }

  onChange(listener: (next: Settings) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
