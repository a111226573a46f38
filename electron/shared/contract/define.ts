import type { z } from 'zod';

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
