import type { Repository } from '../storage';
import type { ClientResponse } from './protocol';
import { settledAnswer, type PreparedRequest } from './request-handler';

/** At most this many requests share one transaction (bounds one flush's pause of the event loop). */
export const MAX_REQUESTS_PER_TRANSACTION = 64;

export interface QueuedRequest {
  repo: Repository;
  prepared: PreparedRequest;
  /** Whether its session is still open: a request of a session that went is not run at all. */
  live(): boolean;
  /** Sends the answer (after the COMMIT of the transaction that held the request). */
  answer(response: ClientResponse): void;
}

/**
 * Group commit for client requests (ARCHITECTURE §4): the requests of a repository that arrived in one
 * turn of the event loop run in ONE transaction (each in its own savepoint, Repository.group) at the
 * end of the turn, and are answered after its COMMIT — a commit per request was most of the server's
 * time (issue #17's profile). An acknowledged write is therefore always a committed one.
 */
export class GroupCommit {
  private readonly queues = new Map<Repository, QueuedRequest[]>();
  private scheduled: NodeJS.Immediate | null = null;

  enqueue(request: QueuedRequest): void {
    let queue = this.queues.get(request.repo);
    if (!queue) this.queues.set(request.repo, (queue = []));
    queue.push(request);
    this.scheduled ??= setImmediate(() => {
      this.scheduled = null;
      this.flushAll();
    });
  }

  /** Runs now what is queued for `repo` (before a request that must not overtake them), then `request`. */
  runNow(request: QueuedRequest): void {
    this.flush(request.repo);
    this.run(request.repo, [request]);
  }

  flushAll(): void {
    for (const repo of [...this.queues.keys()]) this.flush(repo);
  }

  private flush(repo: Repository): void {
    const queue = this.queues.get(repo);
    if (!queue) return;
    this.queues.delete(repo);
    for (let i = 0; i < queue.length; i += MAX_REQUESTS_PER_TRANSACTION)
      this.run(repo, queue.slice(i, i + MAX_REQUESTS_PER_TRANSACTION));
  }

  private run(repo: Repository, requests: QueuedRequest[]): void {
    const live = requests.filter((r) => r.live());
    const runs = live.flatMap((r) => (r.prepared.kind === 'run' ? [r.prepared] : []));
    const settled = repo.group(runs.map((p) => p.run));
    let next = 0;
    for (const request of live) {
      const { prepared } = request;
      request.answer(
        prepared.kind === 'answer' ? prepared.response : settledAnswer(prepared, settled[next++]!),
      );
    }
  }

  dispose(): void {
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = null;
    this.queues.clear();
  }
}
