import { ServerInfoPanel } from './components/ServerInfoPanel';

export function App() {
  return (
    <div className="app">
      <header className="app-header">
        <h1>Repository Server — Control Panel</h1>
      </header>
      <main>
        <ServerInfoPanel />
      </main>
    </div>
  );
}
