import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { resolveApi } from './api';
import { ApiContext } from './api/context';
import './styles.css';

const root = createRoot(document.getElementById('root')!);
const api = resolveApi();
root.render(
  <StrictMode>
    {'error' in api ? (
      <main className="fatal" role="alert">
        <h1>Repository Server</h1>
        <p>{api.error}</p>
      </main>
    ) : (
      <ApiContext.Provider value={api}>
        <App />
      </ApiContext.Provider>
    )}
  </StrictMode>,
);
