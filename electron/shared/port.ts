import { z } from 'zod';

// A TCP port for the client listener, stated once: the settings, the contract and the Change Port field.

const RANGE = 'Use a port from 1 to 65535.';

export const Port = z
  .number({ error: 'Enter a port number.' })
  .int('Enter a whole number.')
  .min(1, RANGE)
  .max(65535, RANGE);

/** What a person types into a port field: digits only (no sign, no decimals), then the range. */
export const PortText = z
  .string()
  .trim()
  .min(1, 'Enter a port number.')
  .regex(/^\d+$/, 'Enter the port as a whole number, such as 53400.')
  .transform(Number)
  .pipe(Port);

/** The first problem with a typed port, or null. */
export function portTextProblem(text: string): string | null {
  const parsed = PortText.safeParse(text);
  return parsed.success ? null : (parsed.error.issues[0]?.message ?? RANGE);
}
