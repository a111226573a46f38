import { useState } from 'react';
import { Button } from 'react-aria-components';
import type { ServerStatus } from '../../../electron/shared/contract/clients';
import { useApi } from '../api/context';
import { useConnected } from '../state/connection';

const REQUIRED_FROM: Record<ServerStatus['accessTokenRequiredFrom'], string> = {
  'other-machines': 'Required from clients on other machines',
  'every-client': 'Required from every client',
};

/**
 * The client access token: who needs it, and (on request) the token itself with how a test tool sends
 * it. Hidden until asked for, so it is not on screen for whoever looks over the administrator's shoulder.
 */
export function AccessTokenFact({ requiredFrom }: { requiredFrom: ServerStatus['accessTokenRequiredFrom'] }) {
  const api = useApi();
  const [token, setToken] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const connected = useConnected();
  const show = async () => {
    const result = await api.getClientAccessToken();
    if (result.ok) setToken(result.value.token);
    setError(result.ok ? null : result.error.message);
  };
  return (
    <>
      <dt>Access token</dt>
      <dd data-testid="access-token">
        {REQUIRED_FROM[requiredFrom]}{' '}
        {token === null ? (
          <Button className="button small" isDisabled={!connected} onPress={() => void show()}>
            Show token
          </Button>
        ) : (
          <>
            <code className="address" data-testid="access-token-value">
              {token}
            </code>
            <span className="muted">
              {' '}
              A test tool sends it as <code>Authorization: Bearer …</code> or adds <code>?token=…</code> to
              the address.
            </span>
          </>
        )}
        {error && (
          <span role="alert" className="field-error">
            {' '}
            {error}
          </span>
        )}
      </dd>
    </>
  );
}
