import type { CoreHandlers } from '../../shared/contract';
import type { ClientServer } from './client-server';

type ClientMethods =
  | 'getServerStatus'
  | 'startClientServer'
  | 'stopClientServer'
  | 'changePort'
  | 'listClients'
  | 'disconnectClient';

/** The client-server methods of the contract: status, start, stop, change port, clients. */
export function clientAdminHandlers(server: ClientServer): Pick<CoreHandlers, ClientMethods> {
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
  };
}
