import {
  createContext,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
  type ReactNode,
} from 'react';
import { Button } from 'react-aria-components';

// Results of toolbar actions that have no field to sit beside: shown at the bottom right, errors
// until dismissed (they carry the core's message), successes for a few seconds. The page keeps room
// below its content for them (--notices-height), so no table button stays hidden under a notice.

/** Measures the notices and tells the page how much room to keep free at the bottom. */
function useReservedHeight() {
  const ref = useRef<HTMLElement>(null);
  useEffect(() => {
    const element = ref.current;
    if (!element || typeof ResizeObserver === 'undefined') return;
    const root = document.documentElement;
    const observer = new ResizeObserver(() =>
      root.style.setProperty('--notices-height', `${element.offsetHeight}px`),
    );
    observer.observe(element);
    return () => {
      observer.disconnect();
      root.style.removeProperty('--notices-height');
    };
  }, []);
  return ref;
}

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
  const region = useReservedHeight();
  return (
    <NoticeContext.Provider value={value}>
      {children}
      <section className="notices" aria-label="Notifications" ref={region}>
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
