import { act, render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { JobProgress } from '../../../electron/shared/contract/archives';
import { ApiContext } from '../api/context';
import { fakeApi } from '../testing/fake-api';
import { JobProgressBar, LiveJobProgressBar } from './JobProgressBar';

const progress = (over: Partial<JobProgress>): JobProgress => ({
  jobId: 'j1',
  kind: 'export',
  repository: 'Login',
  file: null,
  phase: 'compressing',
  waitingFor: [],
  bytesDone: 50 * 1024 * 1024,
  bytesTotal: 200 * 1024 * 1024,
  etaSeconds: 200,
  ...over,
});

describe('JobProgressBar', () => {
  it('says the phase, the bytes and the time left in words', () => {
    render(<JobProgressBar label="Export of Login" progress={progress({})} />);
    const bar = screen.getByRole('progressbar', { name: 'Export of Login' });
    expect(bar).toHaveAttribute('aria-valuenow', '25');
    expect(bar).toHaveTextContent('Compressing · 52.4 MB of 210 MB · about 3 min left');
  });

  it('says "almost done" in the last second, and the phase alone before the total is known', () => {
    const { rerender } = render(
      <JobProgressBar label="Export of Login" progress={progress({ etaSeconds: 0.4 })} />,
    );
    expect(screen.getByRole('progressbar')).toHaveTextContent('almost done');
    expect(screen.getByRole('progressbar')).not.toHaveTextContent('under 1 s');
    rerender(
      <JobProgressBar
        label="Export of Login"
        progress={progress({ phase: 'queued', bytesDone: 0, bytesTotal: null, etaSeconds: null })}
      />,
    );
    expect(screen.getByRole('progressbar')).toHaveTextContent('Waiting to start');
  });

  it('a queued job says which jobs it waits for', () => {
    render(
      <JobProgressBar
        label="Backup of Beta"
        progress={progress({
          kind: 'backup',
          repository: 'Beta',
          phase: 'queued',
          bytesDone: 0,
          bytesTotal: null,
          etaSeconds: null,
          waitingFor: [
            { jobId: 'a', kind: 'export', repository: 'Orders' },
            { jobId: 'b', kind: 'import', repository: null },
          ],
        })}
      />,
    );
    expect(screen.getByRole('progressbar', { name: 'Backup of Beta' })).toHaveTextContent(
      'Waiting for the export of Orders and a restore to finish',
    );
  });

  it('a backup known from the status keeps moving with its job’s progress events', () => {
    const api = fakeApi({});
    const known = progress({ jobId: 'run-1', kind: 'backup', bytesDone: 0, etaSeconds: null });
    render(
      <ApiContext.Provider value={api}>
        <LiveJobProgressBar label="Backup of Login" progress={known} />
      </ApiContext.Provider>,
    );
    const bar = screen.getByRole('progressbar', { name: 'Backup of Login' });
    expect(bar).toHaveAttribute('aria-valuenow', '0');
    act(() => api.emit('jobProgress', { ...known, bytesDone: 100 * 1024 * 1024 }));
    expect(bar).toHaveAttribute('aria-valuenow', '50');
    // Another job's events do not move it.
    act(() => api.emit('jobProgress', { ...known, jobId: 'other', bytesDone: 190 * 1024 * 1024 }));
    expect(bar).toHaveAttribute('aria-valuenow', '50');
  });
});
