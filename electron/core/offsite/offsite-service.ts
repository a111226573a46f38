import { randomUUID } from 'node:crypto';
import type { DatabaseSync } from 'node:sqlite';
import type {
  HostKeySeen,
  OffsiteSettingsView,
  OffsiteStatus,
  OffsiteTestResult,
} from '../../shared/contract/offsite';
import { formatSize } from '../../shared/format-size';
import { AppFailure, isAppFailure } from '../../shared/result';
import { OffsiteSettings, type OffsiteSettings as OffsiteSettingsType } from '../../shared/settings-schema';
import { CONFIG_ARCHIVE_NAME } from '../../shared/contract/recovery';
import type { VerifiedConfiguration } from '../backup/config-backup';
import type { AgentLauncher } from '../backup/fs-agent';
import { TargetFs } from '../backup/target-fs';
import { toLocalIso, type Clock } from '../clock';
import type { EventBus } from '../event-bus';
import type { SettingsService } from '../settings';
import { CopyQueue, type CopyRow } from './copy-queue';
import type { OffsiteDestination, OffsiteSession } from './destination';
import { pinHostKey } from './host-key';
import { buildOffsiteStatus } from './offsite-status';
import { offsiteStep, queueOffsiteCopy, type OffsiteStepDeps } from './offsite-step';
import { OFFSITE_SECRET, type SecretStore } from './secret-store';
import { SftpDestination, sftpLabel, type SftpLogin } from './sftp-destination';
import { OffsiteUploader } from './uploader';

// Offsite copies as one service (ARCHITECTURE §7, "Offsite copies"): the queue, the uploader, the
// pipeline step that feeds it, the status, and what the settings dialog calls (test the connection,
// confirm the host key, save with the secret).

export interface OffsiteServiceDeps {
  serverDb: DatabaseSync;
  clock: Clock;
  settings: SettingsService;
  events: EventBus;
  launcher: AgentLauncher;
  secrets: SecretStore;
  logger?: Pick<Console, 'info' | 'warn' | 'error'>;
  /** Waits between attempts (tests shorten them). */
  retryDelaysMs?: number[];
  /** The ssh-agent socket for auth "agent"; SSH_AUTH_SOCK by default. */
  agentSocket?: string | null;
}

/** A private key file is small; anything larger is not one. */
const MAX_KEY_FILE_BYTES = 64 * 1024;
const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

export class OffsiteService {
  readonly queue: CopyQueue;
  readonly uploader: OffsiteUploader;
  /** The pipeline step that queues a copy of each verified backup. */
  readonly step;
  private readonly stepDeps: OffsiteStepDeps;
  /** The key each host presented to the last test connection: what "confirm" may pin. */
  private readonly seen = new Map<string, HostKeySeen>();
  private lastSettings: string;
  private readonly offSettings: () => void;

  constructor(private readonly deps: OffsiteServiceDeps) {
    this.queue = new CopyQueue(deps.serverDb, deps.clock);
    this.uploader = new OffsiteUploader({
      queue: this.queue,
      clock: deps.clock,
      launcher: deps.launcher,
      settings: () => this.settings(),
      destination: (settings, io) => this.destination(settings, io),
      label: (settings) => sftpLabel(settings),
      onChanged: () => this.announce(),
      logger: deps.logger,
      retryDelaysMs: deps.retryDelaysMs,
    });
    this.stepDeps = {
      queue: this.queue,
      destination: () => {
        const s = this.settings();
        return s.enabled && s.host !== '' ? sftpLabel(s) : null;
      },
      queued: () => {
        this.announce();
        this.uploader.queued();
      },
    };
    this.step = offsiteStep(this.stepDeps);
    this.lastSettings = JSON.stringify(this.settings());
    // New settings (another host, a fixed password, copies turned on): every waiting copy is tried now.
    this.offSettings = deps.settings.onChange((next) => {
      const serialized = JSON.stringify(next.offsite);
      if (serialized === this.lastSettings) return;
      this.lastSettings = serialized;
      this.uploader.retryNow();
      this.announce();
    });
  }

