import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { useApi } from './api/context';
import { BackupAlerts, BackupStatusPanel } from './components/BackupStatusPanel';
import { ClientsTable } from './components/ClientsTable';
import { ConnectionBanner } from './components/ConnectionBanner';
import { HistoryPanel } from './components/HistoryPanel';
import { MainToolbar, type ToolbarAction } from './components/MainToolbar';
import { NoticeProvider, useNotify } from './components/Notices';
import { RepositoriesTable } from './components/RepositoriesTable';
import { ServerPanel } from './components/ServerPanel';
import { TokenScreen } from './components/TokenScreen';
import { BackupsDialog } from './dialogs/BackupsDialog';
import { ChangePortDialog } from './dialogs/ChangePortDialog';
import { DesktopSettingsDialog } from './dialogs/DesktopSettingsDialog';
import { ExportDialog } from './dialogs/ExportDialog';
import { ImportDialog } from './dialogs/ImportDialog';
import { RecoverDialog } from './dialogs/RecoverDialog';
import {
  AddRepositoryDialog,
  DeleteRepositoryDialog,
  RenameRepositoryDialog,
} from './dialogs/RepositoryDialogs';
import { ScheduleDialog } from './dialogs/ScheduleDialog';
import { stoppedNotice, StopServerDialog } from './dialogs/StopServerDialog';
import { ConnectionProvider, useConnection } from './state/connection';
import {
  useBackupStatus,
  useOffsiteStatus,
  useClients,
  useHistory,
  useRepositories,
  useServerInfo,
  useServerStatus,
} from './state/control-panel-data';

type OpenDialog = Exclude<ToolbarAction, 'start' | 'backup-now'> | 'recover' | null;

export function App() {
  return (
    <NoticeProvider>
      <ConnectionProvider>
        <ControlPanelOrTokenScreen />
      </ConnectionProvider>
    </NoticeProvider>
  );
}

function ControlPanelOrTokenScreen() {
  const { status } = useConnection();
  return status === 'unauthorized' ? <TokenScreen reason="refused" /> : <ControlPanel />;
}

/** The web console's own port (the client listener cannot take it); none in the desktop app. */
const panelPort = (host: 'electron' | 'headless') =>
  host === 'headless' && window.location.port ? Number(window.location.port) : null;

/**
 * After a dialog closes, focus goes back where it came from; when that is gone (the Delete button is
 * disabled once the repository is), it goes to the toolbar rather than to the page's body.
 */
function keepFocusInThePage() {
  requestAnimationFrame(() => {
    if (document.activeElement && document.activeElement !== document.body) return;
    document.querySelector<HTMLElement>('.toolbar button:not([disabled])')?.focus();
  });
}

