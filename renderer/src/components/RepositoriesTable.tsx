import {
  Button,
  Cell,
  Column,
  Row,
  Table,
  TableHeader,
  type Key,
  type Selection,
} from 'react-aria-components';
import type { RepositorySummary } from '../../../electron/shared/contract/repositories';
import type { BackupStatus, RepositoryBackupState } from '../../../electron/shared/contract/schedule';
import { memo, useCallback, useMemo } from 'react';
import { formatSize } from '../../../electron/shared/format-size';
import { repositoryKey } from '../../../electron/shared/repository-name';
import type { Live } from '../state/live';
import { useStableItems } from '../state/stable-items';
import { NowProvider, TimeAgo } from './LiveTime';
import { LiveContent, Panel } from './Panel';
import { LongTable, longTableClass } from './LongTable';
import { rowValueOf, SourcedBody, useItemsSource, useRowValues } from './SourcedBody';

interface RepositoriesTableProps {
  repositories: Live<RepositorySummary[]>;
  backup: BackupStatus | null;
  selected: string | null;
  onSelect(name: string | null): void;
  onOpen(name: string): void;
  /** The empty first screen offers to recover the whole server from a backup folder. */
  onRecover?: () => void;
}

export const RepositoriesTable = memo(function RepositoriesTable({
  repositories,
  backup,
  selected,
  onSelect,
  onOpen,
  onRecover,
}: RepositoriesTableProps) {
  // A row's item is its name alone, so a count or a backup result does not change the table's collection
  // (react-aria renders every row in view again when it does); the values it shows are read by its
  // cells (RowValue). Each row's part of the backup status is looked up by key, not scanned per row.
  const { names, rowValues } = useMemo(() => {
    const included = new Set((backup?.repositories ?? []).map(repositoryKey));
    const states = new Map((backup?.perRepository ?? []).map((r) => [repositoryKey(r.name), r]));
    const list = repositories.value ?? [];
    return {
      names: list.map((r) => ({ id: r.name, name: r.name })),
      rowValues: list.map((r) => {
        const key = repositoryKey(r.name);
        const state = states.get(key);
        return {
          id: r.name,
          sizeBytes: r.sizeBytes,
          itemCount: r.itemCount,
          connectedClients: r.connectedClients,
          included: included.has(key),
          overdue: state?.overdue ?? false,
          last: state?.lastResult ?? null,
        };
      }),
    };
  }, [repositories.value, backup]);
  const values = useRowValues(useStableItems(rowValues));
  const items = useStableItems(names);
  // The same selection and handlers while they do not change, so the table below is kept (see there).
  const selectedKeys = useMemo(() => (selected ? [selected] : []), [selected]);
  const onSelectionChange = useCallback(
    (keys: Selection) => {
      const key = keys === 'all' ? null : ([...keys][0] ?? null);
      onSelect(key === null ? null : String(key));
    },
    [onSelect],
  );
  const onRowAction = useCallback((key: Key) => onOpen(String(key)), [onOpen]);
  const source = useItemsSource(items);
  const tableClass = longTableClass(items.length);
  // Kept while only the rows change: those reach the body alone (SourcedBody), so the rows and cells in
  // view render once for a change, not once with the table and again with its new collection.
  const table = useMemo(
    () => (
      <Table
        aria-label="Repositories"
        className={tableClass}
        selectionMode="single"
        selectionBehavior="replace"
        selectedKeys={selectedKeys}
        onSelectionChange={onSelectionChange}
        onRowAction={onRowAction}
      >
        <TableHeader>
          <Column isRowHeader width="2fr">
            Name
          </Column>
          <Column className="num" width="1fr">
            Size
          </Column>
          <Column className="num" width="0.7fr">
            Items
          </Column>
          <Column className="num" width="0.7fr">
            Clients
          </Column>
          <Column width="1fr">Auto-backup</Column>
          <Column width="2fr">Last backup</Column>
        </TableHeader>
        <SourcedBody
          source={source}
          renderEmptyState={() => (
            <div className="empty">
              <p>No repositories yet. Use Add to create one.</p>
              {onRecover && (
                <p>
                  Setting up this server again?{' '}
                  <Button className="button small" onPress={onRecover}>
                    Recover from a backup folder…
                  </Button>
                </p>
              )}
            </div>
          )}
        >
          {(r) => {
            const value = rowValueOf(values, r.id);
            return (
              <Row id={r.id} className="row" textValue={r.name}>
                <Cell>
                  <strong>{r.name}</strong>
                </Cell>
                <Cell className="num">{value((v) => formatSize(v.sizeBytes))}</Cell>
                <Cell className="num">{value((v) => v.itemCount)}</Cell>
                <Cell className="num">{value((v) => v.connectedClients)}</Cell>
                <Cell>
                  {value((v) => (v.included ? 'Included' : <span className="muted">Not included</span>))}
                </Cell>
                <Cell>
                  {value((v) => (
                    <LastBackup overdue={v.overdue} last={v.last} />
                  ))}
                </Cell>
              </Row>
            );
          }}
        </SourcedBody>
      </Table>
    ),
    [tableClass, selectedKeys, onSelectionChange, onRowAction, onRecover, source, values],
  );

  return (
    <Panel id="repositories" title="Repositories">
      <LiveContent live={repositories} what="the repositories">
        {() => (
          <NowProvider>
            <LongTable rows={items.length}>{table}</LongTable>
          </NowProvider>
        )}
      </LiveContent>
    </Panel>
  );
});

/** A row's last backup: its result, when, its size or error; "Overdue" before it when it is. */
function LastBackup({ overdue, last }: { overdue: boolean; last: RepositoryBackupState['lastResult'] }) {
  return (
    <>
      {overdue && <span className="badge failed">Overdue</span>}{' '}
      {!last ? (
        <span className="muted">Never</span>
      ) : (
        <span title={last.error ?? last.file ?? undefined}>
          <span
            className={`badge ${last.status === 'ok' ? 'ok' : last.status === 'failed' ? 'failed' : 'muted'}`}
          >
            {last.status === 'ok' ? 'OK' : last.status === 'failed' ? 'Failed' : 'Skipped'}
          </span>{' '}
          <TimeAgo at={last.at} />
          {last.status === 'ok' && last.sizeBytes !== null && `, ${formatSize(last.sizeBytes)}`}
          {last.status !== 'ok' && last.error && <span className="cell-error"> {last.error}</span>}
        </span>
      )}
    </>
  );
}
