import fs from 'node:fs';
import path from 'node:path';
import type { CoreHandlers } from '../shared/contract';
import type { AppInfo } from './app-info';
import { HEARTBEAT_EVERY_MS } from '../shared/contract/server-info';
import { systemClock, toLocalIso, type Clock, type TimerHandle } from './clock';
import { EventBus } from './event-bus';
import { currentTimeZone } from './time-zone';
import { serverInfoHandlers } from './server-info';
import { archiveHandlers } from './backup/archive-handlers';
import { BackupService } from './backup/backup-service';
import { catalogHandlers } from './catalog/catalog-handlers';
import { CatalogService } from './catalog/catalog-service';
import { RecoveryJobs, recoveryHandlers } from './backup/recovery-handlers';
import { catalogRecoverySource } from './backup/server-recovery';
import type { AgentLauncher } from './backup/fs-agent';
import type { ClientsControl } from './clients-control';
import { clientAdminHandlers } from './client-server/admin-handlers';
import { ClientServer } from './client-server/client-server';
import { repositoriesHandlers, setBackupMembership } from './repositories-handlers';
import { RepositoryAnnouncer } from './repository-announcer';
import { NumberedAnnouncer } from './numbered-announcer';
import type { ClientSession } from '../shared/contract/clients';
import { RepositoryStore, ServerDb } from './storage';
import { MemorySettingsBackend, SettingsService, type SettingsBackend } from './settings';
import { AutoBackup } from './schedule/auto-backup';
import { scheduleHandlers } from './schedule/schedule-handlers';
import { offsiteHandlers } from './offsite/offsite-handlers';
import { OffsiteService } from './offsite/offsite-service';
import { fileSecretStore, type SecretStore } from './offsite/secret-store';
import { tuneGarbageCollection } from './gc-tuning';

export interface ServerOptions {
  dataDir: string;
  appInfo: AppInfo;
  host: 'electron' | 'headless';
  clock?: Clock;
  settings?: SettingsBackend;
  logger?: Pick<Console, 'info' | 'warn' | 'error'>;
  /** Client sessions that send nothing for this long are closed (default 10 minutes). */
  clientIdleTimeoutMs?: number;
  /** IANA zone the backup schedule's times are read in; the system's by default (tests pin one). */
  timeZone?: string;
  /**
   * Starts the file agents that make every call on user-chosen paths (fs-agent.ts): a Node child
   * process by default; the desktop app passes one built on Electron's utilityProcess.
   */
  agentLauncher?: AgentLauncher;
  /**
   * Where the offsite password or key passphrase is kept: `<dataDir>/secrets/` (owner-only files) by
   * default; the desktop app passes one encrypted with the OS keychain.
   */
  secrets?: SecretStore;
  /** Waits between offsite copy attempts (tests shorten them). */
  offsiteRetryDelaysMs?: number[];
}

/** The running core: what a host needs to serve the contract and forward events. */
export interface RepoServer {
  readonly handlers: CoreHandlers;
  readonly events: EventBus;
  readonly settings: SettingsService;
  readonly clock: Clock;
  readonly dataDir: string;
  /** The repositories on disk (one SQLite file each). */
  readonly store: RepositoryStore;
  /** `<dataDir>/server.sqlite`: audit, backup history. */
  readonly serverDb: ServerDb;
  /** The connected-clients building blocks for backups and restores. */
  readonly clients: ClientsControl;
  /** Export, verify, import, their jobs and the backup history (the scheduler and the CLI use it). */
  readonly backups: BackupService;
  /** The client listener itself (serve uses it to override host and port for one run). */
  readonly clientServer: ClientServer;
  /**
   * Automatic backup: the schedule, its runs and status. The desktop shell calls
   * `scheduler.catchUp()` on powerMonitor 'resume'; the CLI calls `runNow` and `status`.
   */
  readonly scheduler: AutoBackup;
  /** Offsite copies: the queue, its uploader, the status. */
  readonly offsite: OffsiteService;
  /** Folders of backups read as catalogs (timelines per repository); recovery picks from them. */
  readonly catalog: CatalogService;
  /** Whole-server recovery of a fresh data directory from a backup folder. */
  readonly recovery: RecoveryJobs;
  /** Starts background work (client listener, scheduler, heartbeat). */
  start(): Promise<void>;
  /** Stops everything and closes every handle, so the process can exit on its own. */
  stop(): Promise<void>;
}

/** Repositories' counts after clients' writes are announced at most this often. */
export const WRITES_ANNOUNCED_EVERY_MS = 2_000;

