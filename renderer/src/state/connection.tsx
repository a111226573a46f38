import { createContext, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { CONNECTION_LOST_AFTER_MS } from '../../../electron/shared/contract/server-info';
import { useApi } from '../api/context';

export type ConnectionStatus = 'connected' | 'lost' | 'unauthorized';

export interface Connection {
  status: ConnectionStatus;
  /** When lost: when the server was last heard (ms since the epoch), what the shown values are "as of". */
  lastHeardAt: number | null;
  /** Goes up on every reconnection: whatever was loaded is loaded again then. */
  generation: number;
  /** Try again now instead of waiting for the next attempt. */
  retry(): void;
}

const ConnectionContext = createContext<Connection>({
  status: 'connected',
  lastHeardAt: null,
  generation: 0,
  retry: () => {},
});

export const useConnection = () => useContext(ConnectionContext);
/** Actions are offered only while the server is heard. */
export const useConnected = () => useContext(ConnectionContext).status === 'connected';

/**
 * Whether the Control Panel hears the server, at every moment (ARCHITECTURE §2, "connection truth").
 * The core's heartbeat (and every other event) says it is alive; silence for CONNECTION_LOST_AFTER_MS
 * means it is not — in the desktop app that is the only sign, and it covers a core that hangs or fails.
 * The web console's link also says at once when its stream drops, reopens, or the token is refused.
 */
export function ConnectionProvider({ children }: { children: ReactNode }) {
  const api = useApi();
  const [status, setStatus] = useState<ConnectionStatus>('connected');
  const [lastHeardAt, setLastHeardAt] = useState<number | null>(null);
  const [generation, setGeneration] = useState(0);

  useEffect(() => {
    let current: ConnectionStatus = 'connected';
    let heardAt = Date.now();
    const become = (next: ConnectionStatus) => {
      if (current === 'unauthorized' || next === current) return;
      // Back after a loss: everything shown is loaded again, since anything may have changed meanwhile.
      if (current === 'lost' && next === 'connected') setGeneration((g) => g + 1);
      current = next;
      setStatus(next);
      setLastHeardAt(next === 'connected' ? null : heardAt);
    };
    const heard = () => {
      heardAt = Date.now();
      become('connected');
    };
    const offBeat = api.on('heartbeat', heard);
    const offLink = api.connection?.subscribe((signal) => {
      if (signal === 'open') heard();
      else become(signal);
    });
    const watch = setInterval(() => {
      if (current === 'connected' && Date.now() - heardAt > CONNECTION_LOST_AFTER_MS) {
        become('lost');
        // A stream can look open while nothing comes through it (a hung server, a dead network path).
        api.connection?.reconnect();
      }
    }, 1_000);
    return () => {
      offBeat();
      offLink?.();
      clearInterval(watch);
    };
  }, [api]);

  const value = useMemo(
    () => ({ status, lastHeardAt, generation, retry: () => api.connection?.reconnect() }),
    [status, lastHeardAt, generation, api],
  );
  return <ConnectionContext.Provider value={value}>{children}</ConnectionContext.Provider>;
}
