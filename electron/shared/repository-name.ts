import { z } from 'zod';

// ARCHITECTURE §3: 1–64 characters — letters and digits of any script, space, -, _, . — stored in NFC,
// no leading dot or space, not a Windows device name, and compared through `repositoryKey` only.
// Shared so the UI validates as the user types with the same rules the core enforces.

const WINDOWS_DEVICE = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$/i;
// Letters (any script), the marks that letters of many scripts need (Devanagari vowel signs, Thai…),
// digits, and the joiners Persian and Indic words are written with (ZWNJ, ZWJ).
const ALLOWED = /^(?:[\p{L}\p{M}\p{N} ._-]|\u200C|\u200D)*$/u;
const STARTS_WITH_MARK = /^(?:\p{M}|\u200C|\u200D)/u;
/** The longest name in code points, as a person counts characters. */
export const MAX_NAME_CHARACTERS = 64;
// Archive files are named `<name>_YYYY-MM-DD-HH-mm-ss[-n].zip[.partial]`; file systems allow 255 bytes.
const MAX_NAME_BYTES = 200;

const characters = (s: string) => [...s].length;
const utf8Bytes = (s: string) => new TextEncoder().encode(s).length;

/** The form a name is stored and shown in: Unicode NFC, so "é" typed either way is one name. */
export const normalizeRepositoryName = (name: string) => name.normalize('NFC');

export const RepositoryName = z
  .string({ error: 'Enter a repository name.' })
  .transform(normalizeRepositoryName)
  .pipe(
    z
      .string()
      .min(1, 'Enter a repository name.')
      .refine((n) => characters(n) <= MAX_NAME_CHARACTERS, `Use at most ${MAX_NAME_CHARACTERS} characters.`)
      .refine(
        (n) => ALLOWED.test(n),
        'Use only letters and digits (of any language), spaces, "-", "_" and ".".',
      )
      .refine(
        (n) => !n.startsWith('.') && !n.startsWith(' ') && !STARTS_WITH_MARK.test(n),
        'The name cannot start with a dot, a space or a combining mark.',
      )
      .refine((n) => !n.endsWith('.') && !n.endsWith(' '), 'The name cannot end with a dot or a space.')
      .refine(
        (n) => !WINDOWS_DEVICE.test(n),
        'That name is reserved by Windows (CON, PRN, AUX, NUL, COM1, LPT1…).',
      )
      .refine(
        (n) => utf8Bytes(n) <= MAX_NAME_BYTES,
        `The name is too long for a file name: use fewer characters (at most ${MAX_NAME_BYTES} bytes in UTF-8).`,
      ),
  );

/** The first problem with a name, or null when it is fine: for validating as the user types. */
export function repositoryNameProblem(name: string): string | null {
  const result = RepositoryName.safeParse(name);
  return result.success ? null : (result.error.issues[0]?.message ?? 'Invalid name.');
}

/**
 * What two names are compared by, everywhere (the store, the client listener, the gates, the schedule,
 * the UI): compatibility-normalised (NFKC, so a full-width "Ｌogin" is "Login") and case-folded without a
 * locale (upper then lower case: "ß" is "SS", the Turkish dotless "ı" is "I"; no Turkish-locale rules).
 */
export function repositoryKey(name: string): string {
  return name.normalize('NFKC').toUpperCase().toLowerCase().normalize('NFKC');
}

/** "Login" and "login" (and "Ｌogin", or "é" written as e + accent) are the same repository. */
export const sameRepositoryName = (a: string, b: string) => repositoryKey(a) === repositoryKey(b);

/**
 * The name with a suffix, shortened (by whole characters, never half a surrogate pair) so the result
 * is still a valid name: "Orders-Restore1", "Orders-2".
 */
export function nameWithSuffix(name: string, suffix: string): string {
  let base = [...normalizeRepositoryName(name)];
  const room = MAX_NAME_CHARACTERS - characters(suffix);
  base = base.slice(0, room);
  while (base.length > 0 && utf8Bytes(base.join('') + suffix) > MAX_NAME_BYTES) base.pop();
  // Shortening must not leave a trailing dot or space before the suffix's dash.
  return base.join('').replace(/[. ]+$/u, '') + suffix;
}

/**
 * A name that refers to a repository which should exist (to rename, delete, back up): not held to the
 * naming rules, so a repository an older version named stays reachable, but bounded, so a 200 KB
 * "name" is refused here and never echoed back in a "no such repository" message.
 */
export const KnownRepositoryName = z
  .string({ error: 'Enter a repository name.' })
  .min(1, 'Enter a repository name.')
  .max(256, 'There is no repository with a name that long (at most 256 characters).');
