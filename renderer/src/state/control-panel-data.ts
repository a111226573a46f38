import type { RendererApi } from '../../../electron/shared/contract';
import { useLive } from './live';

// What the main window shows, each loaded once and then kept current by the contract's events.

const loadRepositories = (api: RendererApi) => api.listRepositories();
const loadClients = (api: RendererApi) => api.listClients();
const loadServerStatus = (api: RendererApi) => api.getServerStatus();
const loadBackupStatus = (api: RendererApi) => api.getBackupStatus();
const loadServerInfo = (api: RendererApi) => api.getServerInfo();
const loadHistory = (api: RendererApi) => api.listHistory({ limit: 15 });

export const useRepositories = () =>
  useLive({ load: loadRepositories, events: { repositoriesChanged: (p) => p.repositories } });

export const useClients = () => useLive({ load: loadClients, events: { clientsChanged: (p) => p.clients } });

export const useServerStatus = () =>
  useLive({ load: loadServerStatus, events: { serverStateChanged: (p) => p } });

export const useBackupStatus = () => useLive({ load: loadBackupStatus, events: { statusChanged: (p) => p } });

export const useServerInfo = () => useLive({ load: loadServerInfo });

/** History only changes when a job ends: reload then, once. */
export const useHistory = () => useLive({ load: loadHistory, events: { jobFinished: () => null } });
