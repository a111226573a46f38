import { useEffect, useState } from 'react';
import { Button } from 'react-aria-components';
import { formatDuration } from '../format/time';
import { useConnection } from '../state/connection';

/**
 * One banner while the server is not heard, above everything (an open dialog too): what happened, that
 * it is being retried, and since when the values on the page are old.
 */
export function ConnectionBanner() {
  const { status, lastHeardAt, retry } = useConnection();
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (status !== 'lost') return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [status]);
  if (status !== 'lost') return null;
  const heard = lastHeardAt ?? now;
  const at = new Date(heard).toLocaleTimeString(undefined, { hour12: false });
  return (
    <section className="connection-banner" aria-label="Connection" data-testid="connection-banner">
      <div role="alert">
        <strong>Lost the connection to the server — retrying…</strong>{' '}
        <span>
          Nothing can be changed until it is back. The values below are as of {at} (
          {formatDuration(Math.max(0, now - heard))} ago).
        </span>
      </div>
      <Button className="button small" onPress={retry}>
        Retry now
      </Button>
    </section>
  );
}
