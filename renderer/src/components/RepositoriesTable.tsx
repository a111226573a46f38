import {
  Button,
  Cell,
  Column,
  Row,
  Table,
  TableBody,
  TableHeader,
  type Selection,
} from 'react-aria-components';
import type { RepositorySummary } from '../../../electron/shared/contract/repositories';
import type { BackupStatus } from '../../../electron/shared/contract/schedule';
import { formatSize } from '../../../electron/shared/format-size';
import { sameRepositoryName } from '../../../electron/shared/repository-name';
import { formatRelative } from '../format/time';
import { useNow, type Live } from '../state/live';
import { LiveContent, Panel } from './Panel';

interface RepositoriesTableProps {
  repositories: Live<RepositorySummary[]>;
  backup: BackupStatus | null;
  selected: string | null;
  onSelect(name: string | null): void;
  onOpen(name: string): void;
  /** The empty first screen offers to recover the whole server from a backup folder. */
  onRecover?: () => void;
}

export function RepositoriesTable({
  repositories,
  backup,
  selected,
  onSelect,
  onOpen,
  onRecover,
}: RepositoriesTableProps) {
  const now = useNow();
  const isIncluded = (name: string) => (backup?.repositories ?? []).some((n) => sameRepositoryName(n, name));
  const stateOf = (name: string) => backup?.perRepository.find((r) => sameRepositoryName(r.name, name));

  return (
    <Panel id="repositories" title="Repositories">
      <LiveContent live={repositories} what="the repositories">
        {(list) => (
          <Table
            aria-label="Repositories"
            className="table"
            selectionMode="single"
            selectionBehavior="replace"
            selectedKeys={selected ? [selected] : []}
            onSelectionChange={(keys: Selection) => {
              const key = keys === 'all' ? null : ([...keys][0] ?? null);
              onSelect(key === null ? null : String(key));
            }}
            onRowAction={(key) => onOpen(String(key))}
          >
            <TableHeader>
              <Column isRowHeader>Name</Column>
              <Column className="num">Size</Column>
              <Column className="num">Items</Column>
              <Column className="num">Clients</Column>
              <Column>Auto-backup</Column>
              <Column>Last backup</Column>
            </TableHeader>
            <TableBody
              items={list.map((r) => ({ ...r, id: r.name }))}
              dependencies={[backup, now]}
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
                const state = stateOf(r.name);
                const last = state?.lastResult;
                return (
                  <Row id={r.name} className="row" textValue={r.name}>
                    <Cell>
                      <strong>{r.name}</strong>
                    </Cell>
                    <Cell className="num">{formatSize(r.sizeBytes)}</Cell>
                    <Cell className="num">{r.itemCount}</Cell>
                    <Cell className="num">{r.connectedClients}</Cell>
                    <Cell>
                      {isIncluded(r.name) ? 'Included' : <span className="muted">Not included</span>}
                    </Cell>
                    <Cell>
                      {state?.overdue && <span className="badge failed">Overdue</span>}{' '}
                      {!last ? (
                        <span className="muted">Never</span>
                      ) : (
                        <span title={last.error ?? last.file ?? undefined}>
                          <span
                            className={`badge ${last.status === 'ok' ? 'ok' : last.status === 'failed' ? 'failed' : 'muted'}`}
                          >
                            {last.status === 'ok' ? 'OK' : last.status === 'failed' ? 'Failed' : 'Skipped'}
                          </span>{' '}
                          {formatRelative(last.at, now)}
                          {last.status === 'ok' &&
                            last.sizeBytes !== null &&
                            `, ${formatSize(last.sizeBytes)}`}
                          {last.status !== 'ok' && last.error && (
                            <span className="cell-error"> {last.error}</span>
                          )}
                        </span>
                      )}
                    </Cell>
                  </Row>
                );
              }}
            </TableBody>
          </Table>
        )}
      </LiveContent>
    </Panel>
  );
}
