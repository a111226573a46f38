import { useEffect, useState } from 'react';
import type { ServerInfo } from '../../../electron/shared/contract/server-info';
import type { AppError } from '../../../electron/shared/result';
import { useApi } from '../api/context';

/** Who and where this server is: the first thing an administrator checks. */
export function ServerInfoPanel() {
  const api = useApi();
  const [info, setInfo] = useState<ServerInfo | null>(null);
  const [error, setError] = useState<AppError | null>(null);

  useEffect(() => {
    let live = true;
    void api.getServerInfo().then((result) => {
      if (!live) return;
      if (result.ok) setInfo(result.value);
      else setError(result.error);
    });
    return () => {
      live = false;
    };
  }, [api]);

  if (error) return <p role="alert">Could not read the server info: {error.message}</p>;
  if (!info) return <p aria-busy="true">Loading server info…</p>;
  return (
    <section aria-labelledby="server-info-title" className="panel">
      <h2 id="server-info-title">Server</h2>
      <dl className="facts" data-testid="server-info">
        <dt>Application</dt>
        <dd>
          {info.appName} {info.version}
        </dd>
        <dt>Host name</dt>
        <dd>{info.hostname}</dd>
        <dt>Platform</dt>
        <dd>{info.platform}</dd>
        <dt>Data directory</dt>
        <dd>
          <code>{info.dataDir}</code>
        </dd>
        <dt>Started</dt>
        <dd>
          <time dateTime={info.startedAt}>{new Date(info.startedAt).toLocaleString()}</time>
        </dd>
        <dt>Running as</dt>
        <dd>{info.host === 'electron' ? 'Desktop app' : 'Headless server (web Control Panel)'}</dd>
      </dl>
    </section>
  );
}
