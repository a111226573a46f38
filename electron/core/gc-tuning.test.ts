import v8 from 'node:v8';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_GC_TRIGGER_FLAGS, GC_TRIGGER_FLAGS, tuneGarbageCollection } from './gc-tuning';

describe('tuneGarbageCollection', () => {
  afterEach(() => {
    vi.restoreAllMocks();
    vi.unstubAllGlobals();
  });

  it('sets the server’s triggers for a full collection in Node', () => {
    const set = vi.spyOn(v8, 'setFlagsFromString');
    tuneGarbageCollection();
    expect(set.mock.calls.map(([flag]) => flag)).toEqual([...GC_TRIGGER_FLAGS]);
    tuneGarbageCollection(DEFAULT_GC_TRIGGER_FLAGS);
    expect(set.mock.calls.slice(2).map(([flag]) => flag)).toEqual([...DEFAULT_GC_TRIGGER_FLAGS]);
  });

  it('leaves V8 alone in Electron, whose main process may have frozen its flags', () => {
    const set = vi.spyOn(v8, 'setFlagsFromString');
    vi.stubGlobal('process', { ...process, versions: { ...process.versions, electron: '45.0.0' } });
    tuneGarbageCollection();
    expect(set).not.toHaveBeenCalled();
  });
});