/** The composition root: every core service is built here, from its explicit dependencies. */
export async function createServer(options: ServerOptions): Promise<RepoServer> {
  tuneGarbageCollection();
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? console;
  const dataDir = path.resolve(options.dataDir);
  fs.mkdirSync(dataDir, { recursive: true });
  const events = new EventBus();
  const settings = new SettingsService(options.settings ?? new MemorySettingsBackend(), logger);
  const startedAt = clock.now();
  const announceRepositories = () => announcer.announceAll();
  // Clients' writes change item counts and sizes: announced at most every 2 s, not once per write.
  let writesAnnouncement: TimerHandle | null = null;
  const announceWritesSoon = () => {
    writesAnnouncement ??= clock.setTimeout(() => {
      writesAnnouncement = null;
      announceRepositories();
    }, WRITES_ANNOUNCED_EVERY_MS);
  };
  const serverDb = new ServerDb({ dataDir, clock });
  const store = new RepositoryStore({ dataDir, clock, serverDb, onWritten: announceWritesSoon, logger });
  const clientServer = new ClientServer({
    store,
    settings,
    clock,
    logger,
    idleTimeoutMs: options.clientIdleTimeoutMs,
    onStateChanged: (status) => events.emit('serverStateChanged', status),
    onSessionsChanged: (clients, connections) => {
      // Only the sessions that came, went or worked (one of 200), numbered (followClients).
      clientsAnnouncer.announceAll(clients);
      // Connected-client counts are part of each repository's summary (only those are announced).
      if (connections) announcer.announceCounts();
    },
  });
  const announcer = new RepositoryAnnouncer({ store, clients: clientServer, events });
  const clientsAnnouncer = new NumberedAnnouncer<ClientSession>({
    keyOf: (s) => s.id,
    read: () => clientServer.listSessions(),
    emit: (change) => events.emit('clientsChanged', change),
    // The client server has no session yet: every connect is announced, followed or not.
    initial: [],
  });

  const backups = new BackupService({
    dataDir,
    store,
    serverDb: serverDb.db,
    clock,
    events,
    settings,
    appInfo: options.appInfo,
    clients: clientServer,
    agentLauncher: options.agentLauncher,
    logger,
  });

  const scheduler = new AutoBackup({
    dataDir,
    store,
    clock,
    backups,
    settings,
    events,
    logger,
    timeZone: options.timeZone,
  });

  const offsite = new OffsiteService({
    serverDb: serverDb.db,
    clock,
    settings,
    events,
    // The backups' agents: one a job finished with serves the next (agent-pool.ts).
    launcher: backups.launcher,
    secrets: options.secrets ?? fileSecretStore(dataDir),
    logger,
    retryDelaysMs: options.offsiteRetryDelaysMs,
  });
  // Every verified backup is queued for its offsite copy, after local retention; each configuration
  // archive once it is read back.
  backups.pipeline.addStep(offsite.step, { after: 'retention' });
  backups.afterConfigurationVerified = (archive) => offsite.queueConfigurationCopy(archive);

  const catalog = new CatalogService({
    backups,
    settings,
    clock,
    dataDir,
    store,
    onRepositoriesChanged: () => announceRepositories(),
    audit: (action, target, detail) => serverDb.audit(action, target, detail),
    offsite,
  });
  // After retention, so the index lists what the folder keeps.
  backups.pipeline.addStep(catalog.step, { after: 'retention' });
  const recovery = new RecoveryJobs({
    dataDir,
    store,
    settings,
    backups,
    // Archives are chosen by the backup catalog (its index carries what the old server verified).
    sourceFor: (io) => catalogRecoverySource((folder) => catalog.open(folder), io),
    onRecovered: announceRepositories,
  });

  const handlers: CoreHandlers = {
    ...serverInfoHandlers({ appInfo: options.appInfo, dataDir, startedAt, host: options.host }),
    ...repositoriesHandlers({ store, clients: clientServer, serverDb, announcer, settings }),
    ...clientAdminHandlers(clientServer, settings, clientsAnnouncer),
    ...archiveHandlers(backups, {
      onRepositoriesChanged: announceRepositories,
      onImportedBackupMembership: (name, included) => setBackupMembership(settings, name, included),
    }),
    ...scheduleHandlers({
      settings,
      store,
      clock,
      autoBackup: scheduler,
      timeZone: options.timeZone,
      agentLauncher: backups.launcher,
    }),
    ...offsiteHandlers(offsite),
    ...catalogHandlers(catalog),
    ...recoveryHandlers(recovery),
  };

  let heartbeat: ReturnType<Clock['setTimeout']> | undefined;
  // Read at start (an empty or unknown TZ is said once, and means UTC) and with every beat, so the
  // process follows a change of the system's zone even while no backup is scheduled.
  currentTimeZone({ logger });
  const beat = () => {
    currentTimeZone({ logger });
    events.emit('heartbeat', { at: toLocalIso(clock.now()) });
    heartbeat = clock.setTimeout(beat, HEARTBEAT_EVERY_MS);
  };

  return {
    handlers,
    events,
    settings,
    clock,
    dataDir,
    store,
    serverDb,
    clients: clientServer,
    clientServer,
    backups,
    scheduler,
    offsite,
    catalog,
    recovery,
    async start() {
      heartbeat = clock.setTimeout(beat, HEARTBEAT_EVERY_MS);
      if (settings.get().clientServer.autoStart) {
        // A port in use must not keep the rest of the app from starting: the panel shows lastError.
        await clientServer
          .start()
          .catch((error: Error) => logger.warn(`Client server not started: ${error.message}`));
      }
      // After the client server: a missed slot caught up now may need to disconnect its clients.
      scheduler.start();
      offsite.start();
    },
    async stop() {
      if (heartbeat) clock.clearTimeout(heartbeat);
      heartbeat = undefined;
      if (writesAnnouncement) clock.clearTimeout(writesAnnouncement);
      writesAnnouncement = null;
      scheduler.stop();
      // The copy going on ends at once (its connection is destroyed) and resumes at the next start.
      await offsite.stop();
      await backups.stop();
      await catalog.stop();
      // backups.stop() cancelled the running job; wait until the run has recorded it.
      await scheduler.idle();
      await clientServer.close();
      store.closeAll();
      serverDb.close();
    },
  };
}
