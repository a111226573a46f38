import { createContext, useContext, type ReactNode } from 'react';
import { formatRelative, formatWhen } from '../format/time';
import { useNow } from '../state/live';

// A long table's times tick without re-rendering its rows: the table reads the clock once and the
// time cells alone follow it. With "now" among a table's dependencies every row of 500 was rendered
// again each second and on every event (bench/panel.bench.ts).

const NowContext = createContext<number | null>(null);

/** The clock (useNow) for the times inside, read once for all of them. */
export function NowProvider({ intervalMs, children }: { intervalMs?: number; children: ReactNode }) {
  const now = useNow(intervalMs);
  return <NowContext.Provider value={now}>{children}</NowContext.Provider>;
}

function useProvidedNow(): number {
  const now = useContext(NowContext);
  if (now === null) throw new Error('A time cell needs a NowProvider around it.');
  return now;
}

/** "5 min ago", "in 3 h", kept current. */
export function TimeAgo({ at }: { at: string | number }) {
  return <>{formatRelative(at, useProvidedNow())}</>;
}

/** "today 14:05" or the date too, kept current (a day passes). */
export function TimeWhen({ at }: { at: string | number }) {
  return <>{formatWhen(at, useProvidedNow())}</>;
}
