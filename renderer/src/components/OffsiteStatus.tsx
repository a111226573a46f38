import { useState } from 'react';
import { Button } from 'react-aria-components';
import type { OffsiteStatus } from '../../../electron/shared/contract/offsite';
import {
  copyKindOf,
  lateCopyNames,
  offsiteCopyName,
  offsiteCopyState,
  offsiteRepositoryLine,
  offsiteSummary,
  reasonWords,
} from '../../../electron/shared/offsite-words';
import { repositoryKey } from '../../../electron/shared/repository-name';
import { useApi } from '../api/context';
import { OffsiteDialog } from '../dialogs/OffsiteDialog';
import { formatRelative, formatWhen } from '../format/time';
import { useConnected } from '../state/connection';
import { useNow } from '../state/live';
import { useNotify } from './Notices';

// The offsite line of the backup status, per repository, and its alert (a copy pending too long).

/** The "Offsite" fact of the status panel: the line, Retry now while copies fail, and the settings. */
export function OffsiteFact({ offsite, onChanged }: { offsite: OffsiteStatus | null; onChanged(): void }) {
  const api = useApi();
  const notify = useNotify();
  const now = useNow(30_000);
  const connected = useConnected();
  const [open, setOpen] = useState(false);
  const time = (iso: string) => formatWhen(iso, now);
  return (
    <>
      <dt>Offsite</dt>
      <dd data-testid="offsite-status">
        <div className="offsite-line">
          <span
            className={
              offsite?.alert
                ? 'warn-text'
                : offsite?.pending
                  ? undefined
                  : offsite?.enabled
                    ? undefined
                    : 'muted'
            }
          >
            {offsite
              ? offsite.enabled || offsite.pending
                ? offsiteSummary(offsite, time)
                : 'Off: backups stay on this machine'
              : '…'}
          </span>
          {offsite && offsite.pending > 0 && offsite.failingSince && (
            <Button
              className="button small"
              isDisabled={!connected}
              onPress={() =>
                void api.retryOffsiteNow().then((r) => {
                  if (!r.ok) notify('error', r.error.message);
                  onChanged();
                })
              }
            >
              Retry now
            </Button>
          )}
          <Button className="button small" isDisabled={!connected} onPress={() => setOpen(true)}>
            Offsite copy…
          </Button>
        </div>
        {offsite?.enabled && <ConfigurationLine offsite={offsite} time={time} />}
      </dd>
      {open && (
        <OffsiteDialog
          onClose={() => {
            setOpen(false);
            onChanged();
          }}
        />
      )}
    </>
  );
}

/** The server configuration's copy, under the offsite line (it has no row among the repositories). */
function ConfigurationLine({ offsite, time }: { offsite: OffsiteStatus; time: (iso: string) => string }) {
  const state = offsite.perRepository.find((r) => copyKindOf(r.name) === 'configuration');
  if (!state) return null;
  return (
    <span className={state.alert ? 'repo-offsite alert' : 'repo-offsite'} data-testid="configuration-offsite">
      {offsiteCopyName(state)}: {offsiteCopyState(offsite, state, time)}
    </span>
  );
}

/** A repository's offsite line under its last backup result. */
export function OffsiteRepositoryLine({ offsite, name }: { offsite: OffsiteStatus | null; name: string }) {
  const now = useNow(30_000);
  if (!offsite?.enabled) return null;
  const state = offsite.perRepository.find((r) => repositoryKey(r.name) === repositoryKey(name));
  if (!state) return null;
  return (
    <span className={state.alert ? 'repo-offsite alert' : 'repo-offsite'} data-testid="repo-offsite">
      {offsiteRepositoryLine(offsite, state, (iso) => formatWhen(iso, now))}
    </span>
  );
}

/** A copy pending longer than the threshold: an alert across the top, like an overdue backup. */
export function OffsiteAlert({ offsite }: { offsite: OffsiteStatus | null }) {
  const now = useNow(30_000);
  if (!offsite?.alert) return null;
  const late = lateCopyNames(offsite);
  return (
    <p className="banner banner-danger" data-testid="offsite-alert">
      <strong>Offsite copies overdue:</strong> {late.join(', ')} {late.length === 1 ? 'has' : 'have'} a backup
      waiting more than {offsite.alertAfterHours} h to leave this machine
      {offsite.lastError &&
        ` (${reasonWords(offsite.lastError.code)}${offsite.failingSince ? ` since ${formatWhen(offsite.failingSince, now)}` : ''})`}
      .{offsite.nextAttemptAt && ` Next try ${formatRelative(offsite.nextAttemptAt, now)}.`}
    </p>
  );
}
