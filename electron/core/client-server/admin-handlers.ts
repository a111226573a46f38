import type { CoreHandlers } from '../../shared/contract';
import type { ClientSession } from '../../shared/contract/clients';
import type { NumberedAnnouncer } from '../numbered-announcer';
import type { SettingsService } from '../settings';
import { ensureAccessToken, rotateAccessToken } from './access-token';
import type { ClientServer } from './client-server';

type ClientMethods =
  | 'getServerStatus'
  | 'startClientServer'
  | 'stopClientServer'
  | 'changePort'
  | 'listClients'
  | 'followClients'
  | 'disconnectClient'
  | 'getClientAccessToken'
  | 'newClientAccessToken';

/** The client-server methods of the contract: status, start, stop, change port, clients, token. */
export function clientAdminHandlers(
  server: ClientServer,
  settings: SettingsService,
  /** clientsChanged's announcer: the list with the number of the last change it includes. */
  announcer: Pick<NumberedAnnouncer<ClientSession>, 'follow'>,
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
    followClients: async () => {
      const { stream, seq, items } = announcer.follow();
      return { stream, seq, clients: items };
    },
    disconnectClient: async ({ id, reason }) => {
      await server.disconnect(id, reason ?? 'Disconnected by the administrator.');
      return null;
    },
    getClientAccessToken: async () => tokenAnswer(ensureAccessToken(settings)),
    newClientAccessToken: async () => tokenAnswer(rotateAccessToken(settings)),
  };
}
