import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { ApiContext } from '../api/context';
import { fakeApi } from '../testing/fake-api';
import { AccessTokenFact } from './AccessTokenFact';

describe('AccessTokenFact', () => {
  it('says who needs the token, and shows it with how a test tool sends it only when asked', async () => {
    const api = fakeApi({
      getClientAccessToken: async () => ({ token: 'tok-123456789', requiredFrom: 'other-machines' }),
    });
    render(
      <ApiContext.Provider value={api}>
        <dl>
          <AccessTokenFact requiredFrom="other-machines" />
        </dl>
      </ApiContext.Provider>,
    );
    expect(screen.getByTestId('access-token')).toHaveTextContent('Required from clients on other machines');
    expect(screen.queryByText('tok-123456789')).toBeNull();
    await userEvent.click(screen.getByRole('button', { name: 'Show token' }));
    expect(await screen.findByTestId('access-token-value')).toHaveTextContent('tok-123456789');
    expect(screen.getByTestId('access-token')).toHaveTextContent('Authorization: Bearer …');
  });
});
