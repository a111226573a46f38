import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';
import { Button } from 'react-aria-components';

// Results of toolbar actions that have no field to sit beside: shown at the bottom right, errors
// until dismissed (they carry the core's message), successes for a few seconds.

export interface Notice {
  id: number;
  tone: 'error' | 'ok' | 'info';
  text: string;
}

interface NoticeApi {
  notify(tone: Notice['tone'], text: string): void;
}

const NoticeContext = createContext<NoticeApi>({ notify: () => {} });

export const useNotify = () => useContext(NoticeContext).notify;

let nextId = 1;

export function NoticeProvider({ children }: { children: ReactNode }) {
  const [notices, setNotices] = useState<Notice[]>([]);
  const dismiss = useCallback((id: number) => setNotices((all) => all.filter((n) => n.id !== id)), []);
  const notify = useCallback(
    (tone: Notice['tone'], text: string) => {
      const id = nextId++;
      setNotices((all) => [...all.slice(-4), { id, tone, text }]);
      if (tone !== 'error') setTimeout(() => dismiss(id), 6000);
    },
    [dismiss],
  );
  const value = useMemo(() => ({ notify }), [notify]);
  return (
    <NoticeContext.Provider value={value}>
      {children}
      <section className="notices" aria-label="Notifications">
        <div role="status" aria-live="polite">
          {notices
            .filter((n) => n.tone !== 'error')
            .map((n) => (
              <NoticeView key={n.id} notice={n} onDismiss={dismiss} />
            ))}
        </div>
        <div role="alert" aria-live="assertive">
          {notices
            .filter((n) => n.tone === 'error')
            .map((n) => (
              <NoticeView key={n.id} notice={n} onDismiss={dismiss} />
            ))}
        </div>
      </section>
    </NoticeContext.Provider>
  );
}

function NoticeView({ notice, onDismiss }: { notice: Notice; onDismiss: (id: number) => void }) {
  return (
    <div className={`notice notice-${notice.tone}`} data-testid="notice">
      <span>{notice.text}</span>
      <Button className="icon-button" aria-label="Dismiss" onPress={() => onDismiss(notice.id)}>
        ×
      </Button>
    </div>
  );
}
