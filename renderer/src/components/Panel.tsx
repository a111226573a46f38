import type { ReactNode } from 'react';
import { useConnection } from '../state/connection';
import type { Live } from '../state/live';

/** A titled section of the main window; its load error shows inside it, where the user looks. */
export function Panel({
  id,
  title,
  actions,
  children,
  className,
}: {
  id: string;
  title: ReactNode;
  actions?: ReactNode;
  children: ReactNode;
  className?: string;
}) {
  const { lastHeardAt } = useConnection();
  return (
    <section
      aria-labelledby={`${id}-title`}
      className={`panel ${className ?? ''}`}
      data-testid={`${id}-panel`}
    >
      <div className="panel-head">
        <h2 id={`${id}-title`}>{title}</h2>
        {lastHeardAt !== null && (
          // The server is not heard: what this panel shows may have changed since.
          <span className="badge warn stale-badge">
            Last known, {new Date(lastHeardAt).toLocaleTimeString(undefined, { hour12: false })}
          </span>
        )}
        {actions && <div className="panel-actions">{actions}</div>}
      </div>
      {children}
    </section>
  );
}

/** "Loading…", or the core's message when loading failed, or the content. */
export function LiveContent<T>({
  live,
  what,
  children,
}: {
  live: Live<T>;
  what: string;
  children: (value: T) => ReactNode;
}) {
  if (live.value !== null) return <>{children(live.value)}</>;
  if (live.error)
    return (
      <p role="alert" className="load-error">
        Could not load {what}: {live.error.message}
      </p>
    );
  return (
    <p aria-busy="true" className="muted">
      Loading {what}…
    </p>
  );
}
