import { useEffect, useState } from 'react';
import { Button } from 'react-aria-components';
import type { OffsiteSettingsView } from '../../../electron/shared/contract/offsite';
import { useApi } from '../api/context';
import { OffsiteDialog } from './OffsiteDialog';

/** The Schedule dialog's line about the offsite copy, and the way to its own dialog (saved on its own). */
export function OffsiteRow() {
  const api = useApi();
  const [view, setView] = useState<OffsiteSettingsView | null>(null);
  const [open, setOpen] = useState(false);
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    let live = true;
    void api.getOffsiteSettings().then((r) => {
      if (live && r.ok) setView(r.value);
    });
    return () => {
      live = false;
    };
  }, [api, generation]);
  const s = view?.settings;
  return (
    <div className="offsite-row" data-testid="schedule-offsite">
      <span>
        {!s ? (
          '…'
        ) : s.enabled ? (
          <>
            Also copied to <code>{`${s.username}@${s.host}:${s.remoteFolder}`}</code>, newest {s.keepLast}{' '}
            kept there
          </>
        ) : (
          <span className="muted">Offsite copy: off (backups stay on this machine)</span>
        )}
      </span>
      <Button className="button small" onPress={() => setOpen(true)}>
        Offsite copy…
      </Button>
      {open && (
        <OffsiteDialog
          onClose={() => {
            setOpen(false);
            setGeneration((g) => g + 1);
          }}
        />
      )}
    </div>
  );
}
