import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

// ARCHITECTURE §2's boundaries, shown on code that breaks them.
const eslint = new ESLint({ cwd: process.cwd() });

async function restrictedImports(code: string, filePath: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('architecture boundaries', () => {
  it('fail lint for an electron import under electron/core', async () => {
    const messages = await restrictedImports(
      "import { app } from 'electron';\nexport const a = app;\n",
      'electron/core/fixture.ts',
    );
    expect(messages).toEqual([expect.stringContaining('never import Electron')]);
  });

  it('fail lint for Node built-ins in shared and renderer code', async () => {
    expect(
      await restrictedImports(
        "import fs from 'node:fs';\nexport const f = fs;\n",
        'electron/shared/fixture.ts',
      ),
    ).toHaveLength(1);
    expect(
      await restrictedImports(
        "import path from 'path';\nexport const p = path;\n",
        'renderer/src/fixture.ts',
      ),
    ).toHaveLength(1);
  });

  it('fail lint when the renderer reaches into the core', async () => {
    const code =
      "import { createServer } from '../../electron/core/create-server';\nexport const c = createServer;\n";
    expect(await restrictedImports(code, 'renderer/src/fixture.ts')).toEqual([
      expect.stringContaining('only through the contract'),
    ]);
  });

  it('allow the contract in the renderer and Node in the core', async () => {
    expect(
      await restrictedImports(
        "import { methods } from '../../electron/shared/contract';\nexport const m = methods;\n",
        'renderer/src/fixture.ts',
      ),
    ).toEqual([]);
    expect(
      await restrictedImports(
        "import fs from 'node:fs';\nexport const f = fs;\n",
        'electron/core/fixture.ts',
      ),
    ).toEqual([]);
  });
});
