import type { CoreHandlers } from '../../shared/contract';
import type { SettingsService } from '../settings';
import { ensureAccessToken, rotateAccessToken } from './access-token';
import type { ClientServer } from './client-server';

type ClientMethods =
  | 'getServerStatus'
  | 'startClientServer'
  | 'stopClientServer'
  | 'changePort'
  | 'listClients'
  | 'disconnectClient'
  | 'getClientAccessToken'
  | 'newClientAccessToken';

/** The client-server methods of the contract: status, start, stop, change port, clients, token. */
export function clientAdminHandlers(
  server: ClientServer,
  settings: SettingsService,
): Pick<CoreHandlers, ClientMethods> {
  const tokenAnswer = (token: string) => ({
    token,
    requiredFrom: settings.get().clientServer.tokenRequiredFrom,
  });
  return {
    getServerStatus: async () => server.status(),
    startClientServer: async () => server.start(),
    stopClientServer: async () => server.stop(),
    changePort: async ({ port }) => server.changePort(port),
    listClients: async () => server.listSessions(),
    disconnectClient: async ({ id, reason }) => {
      await server.disconnect(id, reason ?? 'Disconnected by the administrator.');
      return null;
    },
    getClientAccessToken: async () => tokenAnswer(ensureAccessToken(settings)),
    newClientAccessToken: async () => tokenAnswer(rotateAccessToken(settings)),
  };
}
