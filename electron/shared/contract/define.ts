import type { z } from 'zod';

/**
 * The most archives or repositories one call names: each becomes a job or a file agent, so a list is
 * bounded like every other input (a call naming 20,000 files started 20,000 processes).
 */
export const MAX_PER_CALL = 1000;

/** One method of the contract: the schema of its single argument and of its result. */
export interface MethodSpec<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  input: I;
  output: O;
  /** Shown in the HTTP API's index and in errors. */
  summary: string;
}

export const method = <I extends z.ZodType, O extends z.ZodType>(
  input: I,
  output: O,
  summary: string,
): MethodSpec<I, O> => ({ input, output, summary });

/** One event the core pushes to every UI: the schema of its payload. */
export interface EventSpec<P extends z.ZodType = z.ZodType> {
  payload: P;
  summary: string;
}

export const event = <P extends z.ZodType>(payload: P, summary: string): EventSpec<P> => ({
  payload,
  summary,
});
