import { useState } from 'react';
import { Button, Cell, Column, Row, Table, TableBody, TableHeader } from 'react-aria-components';
import type { ClientSession } from '../../../electron/shared/contract/clients';
import { formatRelative, formatWhen } from '../format/time';
import { useApi } from '../api/context';
import { useConnected } from '../state/connection';
import { useNow, type Live } from '../state/live';
import { LiveContent, Panel } from './Panel';

/** Who is connected, to what, since when; Disconnect shows its error in the row. */
export function ClientsTable({ clients }: { clients: Live<ClientSession[]> }) {
  const api = useApi();
  const now = useNow();
  const [rowErrors, setRowErrors] = useState<Record<string, string>>({});
  const [pending, setPending] = useState<string | null>(null);
  const connected = useConnected();

  const disconnect = async (c: ClientSession) => {
    setPending(c.id);
    const result = await api.disconnectClient({ id: c.id, reason: 'Disconnected by the administrator.' });
    setPending(null);
    setRowErrors((e) => {
      const { [c.id]: _old, ...rest } = e;
      return result.ok ? rest : { ...rest, [c.id]: result.error.message };
    });
  };

  return (
    <Panel id="clients" title="Connected clients">
      <LiveContent live={clients} what="the connected clients">
        {(list) => (
          <Table aria-label="Connected clients" className="table">
            <TableHeader>
              <Column isRowHeader>Client</Column>
              <Column>Address</Column>
              <Column>Repository</Column>
              <Column>Connected</Column>
              <Column>Last activity</Column>
              <Column className="num">Operations</Column>
              <Column>
                <span className="visually-hidden">Actions</span>
              </Column>
            </TableHeader>
            <TableBody
              items={list}
              dependencies={[rowErrors, pending, now, connected]}
              renderEmptyState={() => <p className="empty">No client is connected.</p>}
            >
              {(c) => (
                <Row id={c.id} className="row" textValue={c.label}>
                  <Cell>
                    <strong>{c.label}</strong>
                    {rowErrors[c.id] && (
                      <span role="alert" className="cell-error">
                        {' '}
                        {rowErrors[c.id]}
                      </span>
                    )}
                  </Cell>
                  <Cell>
                    <code>{c.address}</code>
                  </Cell>
                  <Cell>{c.repository}</Cell>
                  <Cell>{formatWhen(c.connectedSince, now)}</Cell>
                  <Cell>{formatRelative(c.lastActivity, now)}</Cell>
                  <Cell className="num">{c.operations}</Cell>
                  <Cell>
                    <Button
                      className="button small"
                      aria-label={`Disconnect ${c.label}`}
                      isDisabled={pending === c.id || !connected}
                      onPress={() => void disconnect(c)}
                    >
                      Disconnect
                    </Button>
                  </Cell>
                </Row>
              )}
            </TableBody>
          </Table>
        )}
      </LiveContent>
    </Panel>
  );
}
