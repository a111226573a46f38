import { repositoryKey } from '../../shared/repository-name';

/**
 * Per-repository gates that refuse new connections while a backup, restore or delete needs the
 * repository to itself. Holds nest: the gate opens again when the last hold is released.
 */
export class MaintenanceGates {
  private readonly holds = new Map<string, Map<number, string>>();
  private nextId = 1;

  hold(repository: string, reason: string): () => void {
    const key = repositoryKey(repository);
    const id = this.nextId++;
    let reasons = this.holds.get(key);
    if (!reasons) this.holds.set(key, (reasons = new Map()));
    reasons.set(id, reason);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      reasons.delete(id);
      if (reasons.size === 0 && this.holds.get(key) === reasons) this.holds.delete(key);
    };
  }

  /** Why the repository refuses connections now (the newest hold's reason), or null when it is open. */
  reasonFor(repository: string): string | null {
    const reasons = this.holds.get(repositoryKey(repository));
    if (!reasons || reasons.size === 0) return null;
    return [...reasons.values()].at(-1)!;
  }
}
