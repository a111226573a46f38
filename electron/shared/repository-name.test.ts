import { describe, expect, it } from 'vitest';
import {
  nameWithSuffix,
  RepositoryName,
  repositoryKey,
  repositoryNameProblem,
  sameRepositoryName,
} from './repository-name';

describe('repository names', () => {
  it.each([
    'Тесты входа',
    '日本語',
    'हिन्दी परीक्षण',
    'اختبارات',
    'Ελληνικά',
    'עברית',
    'ภาษาไทย',
    'می‌خواهم',
    'Ünïcödé_1.2-x',
  ])('accepts %j, letters and digits of its own script', (name) => {
    expect(repositoryNameProblem(name)).toBeNull();
  });

  it('stores a name in NFC whichever way it was typed', () => {
    expect(RepositoryName.parse('Re\u0301sume\u0301')).toBe('R\u00e9sum\u00e9');
  });

  it.each([
    ['Login', 'LOGIN'],
    ['Тесты входа', 'ТЕСТЫ ВХОДА'],
    ['Café', 'Cafe\u0301'],
    ['Straße', 'STRASSE'],
    ['Ｌｏｇｉｎ', 'login'],
    ['ΟΔΟΣ', 'οδος'],
    ['ΟΔΟΣ', 'οδοσ'],
  ])('%j and %j are the same repository', (a, b) => {
    expect(sameRepositoryName(a, b)).toBe(true);
    expect(repositoryKey(a)).toBe(repositoryKey(b));
  });

  it.each([
    ['Login', 'Logins'],
    ['Café', 'Cafe'],
    ['日本語', '日本'],
    ['İstanbul', 'istanbul'],
  ])('%j and %j are different repositories', (a, b) => {
    expect(sameRepositoryName(a, b)).toBe(false);
  });

  it('does not depend on the locale: Turkish rules do not apply', () => {
    // toLocaleLowerCase('tr') would turn "I" into a dotless "ı"; our key never asks the locale.
    expect(repositoryKey('INFO')).toBe('info');
  });

  it('adds a suffix without breaking a character or the length rules', () => {
    expect(nameWithSuffix('Orders', '-Restore1')).toBe('Orders-Restore1');
    const long = '日'.repeat(64);
    const restored = nameWithSuffix(long, '-Restore1');
    expect([...restored]).toHaveLength(64);
    expect(repositoryNameProblem(restored)).toBeNull();
    const astral = '\u{20000}'.repeat(50); // 4 bytes each in UTF-8
    const shortened = nameWithSuffix(astral, '-2');
    expect(repositoryNameProblem(shortened)).toBeNull();
    expect(shortened.endsWith('-2')).toBe(true);
    expect(shortened).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
  });
});
