import os from 'node:os';
import path from 'node:path';

/** Where repositories and server data live when neither --data-dir nor REPO_SERVER_DATA_DIR says. */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  if (env.REPO_SERVER_DATA_DIR) return path.resolve(env.REPO_SERVER_DATA_DIR);
  const home = os.homedir();
  if (platform === 'win32')
    return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'Repository Server');
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'Repository Server');
  return path.join(env.XDG_DATA_HOME ?? path.join(home, '.local', 'share'), 'repo-server');
}
