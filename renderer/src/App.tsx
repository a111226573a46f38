import { useState } from 'react';
import { useApi } from './api/context';
import { BackupAlerts, BackupStatusPanel } from './components/BackupStatusPanel';
import { ClientsTable } from './components/ClientsTable';
import { HistoryPanel } from './components/HistoryPanel';
import { MainToolbar, type ToolbarAction } from './components/MainToolbar';
import { NoticeProvider, useNotify } from './components/Notices';
import { RepositoriesTable } from './components/RepositoriesTable';
import { ServerPanel } from './components/ServerPanel';
import { ChangePortDialog } from './dialogs/ChangePortDialog';
import { DesktopSettingsDialog } from './dialogs/DesktopSettingsDialog';
import { ExportDialog } from './dialogs/ExportDialog';
import { ImportDialog } from './dialogs/ImportDialog';
import {
  AddRepositoryDialog,
  DeleteRepositoryDialog,
  RenameRepositoryDialog,
} from './dialogs/RepositoryDialogs';
import { ScheduleDialog } from './dialogs/ScheduleDialog';
import {
  useBackupStatus,
  useClients,
  useHistory,
  useRepositories,
  useServerInfo,
  useServerStatus,
} from './state/control-panel-data';

type OpenDialog = Exclude<ToolbarAction, 'start' | 'stop' | 'backup-now'> | null;

export function App() {
  return (
    <NoticeProvider>
      <ControlPanel />
    </NoticeProvider>
  );
}

function ControlPanel() {
  const api = useApi();
  const notify = useNotify();
  const repositories = useRepositories();
  const clients = useClients();
  const serverStatus = useServerStatus();
  const backup = useBackupStatus();
  const info = useServerInfo();
  const history = useHistory();
  const [selectedName, setSelected] = useState<string | null>(null);
  const [dialog, setDialog] = useState<OpenDialog>(null);

  const repoList = repositories.value ?? [];
  const names = repoList.map((r) => r.name);
  // A deleted or renamed repository stops being selected.
  const selected = selectedName && names.includes(selectedName) ? selectedName : null;
  const running = serverStatus.value ? serverStatus.value.state === 'running' : null;

  const act = async (action: ToolbarAction) => {
    if (action === 'start' || action === 'stop') {
      const result = action === 'start' ? await api.startClientServer() : await api.stopClientServer();
      if (!result.ok) notify('error', result.error.message);
      else
        notify(
          'ok',
          action === 'start'
            ? 'The server is accepting clients.'
            : 'The server stopped; clients were disconnected.',
        );
      serverStatus.reload();
      return;
    }
    if (action === 'backup-now') {
      const result = await api.runBackupNow();
      if (!result.ok) notify('error', `Back up now: ${result.error.message}`);
      else notify('info', 'Backup started: follow it under Automatic backup.');
      return;
    }
    setDialog(action);
  };
  const close = () => setDialog(null);

  return (
    <div className="app">
      <header className="app-header">
        <h1>Repository Server — Control Panel</h1>
        <span className="header-facts">
          {serverStatus.value && (
            <span className={`pill ${serverStatus.value.state === 'running' ? 'ok' : 'failed'}`}>
              Server {serverStatus.value.state} · port {serverStatus.value.port}
            </span>
          )}
          {backup.value && (
            <span
              className={`pill ${backup.value.state === 'on' ? 'ok' : backup.value.state === 'paused' ? 'warn' : 'muted'}`}
            >
              Auto-backup {backup.value.state}
            </span>
          )}
        </span>
      </header>
      <MainToolbar
        serverRunning={running}
        selected={selected}
        backupRunning={!!backup.value?.running}
        desktop={api.host === 'electron'}
        onAction={(a) => void act(a)}
      />
      <main>
        <BackupAlerts status={backup.value} />
        <div className="top-grid">
          <ServerPanel status={serverStatus} info={info} />
          <BackupStatusPanel status={backup} />
        </div>
        <RepositoriesTable
          repositories={repositories}
          backup={backup.value}
          selected={selected}
          onSelect={setSelected}
          onOpen={(name) => {
            setSelected(name);
            setDialog('rename');
          }}
        />
        <ClientsTable clients={clients} />
        <HistoryPanel history={history} />
      </main>

      {dialog === 'add' && <AddRepositoryDialog repositories={repoList} onClose={close} />}
      {dialog === 'rename' && selected && (
        <RenameRepositoryDialog name={selected} repositories={repoList} onClose={close} />
      )}
      {dialog === 'delete' && selected && (
        <DeleteRepositoryDialog name={selected} clients={clients.value ?? []} onClose={close} />
      )}
      {dialog === 'port' && <ChangePortDialog port={serverStatus.value?.port ?? 53400} onClose={close} />}
      {dialog === 'schedule' && <ScheduleDialog repositoryNames={names} onClose={close} />}
      {dialog === 'export' && (
        <ExportDialog repositoryNames={names} initial={selected ? [selected] : []} onClose={close} />
      )}
      {dialog === 'import' && <ImportDialog repositoryNames={names} onClose={close} />}
      {dialog === 'desktop-settings' && <DesktopSettingsDialog onClose={close} />}
    </div>
  );
}
