import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import type { ArchivePreview, ManifestV1 } from '../../../electron/shared/contract/archives';
import { ApiContext } from '../api/context';
import { fakeApi } from '../testing/fake-api';
import { ImportDialog } from './ImportDialog';

const manifest = (name: string): ManifestV1 => ({
  format: 'repo-server-backup',
  formatVersion: 1,
  repository: { name, id: '6c1b0a52-0000-4000-8000-000000000001' },
  schemaVersion: 1,
  itemCount: 42,
  revisionCount: 7,
  includesHistory: true,
  startedAt: '2026-11-21T22:00:00.000+00:00',
  finishedAt: '2026-11-21T22:00:03.000+00:00',
  producer: { app: 'Repository Server', version: '0.1.0', host: 'build-01' },
  trigger: 'schedule',
  clientsPolicy: 'keep-connected',
  entries: [],
});

const GOOD = '/backups/login_2026-11-21-22-00-00.zip';
const CORRUPT = '/backups/broken.zip';

function setup() {
  const previews: Record<string, ArchivePreview> = {
    [GOOD]: { file: GOOD, sizeBytes: 12_300_000, manifest: manifest('login'), exists: true, error: null },
    [CORRUPT]: {
      file: CORRUPT,
      sizeBytes: 512,
      manifest: null,
      exists: false,
      error: {
        code: 'INVALID_ARCHIVE',
        message: 'broken.zip is not a ZIP file (it ends before its directory).',
      },
    },
  };
  const api = fakeApi({
    previewArchives: async ({ files }) => files.map((f) => previews[f]!),
    verifyArchives: async ({ files }) =>
      files.map((file) => ({
        file,
        verified: true,
        manifest: manifest('login'),
        error: null,
        durationMs: 5,
      })),
    startImport: async ({ items }) => ({
      jobs: items.map((item, i) => ({
        jobId: `job-${i}`,
        repository: item.targetName ?? null,
        file: item.file,
      })),
    }),
  });
  render(
    <ApiContext.Provider value={api}>
      <ImportDialog repositoryNames={['login', 'checkout']} backup={null} onClose={vi.fn()} />
    </ApiContext.Provider>,
  );
  return { api, user: userEvent.setup() };
}

async function add(user: ReturnType<typeof userEvent.setup>, file: string) {
  await user.type(screen.getByRole('textbox', { name: 'Archive file' }), file);
  await user.click(screen.getByRole('button', { name: 'Add' }));
}

describe('ImportDialog', () => {
  it('shows what an archive holds and that it verified, before anything is written', async () => {
    const { api, user } = setup();
    await add(user, GOOD);
    const facts = await screen.findByTestId('archive-facts');
    expect(facts).toHaveTextContent('login');
    expect(facts).toHaveTextContent('12.3 MB');
    expect(facts).toHaveTextContent('42 items, 7 revisions');
    expect(facts).toHaveTextContent('Repository Server 0.1.0 on build-01');
    expect(await within(facts).findByText('Verified')).toBeInTheDocument();
    expect(screen.getByRole('textbox', { name: 'Restore as' })).toHaveValue('login');
    expect(screen.getByText('A repository named “login” exists.')).toBeInTheDocument();
    expect(api.calls.map((c) => c.name)).toEqual(['previewArchives', 'verifyArchives']);
  });

  it('says plainly that merge and replace take a safety backup first', async () => {
    const { user } = setup();
    await add(user, GOOD);
    const replace = await screen.findByRole('radio', { name: /Replace it/ });
    expect(replace).toHaveAccessibleName(
      expect.stringContaining('A safety backup of “login” is taken first.'),
    );
    expect(screen.getByRole('radio', { name: /Merge into it/ })).toHaveAccessibleName(
      expect.stringContaining('A safety backup of “login” is taken first.'),
    );
  });

  it('shows why a corrupt file cannot be imported, and leaves it out', async () => {
    const { api, user } = setup();
    await add(user, CORRUPT);
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'Cannot import this file: broken.zip is not a ZIP file (it ends before its directory).',
    );
    expect(screen.getByRole('button', { name: 'Import' })).toBeDisabled();
    expect(api.calls.some((c) => c.name === 'verifyArchives')).toBe(false);
  });

  it('validates the target name as it is typed and imports with the chosen policy', async () => {
    const { api, user } = setup();
    await add(user, GOOD);
    await screen.findByText('Verified');
    const name = screen.getByRole('textbox', { name: 'Restore as' });
    await user.clear(name);
    await user.type(name, '.hidden');
    expect(name).toHaveAccessibleDescription(expect.stringContaining('cannot start with a dot'));
    expect(screen.getByRole('button', { name: 'Import' })).toBeDisabled();
    await user.clear(name);
    await user.type(name, 'login-copy');
    await user.click(screen.getByRole('radio', { name: /Restore under a new name/ }));
    // Written by a scheduled backup, so it was in the automatic backup: it goes back in by default.
    expect(screen.getByRole('checkbox', { name: 'Include in automatic backup' })).toBeChecked();
    await user.click(screen.getByRole('button', { name: 'Import' }));
    await waitFor(() => expect(api.calls.some((c) => c.name === 'startImport')).toBe(true));
    expect(api.calls.find((c) => c.name === 'startImport')!.args).toEqual({
      items: [
        {
          file: GOOD,
          targetName: 'login-copy',
          onConflict: 'rename',
          includeHistory: true,
          includeInBackup: true,
        },
      ],
    });
    api.emit('jobFinished', {
      jobId: 'job-0',
      kind: 'import',
      repository: 'login-copy',
      status: 'done',
      file: GOOD,
      sizeBytes: 12_300_000,
      durationMs: 900,
      restoredAs: 'login-copy',
      error: null,
    });
    expect(await screen.findByText(/Restored as “login-copy”/)).toBeInTheDocument();
  });
});
