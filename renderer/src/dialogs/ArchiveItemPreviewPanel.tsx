import { useState } from 'react';
import { Button } from 'react-aria-components';
import type { ArchiveItemPreview } from '../../../electron/shared/contract/catalog';
import { formatSize } from '../../../electron/shared/format-size';
import { useApi } from '../api/context';

// The Backups dialog's preview of one item of a backup: its text, or for bytes the size and a way to get
// them. The web console downloads them (the bytes come over HTTP to the page); the desktop app asks the
// main process to save them (Save…: the native save dialog, and the file written there, never through
// this page).

export function ArchiveItemPreviewPanel({
  file,
  preview,
}: {
  /** The backup's file. */
  file: string;
  preview: ArchiveItemPreview | null;
}) {
  const api = useApi();
  const [outcome, setOutcome] = useState<{ path: string; saved?: string; problem?: string } | null>(null);
  const shown = outcome?.path === preview?.path ? outcome : null;

  const download = async (path: string) => {
    const r = await api.getArchiveItemContent({ file, path });
    if (!r.ok) return setOutcome({ path, problem: r.error.message });
    const bytes = Uint8Array.from(atob(r.value.base64), (c) => c.charCodeAt(0));
    const url = URL.createObjectURL(new Blob([bytes]));
    const link = document.createElement('a');
    link.href = url;
    link.download = path.split('/').pop() || 'item';
    link.click();
    URL.revokeObjectURL(url);
  };

  const save = async (path: string) => {
    setOutcome(null);
    const r = await api.saveArchiveItem({ file, path });
    if (!r.ok) return setOutcome({ path, problem: r.error.message });
    if (r.value) setOutcome({ path, saved: r.value.file });
  };

  return (
    <div className="item-preview" aria-label="Preview" role="region">
      {!preview && <p className="muted">Choose an item’s path to preview it.</p>}
      {preview && (
        <>
          <p>
            <strong>{preview.path}</strong> · version {preview.version} · {formatSize(preview.sizeBytes)}
          </p>
          {preview.text !== null ? (
            <pre className="item-text" aria-label={`Content of ${preview.path}`}>
              {preview.text}
              {preview.textTruncated && '\n…'}
            </pre>
          ) : (
            <p>
              Bytes, {formatSize(preview.sizeBytes)}.{' '}
              {api.host === 'electron' ? (
                <Button className="button small" onPress={() => void save(preview.path)}>
                  Save…
                </Button>
              ) : (
                <Button className="button small" onPress={() => void download(preview.path)}>
                  Download
                </Button>
              )}
            </p>
          )}
          {shown?.saved && (
            <p role="status" className="ok-text">
              Saved as {shown.saved}.
            </p>
          )}
          {shown?.problem && (
            <p role="alert" className="form-error">
              {shown.problem}
            </p>
          )}
          {preview.versions.length > 1 && (
            <p className="muted">{olderVersionsText(preview.versions.filter((v) => !v.current))}</p>
          )}
        </>
      )}
    </div>
  );
}

/** "This backup also holds version 1 in its history." (or versions 1, 2, 3). */
function olderVersionsText(older: Array<{ version: number }>): string {
  const list = older.map((v) => v.version).join(', ');
  return `This backup also holds version${older.length === 1 ? '' : 's'} ${list} in its history.`;
}
