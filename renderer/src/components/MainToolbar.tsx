import { Button, Separator, Toolbar } from 'react-aria-components';

export type ToolbarAction =
  | 'start'
  | 'stop'
  | 'add'
  | 'rename'
  | 'delete'
  | 'import'
  | 'export'
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
  onAction(action: ToolbarAction): void;
}

/** The reference's toolbar: server, repositories, archives, backup, port; arrow keys move between them. */
export function MainToolbar({ serverRunning, selected, backupRunning, desktop, onAction }: MainToolbarProps) {
  const b = (
    action: ToolbarAction,
    label: string,
    opts: { disabled?: boolean; title?: string; primary?: boolean } = {},
  ) => (
    <Button
      className={`tool ${opts.primary ? 'primary' : ''}`}
      isDisabled={opts.disabled}
      onPress={() => onAction(action)}
      aria-label={opts.title}
    >
      {label}
    </Button>
  );
  return (
    <Toolbar aria-label="Actions" className="toolbar">
      {serverRunning
        ? b('stop', 'Stop server')
        : b('start', 'Start server', { disabled: serverRunning === null })}
      <Separator orientation="vertical" className="tool-sep" />
      {b('add', 'Add')}
      {b('rename', 'Rename', {
        disabled: !selected,
        title: selected ? `Rename ${selected}` : 'Rename (select a repository)',
      })}
      {b('delete', 'Delete', {
        disabled: !selected,
        title: selected ? `Delete ${selected}` : 'Delete (select a repository)',
      })}
      <Separator orientation="vertical" className="tool-sep" />
      {b('import', 'Import')}
      {b('export', 'Export')}
      <Separator orientation="vertical" className="tool-sep" />
      {b('schedule', 'Backup Schedule')}
      {b('backup-now', backupRunning ? 'Backing up…' : 'Back Up Now', { disabled: backupRunning })}
      <Separator orientation="vertical" className="tool-sep" />
      {b('port', 'Change Port')}
      {desktop && b('desktop-settings', 'Desktop Settings')}
    </Toolbar>
  );
}