  /**
   * Queues the copy of a configuration archive just read back (BackupService.afterConfigurationVerified):
   * the same queue, uploader, checks and remote retention as a repository's, its id this server's.
   */
  async queueConfigurationCopy(archive: VerifiedConfiguration): Promise<void> {
    await queueOffsiteCopy(this.stepDeps, {
      io: archive.io,
      file: archive.file,
      sizeBytes: archive.sizeBytes,
      startedAt: archive.startedAt,
      repository: { name: CONFIG_ARCHIVE_NAME, id: archive.serverId },
      historyId: archive.historyId,
    });
  }

  private settings(): OffsiteSettingsType {
    return this.deps.settings.get().offsite;
  }

  start(): void {
    this.uploader.start();
  }

  /** Ends the copy going on at once (its connection is destroyed); it resumes at the next start. */
  async stop(): Promise<void> {
    this.offSettings();
    await this.uploader.stop();
  }

  status(): OffsiteStatus {
    const settings = this.settings();
    return buildOffsiteStatus({
      now: this.deps.clock.now(),
      settings,
      destination: settings.host !== '' ? sftpLabel(settings) : null,
      repositories: this.deps.settings.get().backup.repositories,
      waiting: this.queue.waiting(),
      lastCopied: this.queue.lastCopiedByRepository(),
      current: this.uploader.current,
      failingSince: this.uploader.failingSince,
      lastError: this.uploader.lastError,
    });
  }

  private announce(): void {
    try {
      this.deps.events.emit('offsiteStatusChanged', this.status());
    } catch (error) {
      this.deps.logger?.error(`Could not send the offsite status: ${message(error)}`);
    }
  }

  view(): OffsiteSettingsView {
    return {
      settings: this.settings(),
      secretStored: this.deps.secrets.get(OFFSITE_SECRET) !== null,
      secretStorage: this.deps.secrets.kind,
    };
  }

  /** The login for these settings: the key file read through the file agent, the secret from the store. */
  private async login(
    settings: OffsiteSettingsType,
    io: TargetFs,
    secret?: string | null,
  ): Promise<SftpLogin> {
    let privateKey: Uint8Array | null = null;
    if (settings.auth === 'key-file') {
      const stat = await io.stat(settings.keyFile).catch(() => null);
      if (!stat || stat.type !== 'file')
        throw new AppFailure(
          'AUTH_FAILED',
          `The key file ${settings.keyFile} does not exist on this machine.`,
        );
      if (stat.size > MAX_KEY_FILE_BYTES)
        throw new AppFailure(
          'AUTH_FAILED',
          `${settings.keyFile} is ${formatSize(stat.size)}: too large to be a private key.`,
        );
      const file = await io.open(settings.keyFile, 'r');
      try {
        privateKey = await file.read(0, stat.size);
      } finally {
        await file.close().catch(() => {});
      }
    }
    return {
      settings,
      privateKey,
      secret: secret !== undefined ? secret : this.deps.secrets.get(OFFSITE_SECRET),
      agentSocket: this.deps.agentSocket,
      onHostKey: (seen) => this.seen.set(`${seen.host.toLowerCase()}:${seen.port}`, seen),
    };
  }

  private async destination(settings: OffsiteSettingsType, io: TargetFs): Promise<OffsiteDestination> {
    return new SftpDestination(await this.login(settings, io));
  }

  /**
   * A session on the configured offsite folder, to read it (the catalog of the offsite copy): the
   * saved settings and secret, the key file read through a file agent, the host key as pinned.
   */
  async openForReading(signal: AbortSignal): Promise<{
    session: OffsiteSession;
    label: string;
    timeoutMs: number;
    copies: CopyRow[];
  }> {
    const settings = this.settings();
    if (settings.host === '' || settings.username === '')
      throw new AppFailure(
        'NOT_CONFIGURED',
        'No offsite copy is set up: enter its server in Automatic backup → Offsite copy… first.',
      );
    const label = sftpLabel(settings);
    const io = new TargetFs({
      launcher: this.deps.launcher,
      timeoutMs: settings.timeoutSeconds * 1000,
      signal,
      role: 'source',
    });
    try {
      const destination = await this.destination(settings, io);
      const session = await destination.open(signal);
      return {
        session,
        label,
        timeoutMs: settings.timeoutSeconds * 1000,
        copies: this.queue.ofDestination(label),
      };
    } finally {
      io.close();
    }
  }

