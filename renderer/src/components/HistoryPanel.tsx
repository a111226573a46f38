import { Cell, Column, Row, Table, TableBody, TableHeader } from 'react-aria-components';
import type { HistoryEntry } from '../../../electron/shared/contract/archives';
import { formatSize } from '../../../electron/shared/format-size';
import { formatDuration, formatWhen } from '../format/time';
import { memo } from 'react';
import { useNow, type Live } from '../state/live';
import { LiveContent, Panel } from './Panel';

const KIND_WORDS: Record<HistoryEntry['kind'], string> = {
  backup: 'Backup',
  export: 'Export',
  import: 'Import',
  verify: 'Verify',
  drill: 'Restore test',
  recover: 'Recovery',
};
const TRIGGER_WORDS: Record<HistoryEntry['trigger'], string> = {
  manual: 'by hand',
  schedule: 'scheduled',
  'pre-restore': 'safety, before a restore',
  cli: 'from the CLI',
};
const STATUS_CLASS: Record<HistoryEntry['status'], string> = {
  ok: 'ok',
  failed: 'failed',
  running: 'muted',
  cancelled: 'muted',
  skipped: 'warn',
};
const STATUS_WORDS: Record<HistoryEntry['status'], string> = {
  ok: 'OK',
  failed: 'Failed',
  running: 'Running',
  cancelled: 'Cancelled',
  skipped: 'Skipped',
};

/** Every recent export, import and backup, newest first. */
export const HistoryPanel = memo(function HistoryPanel({ history }: { history: Live<HistoryEntry[]> }) {
  const now = useNow(30_000);
  return (
    <Panel id="history" title="Recent history">
      <LiveContent live={history} what="the history">
        {(list) => (
          <Table aria-label="Recent history" className="table">
            <TableHeader>
              <Column isRowHeader>When</Column>
              <Column>What</Column>
              <Column>Repository</Column>
              <Column>Result</Column>
              <Column className="num">Size</Column>
              <Column className="num">Took</Column>
              <Column>File or error</Column>
            </TableHeader>
            <TableBody
              items={list}
              dependencies={[now]}
              renderEmptyState={() => <p className="empty">Nothing has run yet.</p>}
            >
              {(h) => (
                <Row id={h.id} className="row" textValue={`${h.kind} ${h.repository ?? ''}`}>
                  <Cell className="nowrap">{formatWhen(h.startedAt, now)}</Cell>
                  <Cell className="nowrap">
                    {KIND_WORDS[h.kind]} <span className="muted">{TRIGGER_WORDS[h.trigger]}</span>
                  </Cell>
                  <Cell>{h.repository ?? '—'}</Cell>
                  <Cell>
                    <span className={`badge ${STATUS_CLASS[h.status]}`}>{STATUS_WORDS[h.status]}</span>
                  </Cell>
                  <Cell className="num">{formatSize(h.sizeBytes)}</Cell>
                  <Cell className="num">{h.durationMs === null ? '—' : formatDuration(h.durationMs)}</Cell>
                  <Cell>
                    {h.error ? (
                      // A cancelled job's note is not an error: muted, like its badge.
                      <span className={h.status === 'failed' ? 'cell-error' : 'muted'}>{h.error}</span>
                    ) : (
                      <code className="path">{h.file ?? ''}</code>
                    )}
                  </Cell>
                </Row>
              )}
            </TableBody>
          </Table>
        )}
      </LiveContent>
    </Panel>
  );
});