function ControlPanel() {
  const api = useApi();
  const notify = useNotify();
  const connection = useConnection();
  const repositories = useRepositories();
  const clients = useClients();
  const serverStatus = useServerStatus();
  const backup = useBackupStatus();
  const offsite = useOffsiteStatus();
  const info = useServerInfo();
  const history = useHistory();
  const [selectedName, setSelected] = useState<string | null>(null);
  const [dialog, setDialog] = useState<OpenDialog>(null);
  const lost = connection.status !== 'connected';

  const repoList = repositories.value ?? [];
  const names = repoList.map((r) => r.name);
  // A deleted or renamed repository stops being selected.
  const selected = selectedName && names.includes(selectedName) ? selectedName : null;
  const running = serverStatus.value ? serverStatus.value.state === 'running' : null;
  const connectedClients = clients.value ?? [];

  const act = async (action: ToolbarAction) => {
    if (action === 'start') {
      const result = await api.startClientServer();
      if (!result.ok) notify('error', result.error.message);
      else notify('ok', 'The server is accepting clients.');
      serverStatus.reload();
      return;
    }
    if (action === 'stop' && connectedClients.length === 0) {
      const result = await api.stopClientServer();
      if (!result.ok) notify('error', result.error.message);
      else notify('info', stoppedNotice(0));
      serverStatus.reload();
      return;
    }
    if (action === 'backup-now') {
      const result = await api.runBackupNow();
      if (!result.ok) notify('error', `Back up now: ${result.error.message}`);
      else notify('info', 'Backup started: follow it under Automatic backup.');
      // A run refused before it started still leaves its line in the history.
      history.reload();
      return;
    }
    setDialog(action);
  };
  // The toolbar is memoised: it gets one stable callback that runs the latest `act`.
  const latestAct = useRef(act);
  useLayoutEffect(() => {
    latestAct.current = act;
  });
  const onAction = useCallback((a: ToolbarAction) => void latestAct.current(a), []);
  const close = () => setDialog(null);
  // After a dialog closes, and when the selection goes (its Delete button turns disabled under the focus).
  const before = useRef({ dialog, selected });
  useEffect(() => {
    const was = before.current;
    before.current = { dialog, selected };
    const closed = was.dialog !== null && dialog === null;
    const unselected = was.selected !== null && selected === null;
    if (dialog === null && (closed || unselected)) keepFocusInThePage();
  }, [dialog, selected]);

  // Stable, so that the memoised tables render again only when their own data changes.
  const openRename = useCallback(
    (name: string) => {
      if (lost) return;
      setSelected(name);
      setDialog('rename');
    },
    [lost],
  );
  const openRecover = useCallback(() => setDialog('recover'), []);

  const state = serverStatus.value?.state;
  return (
    <div className={`app ${lost ? 'is-stale' : ''}`}>
      <ConnectionBanner />
      <header className="app-header">
        <h1>Repository Server — Control Panel</h1>
        <span className="header-facts">
          {lost ? (
            <span className="pill failed">Connection lost</span>
          ) : (
            serverStatus.value && (
              <span className={`pill ${state === 'running' ? 'ok' : 'failed'}`}>
                {state === 'running'
                  ? `Server running · port ${serverStatus.value.port}`
                  : `Server ${state} · no client can connect`}
              </span>
            )
          )}
          {backup.value && !lost && (
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
        offline={lost}
        onAction={onAction}
      />
      <main aria-describedby={lost ? 'stale-note' : undefined}>
        {lost && (
          <p id="stale-note" className="visually-hidden">
            The server is not answering: everything below is as it was when it was last heard.
          </p>
        )}
        <BackupAlerts status={backup.value} offsite={offsite.value} />
        <div className="top-grid">
          <ServerPanel status={serverStatus} info={info} />
          <BackupStatusPanel status={backup} offsite={offsite} />
        </div>
        <RepositoriesTable
          repositories={repositories}
          backup={backup.value}
          selected={selected}
          onSelect={setSelected}
          onOpen={openRename}
          onRecover={lost ? undefined : openRecover}
        />
        <ClientsTable clients={clients} />
        <HistoryPanel history={history} />
      </main>

      {dialog === 'add' && <AddRepositoryDialog repositories={repoList} onClose={close} />}
      {dialog === 'rename' && selected && (
        <RenameRepositoryDialog name={selected} repositories={repoList} onClose={close} />
      )}
      {dialog === 'delete' && selected && (
        <DeleteRepositoryDialog
          name={selected}
          clients={connectedClients}
          inSchedule={backup.value?.repositories ?? []}
          onClose={close}
        />
      )}
      {dialog === 'stop' && <StopServerDialog clients={connectedClients} onClose={close} />}
      {dialog === 'port' && serverStatus.value && (
        <ChangePortDialog status={serverStatus.value} panelPort={panelPort(api.host)} onClose={close} />
      )}
      {dialog === 'schedule' && <ScheduleDialog repositoryNames={names} onClose={close} />}
      {dialog === 'export' && (
        <ExportDialog repositoryNames={names} initial={selected ? [selected] : []} onClose={close} />
      )}
      {dialog === 'import' && <ImportDialog repositoryNames={names} backup={backup.value} onClose={close} />}
      {dialog === 'desktop-settings' && <DesktopSettingsDialog onClose={close} />}
      {dialog === 'backups' && <BackupsDialog repositoryNames={names} onClose={close} />}
      {dialog === 'recover' && (
        <RecoverDialog
          onClose={() => {
            close();
            repositories.reload();
            backup.reload();
            history.reload();
          }}
        />
      )}
    </div>
  );
}
