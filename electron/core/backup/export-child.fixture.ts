// Run as a child process by export-failures.test.ts (through jiti): exports a large repository and
// prints each phase, so the test can SIGKILL it midway.
import { randomBytes } from 'node:crypto';
import { EventBus } from '../event-bus';
import { MemorySettingsBackend, SettingsService } from '../settings';
import { systemClock } from '../clock';
import { RepositoryStore } from '../storage/repository-store';
import { ServerDb } from '../storage/server-db';
import { BackupService } from './backup-service';

const [dataDir, folder] = process.argv.slice(2) as [string, string];
const store = new RepositoryStore({ dataDir, clock: systemClock });
const repo = store.create('Big');
for (let i = 0; i < 48; i++)
  repo.put({ path: `data/${i}`, kind: 'data', content: randomBytes(1 << 20), updatedBy: 'seed' });
const events = new EventBus();
events.on('jobProgress', (p) => process.stdout.write(`phase ${p.phase} ${p.bytesDone}\n`));
const service = new BackupService({
  dataDir,
  store,
  serverDb: new ServerDb({ dataDir, clock: systemClock }).db,
  clock: systemClock,
  events,
  settings: new SettingsService(new MemorySettingsBackend()),
  appInfo: { name: 'Repository Server', version: 'test' },
});
void service
  .startExportJob({ repository: 'Big', destination: { kind: 'folder', folder }, compression: 'best' })
  .done.then((r) => process.stdout.write(`finished ${r.status}\n`));
