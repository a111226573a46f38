import { memo } from 'react';
import type { ReactNode } from 'react';
import { Button, Group, Toolbar } from 'react-aria-components';

export type ToolbarAction =
  | 'start'
  | 'stop'
  | 'add'
  | 'rename'
  | 'delete'
  | 'import'
  | 'export'
  | 'backups'
  | 'schedule'
  | 'backup-now'
  | 'port'
  | 'desktop-settings';

interface MainToolbarProps {
  serverRunning: boolean | null;
  selected: string | null;
  backupRunning: boolean;
  /** The desktop app: it also has settings of its own (launch at login, notifications, logs). */
  desktop: boolean;
  /** The server is not heard: every action waits for it. */
  offline: boolean;
  onAction(action: ToolbarAction): void;
}

/**
 * The reference's toolbar in groups — repositories, archives, backup, server — that wrap as wholes on a
 * narrow window (never a lone button or a stray separator). Arrow keys move between the buttons. The
 * server's own buttons come last, so the first Tab stop is not the one that disconnects everybody.
 */
export const MainToolbar = memo(function MainToolbar({
  serverRunning,
  selected,
  backupRunning,
  desktop,
  offline,
  onAction,
}: MainToolbarProps) {
  const b = (
    action: ToolbarAction,
    label: string,
    opts: { disabled?: boolean; title?: string; primary?: boolean } = {},
  ) => (
    <Button
      className={`tool ${opts.primary ? 'primary' : ''}`}
      isDisabled={offline || opts.disabled}
      onPress={() => onAction(action)}
      aria-label={opts.title}
    >
      {label}
    </Button>
  );
  const group = (label: string, children: ReactNode) => (
    <Group aria-label={label} className="tool-group">
      {children}
    </Group>
  );
  return (
    <Toolbar aria-label="Actions" className="toolbar">
      {group(
        'Repositories',
        <>
          {b('add', 'Add')}
          {b('rename', 'Rename', {
            disabled: !selected,
            title: selected ? `Rename ${selected}` : 'Rename (select a repository)',
          })}
          {b('delete', 'Delete', {
            disabled: !selected,
            title: selected ? `Delete ${selected}` : 'Delete (select a repository)',
          })}
        </>,
      )}
      {group(
        'Archives',
        <>
          {b('import', 'Import')}
          {b('export', 'Export')}
          {b('backups', 'Backups…')}
        </>,
      )}
      {group(
        'Backup',
        <>
          {b('schedule', 'Backup Schedule')}
          {b('backup-now', backupRunning ? 'Backing up…' : 'Back Up Now', { disabled: backupRunning })}
        </>,
      )}
      {group(
        'Server',
        <>
          {serverRunning
            ? b('stop', 'Stop server')
            : b('start', 'Start server', { disabled: serverRunning === null })}
          {b('port', 'Change Port')}
          {desktop && b('desktop-settings', 'Desktop Settings')}
        </>,
      )}
    </Toolbar>
  );
});
