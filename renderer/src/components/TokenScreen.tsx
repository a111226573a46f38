import { useState } from 'react';
import { Button } from 'react-aria-components';
import { parseTokenInput, rememberToken } from '../api';
import { TextInput } from '../dialogs/fields';

/**
 * The one screen for a page without a token the server takes (none in the address, an old bookmark after
 * `serve --new-token`): what happened and what to do, instead of an error in every panel.
 */
export function TokenScreen({ reason }: { reason: 'missing' | 'refused' }) {
  const [input, setInput] = useState('');
  const [error, setError] = useState<string | null>(null);
  const open = () => {
    const parsed = parseTokenInput(input, window.location.href);
    if (!parsed)
      return setError('Paste the whole address that "repo-server serve" printed, or the token in it.');
    rememberToken(window, parsed.token);
    window.location.assign(parsed.url);
  };
  return (
    <main className="token-screen" aria-labelledby="token-title">
      <h1 id="token-title">Repository Server — Control Panel</h1>
      <div role="alert" className="banner banner-danger">
        {reason === 'missing' ? (
          <p>
            <strong>This page has no access token.</strong> Open the full URL that "repo-server serve"
            printed: it carries the access token.
          </p>
        ) : (
          <p>
            <strong>The server did not accept this page's access token.</strong> It was replaced (
            <code>repo-server serve --new-token</code>) or this address is not the one the server printed.
            Open the full URL that "repo-server serve" printed.
          </p>
        )}
      </div>
      <p>
        The server prints that address when it starts, and keeps the token in the file{' '}
        <code>console-token</code> of its data directory (readable only by the user it runs as). Paste the
        address, or the token alone, here:
      </p>
      <form
        className="with-button"
        onSubmit={(e) => {
          e.preventDefault();
          open();
        }}
      >
        <TextInput
          label="Address or token"
          value={input}
          autoFocus
          onChange={(v) => {
            setInput(v);
            setError(null);
          }}
          error={error}
          placeholder="http://127.0.0.1:53480/?token=…"
        />
        <Button className="button primary" type="submit">
          Open
        </Button>
      </form>
    </main>
  );
}
