import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { resolveApi } from './api';
import { ApiContext } from './api/context';
import { TokenScreen } from './components/TokenScreen';
import './styles.css';

const root = createRoot(document.getElementById('root')!);
const api = resolveApi();
root.render(
  <StrictMode>
    {'error' in api ? (
      <TokenScreen reason="missing" />
    ) : (
      <ApiContext.Provider value={api}>
        <App />
      </ApiContext.Provider>
    )}
  </StrictMode>,
);
