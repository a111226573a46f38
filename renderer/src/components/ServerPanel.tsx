import { memo } from 'react';
import type { ServerStatus } from '../../../electron/shared/contract/clients';
import type { ServerInfo } from '../../../electron/shared/contract/server-info';
import { formatDuration } from '../format/time';
import type { Live } from '../state/live';
import { useNow } from '../state/live';
import { AccessTokenFact } from './AccessTokenFact';
import { LiveContent, Panel } from './Panel';

const STATE_WORDS: Record<ServerStatus['state'], string> = {
  running: 'Running',
  stopped: 'Stopped',
  starting: 'Starting…',
  stopping: 'Stopping…',
};

/** Is the server up, where do clients connect, and for how long has it run. */
export const ServerPanel = memo(function ServerPanel({
  status,
  info,
}: {
  status: Live<ServerStatus>;
  info: Live<ServerInfo>;
}) {
  const now = useNow();
  return (
    <Panel id="server" title="Server">
      <LiveContent live={status} what="the client server status">
        {(s) => (
          <>
            {s.lastError && (
              <p role="alert" className="banner banner-danger">
                {s.lastError}
              </p>
            )}
            <dl className="facts" data-testid="server-status">
              <dt>State</dt>
              <dd>
                <span
                  className={`badge ${s.state === 'running' ? 'ok' : s.state === 'stopped' ? 'failed' : 'muted'}`}
                >
                  {STATE_WORDS[s.state]}
                </span>
                {s.state === 'running' && s.startedAt && (
                  <span className="muted"> for {formatDuration(now - Date.parse(s.startedAt))}</span>
                )}
              </dd>
              {s.state === 'running' ? (
                <>
                  <dt>Listening on</dt>
                  <dd>
                    {s.host}, port <strong data-testid="server-port">{s.port}</strong>
                  </dd>
                </>
              ) : (
                <>
                  <dt>Listening on</dt>
                  <dd>
                    <span className="muted">Nothing: clients cannot connect.</span> When started: {s.host},{' '}
                    {s.port === 0 ? (
                      'a free port'
                    ) : (
                      <>
                        port <strong data-testid="server-port">{s.port}</strong>
                      </>
                    )}
                    .
                  </dd>
                </>
              )}
              <dt>Clients connect to</dt>
              <dd>
                {s.state !== 'running' || s.addresses.length === 0 ? (
                  <span className="muted">—</span>
                ) : (
                  s.addresses.map((a) => (
                    <code key={a} className="address">
                      {a}
                    </code>
                  ))
                )}
              </dd>
              <dt>Connected clients</dt>
              <dd>{s.sessionCount}</dd>
              <AccessTokenFact requiredFrom={s.accessTokenRequiredFrom} />
            </dl>
          </>
        )}
      </LiveContent>
      <LiveContent live={info} what="the server info">
        {(i) => (
          <dl className="facts facts-secondary" data-testid="server-info">
            <dt>Application</dt>
            <dd>
              {i.appName} {i.version}
            </dd>
            <dt>Computer</dt>
            <dd>
              {i.hostname} <span className="muted">({i.platform})</span>
            </dd>
            <dt>Data directory</dt>
            <dd>
              <code>{i.dataDir}</code>
            </dd>
            <dt>Running as</dt>
            <dd>{i.host === 'electron' ? 'Desktop app' : 'Headless server (web Control Panel)'}</dd>
          </dl>
        )}
      </LiveContent>
    </Panel>
  );
});
