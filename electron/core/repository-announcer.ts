import type { RepositoryList, RepositorySummary } from '../shared/contract/repositories';
import type { EventBus } from './event-bus';
import { NumberedAnnouncer, shown, type Shown } from './numbered-announcer';
import type { RepositoryStore } from './storage';

/** What counts a repository's connected clients (the client server). */
export interface ConnectedCounts {
  connectedCount(name: string): number;
}

/**
 * repositoriesChanged carries only what changed, numbered: every summary was sent on every change (500
 * summaries, read from 500 databases, validated and serialised, when one client connected or one
 * repository was created), and the Control Panel took them all in again. The announcer keeps what it
 * last announced (NumberedAnnouncer, the rule clientsChanged follows too); `followRepositories` answers
 * that list with its number, so the panel knows which changes come after it.
 */
export class RepositoryAnnouncer {
  private readonly numbered: NumberedAnnouncer<RepositorySummary>;

  constructor(private readonly deps: { store: RepositoryStore; clients: ConnectedCounts; events: EventBus }) {
    this.numbered = new NumberedAnnouncer({
      keyOf: (r) => r.name,
      read: () => this.list(),
      emit: (change) => deps.events.emit('repositoriesChanged', change),
    });
  }

  /** Every repository, as the Control Panel lists them. */
  list(): RepositorySummary[] {
    return this.deps.store.list().map((r) => this.withClients(r));
  }

  /** One repository, as the Control Panel lists it (throws for one that cannot be read). */
  summaryOf(name: string): RepositorySummary {
    return this.withClients(this.deps.store.summary(name));
  }

  private withClients<R extends { name: string }>(stored: R): R & { connectedClients: number } {
    return { ...stored, connectedClients: this.deps.clients.connectedCount(stored.name) };
  }

  /** The whole list with the number of the last change it includes (announcing any change not yet told). */
  follow(): RepositoryList {
    const { stream, seq, items } = this.numbered.follow();
    return { stream, seq, repositories: items };
  }

  /** Reads every repository again and announces those that differ (writes, imports, recoveries). */
  announceAll(): void {
    this.numbered.announceAll();
  }

  /** A repository created, renamed or deleted: only these names are read again; a name gone is removed. */
  announceNames(names: string[]): void {
    const { store } = this.deps;
    const before = this.numbered.current();
    const readNow = new Map<string, Shown<RepositorySummary>>();
    for (const asked of names) {
      const name = store.resolve(asked);
      if (name === null) continue;
      try {
        readNow.set(name, shown(this.summaryOf(name)));
      } catch {
        // A damaged or missing file is not listed, as in store.list().
      }
    }
    const after = new Map<string, Shown<RepositorySummary>>();
    for (const name of store.names()) {
      const s = readNow.get(name) ?? before.get(name);
      if (s) after.set(name, s);
    }
    const changed = [...readNow].filter(([name, s]) => before.get(name)?.json !== s.json).map(([, s]) => s);
    const removed = [...before.keys()].filter((name) => !after.has(name));
    this.numbered.publish(after, changed, removed);
  }

  /** Clients came or went: only connected-client counts changed, so no database is read. */
  announceCounts(): void {
    const before = this.numbered.current();
    const after = new Map<string, Shown<RepositorySummary>>();
    const changed: Shown<RepositorySummary>[] = [];
    for (const [name, s] of before) {
      const connectedClients = this.deps.clients.connectedCount(name);
      if (connectedClients === s.item.connectedClients) after.set(name, s);
      else {
        const next = shown({ ...s.item, connectedClients });
        after.set(name, next);
        changed.push(next);
      }
    }
    this.numbered.publish(after, changed, []);
  }
}
