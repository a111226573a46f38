import { useEffect } from 'react';
import type { RendererApi } from '../../../electron/shared/contract';
import { useApi } from '../api/context';
import { useLive } from './live';

// What the main window shows, each loaded once and then kept current by the contract's events.

const loadRepositories = (api: RendererApi) => api.listRepositories();
const loadClients = (api: RendererApi) => api.listClients();
const loadServerStatus = (api: RendererApi) => api.getServerStatus();
const loadBackupStatus = (api: RendererApi) => api.getBackupStatus();
const loadServerInfo = (api: RendererApi) => api.getServerInfo();
const loadOffsiteStatus = (api: RendererApi) => api.getOffsiteStatus();
const loadHistory = (api: RendererApi) => api.listHistory({ limit: 15 });

export const useRepositories = () =>
  useLive({ load: loadRepositories, events: { repositoriesChanged: (p) => p.repositories } });

export const useClients = () => useLive({ load: loadClients, events: { clientsChanged: (p) => p.clients } });

export const useServerStatus = () =>
  useLive({ load: loadServerStatus, events: { serverStateChanged: (p) => p } });

export const useBackupStatus = () => useLive({ load: loadBackupStatus, events: { statusChanged: (p) => p } });

export const useServerInfo = () => useLive({ load: loadServerInfo });

export const useOffsiteStatus = () =>
  useLive({ load: loadOffsiteStatus, events: { offsiteStatusChanged: (p) => p } });

/**
 * History changes when a job ends, and when a backup run starts, ends or fails before any job (a
 * target that cannot be written): reload then, once — not on every progress step of a run.
 */
export function useHistory() {
  const api = useApi();
  const history = useLive({ load: loadHistory, events: { jobFinished: () => null } });
  const { reload } = history;
  useEffect(() => {
    let last: string | null = null;
    return api.on('statusChanged', (s) => {
      const moment = [
        s.running?.runId ?? '',
        s.lastError ?? '',
        s.retryAt ?? '',
        ...s.perRepository.map((r) => r.lastResult?.at ?? ''),
      ].join('|');
      if (last !== null && moment !== last) reload();
      last = moment;
    });
  }, [api, reload]);
  return history;
}
