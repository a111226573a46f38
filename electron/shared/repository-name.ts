import { z } from 'zod';

// ARCHITECTURE §3: 1–64 characters, letters, digits, space, -, _, .; no leading dot or space; not a
// Windows device name; compared case-insensitively. Shared so the UI can validate as the user types.

const WINDOWS_DEVICE = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$/i;

export const RepositoryName = z
  .string({ error: 'Enter a repository name.' })
  .min(1, 'Enter a repository name.')
  .max(64, 'Use at most 64 characters.')
  .regex(/^[A-Za-z0-9 ._-]*$/, 'Use only letters, digits, spaces, "-", "_" and ".".')
  .refine((n) => !n.startsWith('.') && !n.startsWith(' '), 'The name cannot start with a dot or a space.')
  .refine((n) => !n.endsWith('.') && !n.endsWith(' '), 'The name cannot end with a dot or a space.')
  .refine(
    (n) => !WINDOWS_DEVICE.test(n),
    'That name is reserved by Windows (CON, PRN, AUX, NUL, COM1, LPT1…).',
  );

/** The first problem with a name, or null when it is fine: for validating as the user types. */
export function repositoryNameProblem(name: string): string | null {
  const result = RepositoryName.safeParse(name);
  return result.success ? null : (result.error.issues[0]?.message ?? 'Invalid name.');
}

/** Names are compared case-insensitively: "Login" and "login" are the same repository. */
export const sameRepositoryName = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