  /** Connects with the form's settings (saved or not), writes and checks a small file, and says how it went. */
  async test(
    form: Omit<OffsiteSettingsType, 'knownHosts'>,
    secret?: string | null,
  ): Promise<OffsiteTestResult> {
    const settings = OffsiteSettings.parse({ ...form, knownHosts: this.settings().knownHosts });
    const where = `${settings.host}:${settings.port}`;
    const missing =
      settings.host === ''
        ? 'Enter the host first.'
        : settings.username === ''
          ? 'Enter the user name first.'
          : null;
    if (missing)
      return {
        ok: false,
        code: 'INVALID_ARGUMENT',
        message: missing,
        hostKey: null,
        freeBytes: null,
        checkedBy: null,
      };
    this.seen.delete(`${settings.host.toLowerCase()}:${settings.port}`);
    const controller = new AbortController();
    const io = new TargetFs({
      launcher: this.deps.launcher,
      timeoutMs: settings.timeoutSeconds * 1000,
      signal: controller.signal,
      role: 'source',
    });
    const seenKey = () => this.seen.get(`${settings.host.toLowerCase()}:${settings.port}`) ?? null;
    try {
      const destination = new SftpDestination(await this.login(settings, io, secret));
      const session = await destination.open(controller.signal);
      try {
        const probe = `.repo-server-write-test-${randomUUID().replace(/-/g, '').slice(0, 12)}`;
        const bytes = Buffer.from(`repo-server write test ${toLocalIso(this.deps.clock.now())}\n`);
        await session.put(
          probe,
          { size: bytes.length, read: async (p, l) => bytes.subarray(p, p + l) },
          0,
          () => {},
        );
        const digest = await session.digest(probe).finally(() => session.remove(probe).catch(() => false));
        const freeBytes = await session.freeBytes().catch(() => null);
        const by =
          digest.by === 'remote-command'
            ? 'the server’s sha256sum'
            : 'reading each copy back (the server allows no commands)';
        return {
          ok: true,
          code: null,
          message:
            `Connected to ${where} as ${settings.username}: the folder ${settings.remoteFolder} is writable` +
            (freeBytes !== null ? `, ${formatSize(freeBytes)} free` : '') +
            `. Copies will be checked by ${by}.`,
          hostKey: seenKey(),
          freeBytes,
          checkedBy: digest.by,
        };
      } finally {
        session.close();
      }
    } catch (error) {
      const failure = isAppFailure(error) ? error : new AppFailure('INTERNAL', message(error));
      return {
        ok: false,
        code: failure.code,
        message: failure.message,
        hostKey: seenKey(),
        freeBytes: null,
        checkedBy: null,
      };
    } finally {
      io.close();
    }
  }

  /** Pins the key the last test saw for this host, if it is the fingerprint the administrator compared. */
  confirmHostKey(host: string, port: number, fingerprint: string): OffsiteSettingsView {
    const seen = this.seen.get(`${host.toLowerCase()}:${port}`);
    if (!seen || seen.fingerprint !== fingerprint)
      throw new AppFailure(
        'CONFLICT',
        `Test the connection to ${host}:${port} first: only the key the server has just presented can be confirmed.`,
      );
    const current = this.settings();
    this.deps.settings.update('offsite', {
      ...current,
      knownHosts: pinHostKey(current.knownHosts, seen, toLocalIso(this.deps.clock.now())),
    });
    this.deps.logger?.info(`Offsite: host key ${seen.fingerprint} of ${host}:${port} confirmed.`);
    return this.view();
  }

  save(settings: OffsiteSettingsType, secret: string | null | undefined): OffsiteSettingsView {
    if (settings.enabled && settings.auth === 'password' && secret === null)
      throw new AppFailure('INVALID_ARGUMENT', 'Enter the password to log in with.', {
        secret: 'Enter the password to log in with.',
      });
    if (settings.enabled && settings.auth === 'password' && secret === undefined && !this.view().secretStored)
      throw new AppFailure('INVALID_ARGUMENT', 'Enter the password to log in with.', {
        secret: 'Enter the password to log in with.',
      });
    if (secret === null) this.deps.secrets.delete(OFFSITE_SECRET);
    else if (secret !== undefined) this.deps.secrets.set(OFFSITE_SECRET, secret);
    this.deps.settings.update('offsite', settings);
    return this.view();
  }

  retryNow(): OffsiteStatus {
    this.uploader.retryNow();
    return this.status();
  }
}
