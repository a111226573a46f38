import { Button, Cell, Column, Row, Table, TableHeader } from 'react-aria-components';
import type { ClientSession } from '../../../electron/shared/contract/clients';
import { memo, useMemo, useState } from 'react';
import { useApi } from '../api/context';
import { useConnected } from '../state/connection';
import type { Live } from '../state/live';
import { useStableItems } from '../state/stable-items';
import { NowProvider, TimeAgo, TimeWhen } from './LiveTime';
import { LiveContent, Panel } from './Panel';
import { LongTable, longTableClass } from './LongTable';
import { rowValueOf, SourcedBody, useItemsSource, useRowValues } from './SourcedBody';

/** Who is connected, to what, since when; Disconnect shows its error in the row. */
export const ClientsTable = memo(function ClientsTable({ clients }: { clients: Live<ClientSession[]> }) {
  const api = useApi();
  const [rowErrors, setRowErrors] = useState<Record<string, string>>({});
  const [pending, setPending] = useState<string | null>(null);
  const connected = useConnected();

  const disconnect = async (c: { id: string }) => {
    setPending(c.id);
    const result = await api.disconnectClient({ id: c.id, reason: 'Disconnected by the administrator.' });
    setPending(null);
    setRowErrors((e) => {
      const { [c.id]: _old, ...rest } = e;
      return result.ok ? rest : { ...rest, [c.id]: result.error.message };
    });
  };

  // A row's item is what stays while the session lasts, so its work (last activity, operations) does
  // not change the table's collection (react-aria renders every row in view again when it does); those,
  // with the row's error and pending state, are read by its cells (RowValue).
  const { sessions, rowValues } = useMemo(() => {
    const list = clients.value ?? [];
    return {
      sessions: list.map(({ id, label, address, repository, connectedSince }) => ({
        id,
        label,
        address,
        repository,
        connectedSince,
      })),
      rowValues: list.map((c) => ({
        id: c.id,
        lastActivity: c.lastActivity,
        operations: c.operations,
        rowError: rowErrors[c.id] ?? null,
        pending: pending === c.id,
      })),
    };
  }, [clients.value, rowErrors, pending]);
  const values = useRowValues(useStableItems(rowValues));
  const items = useStableItems(sessions);
  const source = useItemsSource(items);
  const tableClass = longTableClass(items.length);
  // Kept while only the rows change: those reach the body alone (SourcedBody, RepositoriesTable).
  // `disconnect` only calls the API and sets state, so the rows may keep the one of their first render.
  const table = useMemo(
    () => (
      <Table aria-label="Connected clients" className={tableClass}>
        <TableHeader>
          <Column isRowHeader width="1.2fr">
            Client
          </Column>
          <Column width="1.4fr">Address</Column>
          <Column width="1.2fr">Repository</Column>
          <Column width="1fr">Connected</Column>
          <Column width="1fr">Last activity</Column>
          <Column className="num" width="0.8fr" minWidth={100}>
            Operations
          </Column>
          <Column width={120}>
            <span className="visually-hidden">Actions</span>
          </Column>
        </TableHeader>
        <SourcedBody
          source={source}
          dependencies={[connected]}
          renderEmptyState={() => <p className="empty">No client is connected.</p>}
        >
          {(c) => {
            const value = rowValueOf(values, c.id);
            return (
              <Row id={c.id} className="row" textValue={c.label}>
                <Cell>
                  <strong>{c.label}</strong>
                  {value(
                    (v) =>
                      v.rowError && (
                        <span role="alert" className="cell-error">
                          {' '}
                          {v.rowError}
                        </span>
                      ),
                  )}
                </Cell>
                <Cell>
                  <code>{c.address}</code>
                </Cell>
                <Cell>{c.repository}</Cell>
                <Cell>
                  <TimeWhen at={c.connectedSince} />
                </Cell>
                <Cell>
                  {value((v) => (
                    <TimeAgo at={v.lastActivity} />
                  ))}
                </Cell>
                <Cell className="num">{value((v) => v.operations)}</Cell>
                <Cell>
                  {value((v) => (
                    <Button
                      className="button small"
                      aria-label={`Disconnect ${c.label}`}
                      isDisabled={v.pending || !connected}
                      onPress={() => void disconnect(c)}
                    >
                      Disconnect
                    </Button>
                  ))}
                </Cell>
              </Row>
            );
          }}
        </SourcedBody>
      </Table>
    ),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [tableClass, connected, source, values],
  );

  return (
    <Panel id="clients" title="Connected clients">
      <LiveContent live={clients} what="the connected clients">
        {() => (
          <NowProvider>
            <LongTable rows={items.length}>{table}</LongTable>
          </NowProvider>
        )}
      </LiveContent>
    </Panel>
  );
});
