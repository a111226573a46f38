/** Who we are, for manifests and the server info. Passed in by the host, which knows its package. */
export interface AppInfo {
  name: string;
  version: string;
}
