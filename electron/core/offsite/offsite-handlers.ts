import type { CoreHandlers } from '../../shared/contract';
import { fieldErrors } from '../../shared/field-errors';
import { AppFailure } from '../../shared/result';
import { OffsiteSettingsRules } from '../../shared/settings-schema';
import type { OffsiteService } from './offsite-service';

// The contract's offsite methods (electron/shared/contract/offsite.ts).

type OffsiteMethods =
  | 'getOffsiteSettings'
  | 'saveOffsiteSettings'
  | 'testOffsiteConnection'
  | 'confirmOffsiteHostKey'
  | 'getOffsiteStatus'
  | 'retryOffsiteNow'
  | 'listOffsiteCopies';

export function offsiteHandlers(offsite: OffsiteService): Pick<CoreHandlers, OffsiteMethods> {
  return {
    async getOffsiteSettings() {
      return offsite.view();
    },
    async saveOffsiteSettings({ settings, secret }) {
      // Host keys are the core's to keep (confirmOffsiteHostKey); the form's rules see them too.
      const parsed = OffsiteSettingsRules.safeParse({
        ...settings,
        knownHosts: offsite.view().settings.knownHosts,
      });
      if (!parsed.success) {
        const fields = fieldErrors(parsed.error);
        const list = Object.entries(fields).map(([field, message]) => `${field}: ${message}`);
        throw new AppFailure(
          'INVALID_ARGUMENT',
          `The offsite settings cannot be saved. ${list.join(' ')}`,
          fields,
        );
      }
      return offsite.save(parsed.data, secret);
    },
    async testOffsiteConnection({ settings, secret }) {
      return offsite.test(settings, secret);
    },
    async confirmOffsiteHostKey({ host, port, fingerprint }) {
      return offsite.confirmHostKey(host, port, fingerprint);
    },
    async getOffsiteStatus() {
      return offsite.status();
    },
    async retryOffsiteNow() {
      return offsite.retryNow();
    },
    async listOffsiteCopies(args) {
      return offsite.queue.list({ repository: args?.repository, limit: args?.limit ?? 100 });
    },
  };
}
