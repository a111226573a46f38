import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { dataDirHolder, describeHolder, type LockHolder } from '../core/data-dir-lock';
import { dispatch } from '../core/dispatch';
import type { EventName, Handlers, MethodInput, MethodName, MethodOutput } from '../shared/contract';
import type { Result } from '../shared/result';
import os from 'node:os';
import { CliError } from './cli-io';
import { EXIT, exitCodeOf } from './exit-codes';
import { headlessHostHandlers } from './host-handlers';
import { readLocalCredential, refuseOtherUsersDataDir } from './local-credential';
import { openServer } from './open-server';
import { connectToServer, StreamRefused } from './server-client';

// One CLI, two modes (ARCHITECTURE §8). A command that acts on a data directory asks for a link and calls
// the contract through it — the same methods the Control Panel calls. When a server holds the folder, the
// link forwards each call to that server, which acts as if the administrator clicked (notices, disconnects,
// the job in the Control Panel); otherwise it opens the core in this process. Output and exit codes come
// from the same code either way, so they cannot differ.

export interface ContractLink {
  /** 'server': a running server does the work; 'in-process': this process opened the core. */
  readonly mode: 'server' | 'in-process';
  /** Who holds the data directory ("repo-server serve (pid …)"), also when it cannot be reached. */
  readonly servedBy: string | null;
  /** One contract call; answers with a Result, never throws for a known failure. */
  call<M extends MethodName>(name: M, args?: MethodInput<M>): Promise<Result<MethodOutput<M>>>;
  /** Every core event (validated against the contract); returns the unsubscribe. */
  onEvent(listener: (name: EventName, payload: unknown) => void): () => void;
  /** Resolves with a reason when the server is gone or silent (never in-process). */
  readonly lost: Promise<string>;
  close(): Promise<void>;
}

/** How long a command waits for a server that is starting to publish where its Control Panel is. */
const STARTING_SERVER_WAIT_MS = 10_000;

/**
 * A server holds the directory but cannot be asked from here: one on another machine sharing the folder.
 * Both hosts on this machine can: `serve` through its Control Panel's API, the desktop app through its
 * loopback endpoint for the CLI (electron/main/cli-endpoint.ts), each recorded in the lock.
 */
function unreachableHolder(holder: LockHolder): string | null {
  if (holder.hostname !== os.hostname()) return 'it runs on another machine: run the command there';
  return null;
}

/**
 * The link for a data directory. `beside`: what a command does when a server holds the folder but cannot
 * be asked ('refuse': a restore would swap files under it; 'in-process': reading and writing archives
 * beside it is safe, as before the CLI could forward).
 */
export async function openContractLink(
  dataDirArg: string,
  options: { beside: 'refuse' | 'in-process'; what: string },
): Promise<ContractLink> {
  const dataDir = path.resolve(dataDirArg);
  refuseOtherUsersDataDir(dataDir);
  let holder = dataDirHolder(dataDir);
  const deadline = Date.now() + STARTING_SERVER_WAIT_MS;
  while (holder && !holder.controlPanel && !unreachableHolder(holder) && Date.now() < deadline) {
    await sleep(100); // serve writes its Control Panel's address once it listens
    holder = dataDirHolder(dataDir);
  }
  if (!holder) return inProcessLink(dataDir, null);
  const servedBy = describeHolder(holder);
  const cannot = unreachableHolder(holder) ?? (holder.controlPanel ? null : 'it is still starting');
  if (cannot) {
    if (options.beside === 'in-process') return inProcessLink(dataDir, servedBy);
    throw new CliError(
      `${options.what} cannot run while ${servedBy} serves this data directory (${cannot}): ` +
        'use its Control Panel, or stop it first.',
      EXIT.failed,
    );
  }
  return serverLink(dataDir, holder.controlPanel!, servedBy);
}

async function serverLink(dataDir: string, origin: string, servedBy: string): Promise<ContractLink> {
  const token = readLocalCredential(dataDir);
  let client;
  try {
    client = await connectToServer(origin, token);
  } catch (error) {
    if (error instanceof StreamRefused && error.status === 401)
      throw new CliError(
        `${servedBy} refused this data directory's console token: it was replaced while the server ran; restart the server.`,
        EXIT.refused,
      );
    throw new CliError(
      `${servedBy} holds this data directory but could not be reached at ${origin}: ${(error as Error).message}.`,
      EXIT.unreachable,
    );
  }
  return {
    mode: 'server',
    servedBy,
    call: (name, args) => client.call(name, args) as never,
    onEvent: (listener) => client.onEvent(listener),
    lost: client.lost,
    close: async () => client.close(),
  };
}

async function inProcessLink(dataDir: string, servedBy: string | null): Promise<ContractLink> {
  const server = await openServer(dataDir);
  const handlers = { ...server.handlers, ...headlessHostHandlers } as Handlers;
  const silent = { error: () => {} };
  return {
    mode: 'in-process',
    servedBy,
    call: (name, args) => dispatch(handlers, name, args, silent) as never,
    onEvent: (listener) => server.events.onAny(listener),
    lost: new Promise<string>(() => {}),
    close: () => server.stop(),
  };
}

/** Opens a link, runs `work` with it, and closes it whatever happens. */
export async function withContractLink<T>(
  dataDir: string,
  options: { beside: 'refuse' | 'in-process'; what: string },
  work: (link: ContractLink) => Promise<T>,
): Promise<T> {
  const link = await openContractLink(dataDir, options);
  try {
    return await work(link);
  } finally {
    await link.close();
  }
}

/** A call's value, or a CliError with its message and the exit code its error code maps to. */
export async function callOrFail<M extends MethodName>(
  link: ContractLink,
  name: M,
  args?: MethodInput<M>,
): Promise<MethodOutput<M>> {
  const result = await link.call(name, args);
  if (result.ok) return result.value;
  const fields = Object.entries(result.error.fields ?? {});
  const detail =
    fields.length > 0 && !fields.every(([, m]) => result.error.message.includes(m))
      ? `${result.error.message} (${fields.map(([f, m]) => `${f}: ${m}`).join('; ')})`
      : result.error.message;
  throw new CliError(detail, exitCodeOf(result.error.code));
}
