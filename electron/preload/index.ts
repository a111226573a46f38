// Bundled as CommonJS so the window can keep `sandbox: true`.
import { contextBridge, ipcRenderer } from 'electron';
import { exposeContract } from './expose-api';

exposeContract(contextBridge, ipcRenderer);
