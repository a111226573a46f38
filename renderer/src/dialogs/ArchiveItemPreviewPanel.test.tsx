import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { ArchiveItemPreview } from '../../../electron/shared/contract/catalog';
import { ApiContext } from '../api/context';
import { fakeApi } from '../testing/fake-api';
import { ArchiveItemPreviewPanel } from './ArchiveItemPreviewPanel';

// The item preview per host: bytes are a Download in the web console and a Save… in the desktop app,
// whose main process writes the file (the page never gets the bytes).

const FILE = '/srv/backups/Alpha_2026-12-01-22-00-00.zip';
const item = {
  path: 'data/logo.png',
  kind: 'data',
  version: 3,
  updatedAt: '2026-12-01T21:00:00.000+00:00',
  updatedBy: 'tool',
  sizeBytes: 2_500_000,
};
const bytesPreview: ArchiveItemPreview = {
  ...item,
  encoding: 'binary',
  text: null,
  textTruncated: false,
  versions: [{ ...item, current: true, deleted: false }],
};
const textPreview: ArchiveItemPreview = {
  ...bytesPreview,
  path: 'modules/login',
  encoding: 'utf8',
  text: 'step 1',
  sizeBytes: 6,
};

function show(preview: ArchiveItemPreview, host: 'electron' | 'headless', api = fakeApi({}, {}, { host })) {
  render(
    <ApiContext.Provider value={api}>
      <ArchiveItemPreviewPanel file={FILE} preview={preview} />
    </ApiContext.Provider>,
  );
  return { api, user: userEvent.setup() };
}

describe('the item preview', () => {
  it('in the web console: bytes are offered as a Download, not Save…', () => {
    show(bytesPreview, 'headless');
    expect(screen.getByText(/Bytes, 2\.5 MB\./)).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Download' })).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Save…' })).toBeNull();
  });

  it('in the desktop app: Save… asks the main process, which says where it saved', async () => {
    const api = fakeApi(
      {
        saveArchiveItem: async ({ path }) => ({ path, file: '/home/ana/logo.png', sizeBytes: 2_500_000 }),
      },
      {},
      { host: 'electron' },
    );
    const { user } = show(bytesPreview, 'electron', api);
    expect(screen.queryByRole('button', { name: 'Download' })).toBeNull();
    await user.click(screen.getByRole('button', { name: 'Save…' }));
    expect(await screen.findByRole('status')).toHaveTextContent('Saved as /home/ana/logo.png.');
    expect(api.calls).toEqual([{ name: 'saveArchiveItem', args: { file: FILE, path: 'data/logo.png' } }]);
    // Never the bytes to the page.
    expect(api.calls.some((c) => c.name === 'getArchiveItemContent')).toBe(false);
  });

  it('in the desktop app: a failed save is said in the preview, where the user looks', async () => {
    const failing = fakeApi(
      {},
      {
        saveArchiveItem: {
          code: 'NOT_WRITABLE',
          message: 'Could not save data/logo.png as /mnt/ro/logo.png: the folder is not writable.',
        },
      },
      { host: 'electron' },
    );
    const { user } = show(bytesPreview, 'electron', failing);
    await user.click(screen.getByRole('button', { name: 'Save…' }));
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'Could not save data/logo.png as /mnt/ro/logo.png',
    );
  });

  it('a cancelled save dialog leaves the preview as it was', async () => {
    const api = fakeApi({ saveArchiveItem: async () => null }, {}, { host: 'electron' });
    const { user } = show(bytesPreview, 'electron', api);
    await user.click(screen.getByRole('button', { name: 'Save…' }));
    expect(api.calls).toHaveLength(1);
    expect(screen.queryByRole('status')).toBeNull();
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('text is shown, in both hosts, with neither button', () => {
    show(textPreview, 'electron');
    expect(screen.getByLabelText('Content of modules/login')).toHaveTextContent('step 1');
    expect(screen.queryByRole('button')).toBeNull();
  });
});
