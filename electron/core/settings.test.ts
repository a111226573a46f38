import { describe, expect, it } from 'vitest';
import { MemorySettingsBackend, migrateSettings, SettingsService } from './settings';
import { BackupSettingsRules } from '../shared/settings-schema';

describe('settings', () => {
  it('starts from defaults and persists an update to the backend', () => {
    const backend = new MemorySettingsBackend();
    const settings = new SettingsService(backend);
    expect(settings.get().clientServer).toMatchObject({ host: '127.0.0.1', port: 53400, accessToken: null });
    settings.update('clientServer', { ...settings.get().clientServer, port: 50000 });
    expect(new SettingsService(backend).get().clientServer.port).toBe(50000);
  });

  it('migrates an unversioned store', () => {
    expect(migrateSettings({ clientServer: { port: 1234 } })).toEqual({
      version: 2,
      clientServer: { port: 1234 },
    });
  });

  it('a token someone set by hand stays required from every client; without one, only other machines need it', () => {
    const withToken = new MemorySettingsBackend();
    withToken.store = { version: 1, clientServer: { port: 1234, accessToken: 'hand-made-secret' } };
    expect(new SettingsService(withToken).get().clientServer).toMatchObject({
      accessToken: 'hand-made-secret',
      tokenRequiredFrom: 'every-client',
    });
    const without = new MemorySettingsBackend();
    without.store = { version: 1, clientServer: { port: 1234, accessToken: null } };
    expect(new SettingsService(without).get().clientServer).toMatchObject({
      accessToken: null,
      tokenRequiredFrom: 'other-machines',
      allowedOrigins: [],
    });
  });

  it('allowed origins are kept as a browser sends them; anything with a path or another scheme is refused', () => {
    const settings = new SettingsService(new MemorySettingsBackend());
    const next = settings.update('clientServer', {
      ...settings.get().clientServer,
      allowedOrigins: ['https://Tools.Example.com', 'http://localhost:3000/', 'https://x.example:443'],
    });
    expect(next.clientServer.allowedOrigins).toEqual([
      'https://tools.example.com',
      'http://localhost:3000',
      'https://x.example',
    ]);
    for (const bad of [
      'https://x.example/app',
      'file:///tmp',
      'null',
      '*',
      'https://u:p@x.example',
      'x.example',
    ])
      expect(() =>
        settings.update('clientServer', { ...settings.get().clientServer, allowedOrigins: [bad] }),
      ).toThrow(/is not an origin/);
  });

  it('resets only the broken section of a damaged store, and says so', () => {
    const backend = new MemorySettingsBackend();
    backend.store = {
      version: 1,
      clientServer: { port: 'not a port' },
      backup: { enabled: true, times: ['12:30'] },
    };
    const warnings: string[] = [];
    const settings = new SettingsService(backend, { warn: (m) => warnings.push(m) });
    expect(settings.get().clientServer.port).toBe(53400);
    expect(settings.get().backup).toMatchObject({ enabled: true, times: ['12:30'] });
    expect(warnings[0]).toContain('partly reset');
  });

  it('refuses a schedule that cannot run, with a message per field', () => {
    const result = BackupSettingsRules.safeParse({
      enabled: true,
      days: [],
      times: ['25:00'],
      targetFolder: 'relative/dir',
      keepLast: 0,
    });
    expect(result.success).toBe(false);
    const fields = Object.fromEntries(
      result.error!.issues.map((i: { path: PropertyKey[]; message: string }) => [
        i.path.join('.'),
        i.message,
      ]),
    );
    expect(fields).toMatchObject({
      days: 'Choose at least one day of the week.',
      'times.0': expect.stringContaining('24-hour'),
      targetFolder: expect.stringContaining('full path'),
      keepLast: 'Keep at least 1 backup per repository.',
    });
  });
});
