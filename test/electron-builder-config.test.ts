import { Ajv } from 'ajv';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

// Packaging cannot run here (Electron cannot be downloaded), so check the file against
// electron-builder's own configuration schema instead.
const require = createRequire(import.meta.url);
const schema = JSON.parse(fs.readFileSync(require.resolve('app-builder-lib/scheme.json'), 'utf8'));
const config = parse(fs.readFileSync('electron-builder.yml', 'utf8'));

describe('electron-builder.yml', () => {
  it('is valid against electron-builder’s schema', () => {
    const ajv = new Ajv({ allErrors: true, strict: false, allowUnionTypes: true });
    const validate = ajv.compile(schema);
    const valid = validate(config);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('turns the dangerous fuses off and keeps the app in asar', () => {
    expect(config.asar).toBe(true);
    expect(config.electronFuses).toMatchObject({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      onlyLoadAppFromAsar: true,
    });
  });

  it('builds every platform’s installer from icons that exist', () => {
    expect(config.linux.target).toEqual(['AppImage', 'deb']);
    expect(config.win.target).toEqual(['nsis']);
    expect(config.mac.target).toEqual(['dmg']);
    for (const icon of [config.icon, config.linux.icon, config.win.icon, config.mac.icon]) {
      expect(fs.existsSync(icon), icon).toBe(true);
    }
  });

  it('catches a mistake (the schema check is not a no-op)', () => {
    const ajv = new Ajv({ allErrors: true, strict: false, allowUnionTypes: true });
    expect(ajv.compile(schema)({ ...config, asar: 'sometimes', linux: { target: 42 } })).toBe(false);
  });
});
