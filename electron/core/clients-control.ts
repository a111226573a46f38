/**
 * What backups and restores need from the client server, without depending on it: the building blocks
 * of the connected-clients policy (ARCHITECTURE §4). The client server implements it; tests may use it
 * with a real server on 127.0.0.1.
 */
export interface ClientsControl {
  /** Sessions connected to the repository now. */
  connectedCount(repository: string): number;
  /** Push `{notice: {kind, message, at}}` to every session of the repository. */
  notify(repository: string, notice: { kind: string; message: string }): void;
  /**
   * Refuse new connections to the repository with this reason (a person can read it) until the
   * returned release is called. Holds nest: the gate opens when every hold is released.
   */
  hold(repository: string, reason: string): () => void;
  /** Close every session of the repository with code 4001 and the reason; resolves once all closed. */
  disconnectAll(repository: string, reason: string): Promise<number>;
}
