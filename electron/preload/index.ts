// Bundled as CommonJS so the window can keep `sandbox: true`.
import { contextBridge, ipcRenderer } from 'electron';
import { buildPreloadApi } from './expose-api';

contextBridge.exposeInMainWorld('api', buildPreloadApi(ipcRenderer));
