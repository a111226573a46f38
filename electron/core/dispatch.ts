import type { z } from 'zod';
import { isMethodName, methods, type Handlers } from '../shared/contract';
import { fieldErrors } from '../shared/field-errors';
import { AppFailure, fail, ok, type Result } from '../shared/result';

/** Field path → message, for forms (the shared mapping the dialogs use too). */
export const zodFieldErrors = fieldErrors;

export function describeZodError(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => (i.path.length ? `${i.path.map(String).join('.')}: ${i.message}` : i.message))
    .join('; ');
}

export type Logger = { error(message: string, ...rest: unknown[]): void };

/**
 * The core-facing adapter used by IPC and HTTP alike: checks the method exists, validates the argument
 * against the contract (types do not survive a process boundary), calls the handler and wraps the
 * answer in a Result. Unexpected exceptions become INTERNAL with a message, never a crash.
 */
export async function dispatch(
  handlers: Handlers,
  name: string,
  rawArgs: unknown,
  logger: Logger = console,
): Promise<Result<unknown>> {
  if (!isMethodName(name)) return fail('UNKNOWN_METHOD', `There is no method named "${name}".`);
  const spec = methods[name];
  const parsed = spec.input.safeParse(rawArgs ?? undefined);
  if (!parsed.success) {
    return fail(
      'INVALID_ARGUMENT',
      `Invalid argument for ${name}: ${describeZodError(parsed.error)}`,
      zodFieldErrors(parsed.error),
    );
  }
  try {
    const handler = handlers[name] as (args: unknown) => Promise<unknown>;
    return ok(await handler(parsed.data));
  } catch (error) {
    if (error instanceof AppFailure) return { ok: false, error: error.toError() };
    logger.error(`Unexpected failure in ${name}`, error);
    return fail(
      'INTERNAL',
      `${name} failed unexpectedly: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}
