import { describe, expect, it } from 'vitest';
import { formatProgress, formatSize } from './format-size';

describe('formatSize', () => {
  it('shows bytes below one kilobyte as they are', () => {
    expect(formatSize(0)).toBe('0 B');
    expect(formatSize(950)).toBe('950 B');
  });

  it('keeps three significant digits', () => {
    expect(formatSize(12_345_678)).toBe('12.3 MB');
    expect(formatSize(1_500)).toBe('1.5 KB');
    expect(formatSize(123_456_789_012)).toBe('123 GB');
    expect(formatSize(2_000_000)).toBe('2 MB');
    // Zeros of the number itself stay: 210 MB was once shown as "21 MB", 100 MB as "1 MB".
    expect(formatSize(209_715_200)).toBe('210 MB');
    expect(formatSize(100_000_000)).toBe('100 MB');
    expect(formatSize(120_000)).toBe('120 KB');
    expect(formatSize(20_000_000)).toBe('20 MB');
    expect(formatSize(10_040_000)).toBe('10 MB');
    expect(formatSize(5_100_000)).toBe('5.1 MB');
  });

  it('steps up a unit instead of showing 1000', () => {
    expect(formatSize(999_960)).toBe('1 MB');
  });

  it('shows a dash for a size that is not known', () => {
    expect(formatSize(null)).toBe('—');
    expect(formatSize(Number.NaN)).toBe('—');
  });

  it('says how far a transfer is', () => {
    expect(formatProgress(3_400_000, 12_000_000)).toBe('3.4 MB of 12 MB');
    expect(formatProgress(3_400_000, null)).toBe('3.4 MB');
  });
});
