// Property and fuzz tests (fast-check) run briefly in `npm test` and longer on demand:
//   FUZZ_RUNS=20000 npm run test:unit -- electron/core/backup/archive-reader.fuzz.test.ts
// A failure prints its seed and path; FUZZ_SEED=<seed> FUZZ_PATH=<path> replays exactly that case.

const env: Record<string, string | undefined> =
  (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env ?? {};

const positive = (value: string | undefined): number | undefined => {
  const n = Number(value);
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
};

/** Whether this run was asked to fuzz longer than `npm test` does. */
export const fuzzingLong = positive(env.FUZZ_RUNS) !== undefined;

/** fast-check's parameters: `quickRuns` in `npm test`, FUZZ_RUNS on demand, a replay with FUZZ_SEED. */
export function fuzzParameters(quickRuns: number): { numRuns: number; seed?: number; path?: string } {
  const seed = env.FUZZ_SEED === undefined ? undefined : Number(env.FUZZ_SEED);
  return {
    numRuns: positive(env.FUZZ_RUNS) ?? quickRuns,
    ...(seed !== undefined && Number.isInteger(seed) ? { seed } : {}),
    ...(env.FUZZ_PATH ? { path: env.FUZZ_PATH } : {}),
  };
}

/** A test's timeout: `quickMs` in `npm test`; a long fuzz run may take hours. */
export const fuzzTimeoutMs = (quickMs = 30_000): number => (fuzzingLong ? 24 * 3600_000 : quickMs);
