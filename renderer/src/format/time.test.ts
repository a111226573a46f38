import { describe, expect, it } from 'vitest';
import { formatDuration, formatRelative } from './time';

const NOW = Date.parse('2026-11-22T10:00:00Z');
const at = (ms: number) => new Date(NOW + ms).toISOString();
const MIN = 60_000;

describe('formatDuration', () => {
  it('uses at most two units', () => {
    expect(formatDuration(45_000)).toBe('45 s');
    expect(formatDuration(12 * MIN)).toBe('12 min');
    expect(formatDuration(192 * MIN)).toBe('3 h 12 min');
    expect(formatDuration(180 * MIN)).toBe('3 h');
    expect(formatDuration((48 + 4) * 60 * MIN + 5 * MIN)).toBe('2 d 4 h');
  });
});

describe('formatRelative', () => {
  it('says how long until a future moment', () => {
    expect(formatRelative(at(192 * MIN), NOW)).toBe('in 3 h 12 min');
    expect(formatRelative(at(90_000), NOW)).toBe('in 1 min');
    expect(formatRelative(at(30_000), NOW)).toBe('in 30 s');
  });

  it('says how long ago a past moment was', () => {
    expect(formatRelative(at(-5 * MIN), NOW)).toBe('5 min ago');
    expect(formatRelative(at(-26 * 60 * MIN), NOW)).toBe('1 d 2 h ago');
  });

  it('calls a moment within seconds "now" and a bad date a dash', () => {
    expect(formatRelative(at(2_000), NOW)).toBe('now');
    expect(formatRelative('not a date', NOW)).toBe('—');
  });
});
