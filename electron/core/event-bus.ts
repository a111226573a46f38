import { events, type EventName, type EventPayload } from '../shared/contract';

type AnyListener = (name: EventName, payload: unknown) => void;

/** The core's events, typed by the contract. Hosts subscribe with onAny and forward to their UIs. */
export class EventBus {
  private listeners = new Set<AnyListener>();

  emit<E extends EventName>(name: E, payload: EventPayload<E>): void {
    // Validate here so a malformed event is caught in tests, not in a renderer far away.
    const parsed = events[name].payload.parse(payload);
    for (const listener of this.listeners) {
      try {
        listener(name, parsed);
      } catch {
        // One broken subscriber must not stop the others or the emitter.
      }
    }
  }

  onAny(listener: AnyListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  on<E extends EventName>(name: E, listener: (payload: EventPayload<E>) => void): () => void {
    return this.onAny((n, payload) => {
      if (n === name) listener(payload as EventPayload<E>);
    });
  }
}
