import { randomUUID } from 'node:crypto';
import type { RepositoryList, RepositorySummary } from '../shared/contract/repositories';
import type { EventBus } from './event-bus';
import type { RepositoryStore } from './storage';

/** What counts a repository's connected clients (the client server). */
export interface ConnectedCounts {
  connectedCount(name: string): number;
}

interface Shown {
  summary: RepositorySummary;
  json: string;
}

/**
 * repositoriesChanged carries only what changed, numbered: every summary was sent on every change (500
 * summaries, read from 500 databases, validated and serialised, when one client connected or one
 * repository was created), and the Control Panel took them all in again. The announcer keeps what it
 * last announced; `followRepositories` answers that list with its number, so the panel knows which
 * changes come after it.
 */
export class RepositoryAnnouncer {
  /** This run's stream: a restarted core numbers its changes anew. */
  readonly stream = randomUUID();
  private seq = 0;
  /** By name, in the list's order; null until first needed (nothing was announced before it). */
  private shown: Map<string, Shown> | null = null;

  constructor(
    private readonly deps: { store: RepositoryStore; clients: ConnectedCounts; events: EventBus },
  ) {}

  /** Every repository, as the Control Panel lists them. */
  list(): RepositorySummary[] {
    const { store, clients } = this.deps;
    return store.list().map((r) => ({ ...r, connectedClients: clients.connectedCount(r.name) }));
  }

  /** The whole list with the number of the last change it includes (announcing any change not yet told). */
  follow(): RepositoryList {
    this.announceAll();
    return {
      stream: this.stream,
      seq: this.seq,
      repositories: [...this.current().values()].map((s) => s.summary),
    };
  }

  /** Reads every repository again and announces those that differ (writes, imports, recoveries). */
  announceAll(): void {
    const before = this.current();
    const after = new Map(this.list().map((s) => [s.name, shown(s)] as const));
    const changed = [...after.values()].filter((s) => before.get(s.summary.name)?.json !== s.json);
    const removed = [...before.keys()].filter((name) => !after.has(name));
    this.publish(after, changed, removed);
  }

  /** A repository created, renamed or deleted: only these names are read again; a name gone is removed. */
  announceNames(names: string[]): void {
    const { store, clients } = this.deps;
    const before = this.current();
    const readNow = new Map<string, Shown>();
    for (const asked of names) {
      const name = store.resolve(asked);
      if (name === null) continue;
      try {
        readNow.set(name, shown({ ...store.summary(name), connectedClients: clients.connectedCount(name) }));
      } catch {
        // A damaged or missing file is not listed, as in store.list().
      }
    }
    const after = new Map<string, Shown>();
    for (const name of store.names()) {
      const s = readNow.get(name) ?? before.get(name);
      if (s) after.set(name, s);
    }
    const changed = [...readNow.values()].filter((s) => before.get(s.summary.name)?.json !== s.json);
    const removed = [...before.keys()].filter((name) => !after.has(name));
    this.publish(after, changed, removed);
  }

  /** Clients came or went: only connected-client counts changed, so no database is read. */
  announceCounts(): void {
    const before = this.current();
    const after = new Map<string, Shown>();
    const changed: Shown[] = [];
    for (const [name, s] of before) {
      const connectedClients = this.deps.clients.connectedCount(name);
      if (connectedClients === s.summary.connectedClients) after.set(name, s);
      else {
        const next = shown({ ...s.summary, connectedClients });
        after.set(name, next);
        changed.push(next);
      }
    }
    this.publish(after, changed, []);
  }

  private current(): Map<string, Shown> {
    this.shown ??= new Map(this.list().map((s) => [s.name, shown(s)] as const));
    return this.shown;
  }

  private publish(after: Map<string, Shown>, changed: Shown[], removed: string[]): void {
    const before = this.current();
    this.shown = after;
    const added = changed.some((s) => !before.has(s.summary.name));
    const reordered = added || removed.length > 0 || !sameOrder(before, after);
    if (changed.length === 0 && !reordered) return;
    this.seq++;
    this.deps.events.emit('repositoriesChanged', {
      stream: this.stream,
      seq: this.seq,
      changed: changed.map((s) => s.summary),
      removed,
      ...(reordered ? { order: [...after.keys()] } : {}),
    });
  }
}

const shown = (summary: RepositorySummary): Shown => ({ summary, json: JSON.stringify(summary) });

function sameOrder(a: Map<string, unknown>, b: Map<string, unknown>): boolean {
  if (a.size !== b.size) return false;
  const bKeys = b.keys();
  for (const key of a.keys()) if (bKeys.next().value !== key) return false;
  return true;
}
