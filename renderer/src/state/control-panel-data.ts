import { useEffect } from 'react';
import type { RendererApi } from '../../../electron/shared/contract';
import { ClientsChange, type ClientSession } from '../../../electron/shared/contract/clients';
import { RepositoriesChange, type RepositorySummary } from '../../../electron/shared/contract/repositories';
import { useApi } from '../api/context';
import { useFollowedList } from './followed-list';
import { useLive } from './live';

// What the main window shows, each loaded once and then kept current by the contract's events.

const loadRepositories = async (api: RendererApi) => {
  const result = await api.followRepositories();
  return result.ok
    ? { ok: true as const, value: { ...result.value, items: result.value.repositories } }
    : result;
};
const repositoryName = (r: RepositorySummary) => r.name;
const loadClients = async (api: RendererApi) => {
  const result = await api.followClients();
  return result.ok ? { ok: true as const, value: { ...result.value, items: result.value.clients } } : result;
};
const sessionId = (c: ClientSession) => c.id;
const loadServerStatus = (api: RendererApi) => api.getServerStatus();
const loadBackupStatus = (api: RendererApi) => api.getBackupStatus();
const loadServerInfo = (api: RendererApi) => api.getServerInfo();
const loadOffsiteStatus = (api: RendererApi) => api.getOffsiteStatus();
const loadHistory = (api: RendererApi) => api.listHistory({ limit: 15 });

/** 500 repositories: each event carries only the ones that changed, applied in order (followed-list.ts). */
export const useRepositories = () =>
  useFollowedList({
    load: loadRepositories,
    event: 'repositoriesChanged',
    change: RepositoriesChange,
    keyOf: repositoryName,
  });

/** 200 clients: each event carries only the sessions that came, went or worked (followed-list.ts). */
export const useClients = () =>
  useFollowedList({ load: loadClients, event: 'clientsChanged', change: ClientsChange, keyOf: sessionId });

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
