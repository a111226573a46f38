import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JsonTooDeepError, jsonDepthExceeds, MAX_JSON_DEPTH, parseBoundedJson } from './bounded-json';
import { fuzzParameters, fuzzTimeoutMs } from './testing/fuzz';

/** The nesting depth of a parsed value, walked the slow and obvious way. */
function depthOf(value: unknown): number {
  if (Array.isArray(value)) return 1 + Math.max(0, ...value.map(depthOf));
  if (typeof value === 'object' && value !== null)
    return 1 + Math.max(0, ...Object.values(value).map(depthOf));
  return 0;
}

describe('JSON from a peer, its depth bounded before it is parsed', () => {
  it('counts objects and arrays, never brackets inside strings or after escaped quotes', () => {
    expect(jsonDepthExceeds('[[1]]', 2)).toBe(false);
    expect(jsonDepthExceeds('[[[1]]]', 2)).toBe(true);
    expect(jsonDepthExceeds('{"a":{"b":[]}}', 3)).toBe(false);
    expect(jsonDepthExceeds('{"a":{"b":[]}}', 2)).toBe(true);
    expect(jsonDepthExceeds(`["${'['.repeat(100)}"]`, 1)).toBe(false);
    expect(jsonDepthExceeds(`["\\"${'['.repeat(100)}"]`, 1)).toBe(false);
    expect(jsonDepthExceeds(`["\\\\",[[1]]]`, 2)).toBe(true); // the quote after \\ closes the string
    expect(jsonDepthExceeds('"unterminated [[[[', 1)).toBe(false); // JSON.parse says what is wrong
  });

  it('parses what is at the limit and refuses one level more, unparsed', () => {
    const atLimit = `${'['.repeat(MAX_JSON_DEPTH)}${']'.repeat(MAX_JSON_DEPTH)}`;
    expect(depthOf(parseBoundedJson(atLimit))).toBe(MAX_JSON_DEPTH);
    expect(() => parseBoundedJson(`[${atLimit}]`)).toThrow(JsonTooDeepError);
    expect(() => parseBoundedJson(`[${atLimit}]`)).toThrow('nested deeper than 32 levels');
    // 16 MiB of nesting is refused in one linear pass, without a stack overflow.
    const huge = `${'['.repeat(8 << 20)}${']'.repeat(8 << 20)}`;
    expect(() => parseBoundedJson(huge)).toThrow(JsonTooDeepError);
  });

  it(
    'property: any JSON value parses exactly when its depth is within the limit, however it is spaced',
    () => {
      fc.assert(
        fc.property(
          fc.jsonValue({ maxDepth: 8 }),
          fc.integer({ min: 0, max: 8 }),
          fc.boolean(),
          (value, limit, spaced) => {
            const text = JSON.stringify(value, null, spaced ? 2 : undefined);
            const depth = depthOf(value);
            if (depth > limit) {
              expect(() => parseBoundedJson(text, limit)).toThrow(JsonTooDeepError);
            } else {
              expect(JSON.stringify(parseBoundedJson(text, limit))).toBe(JSON.stringify(value));
            }
          },
        ),
        fuzzParameters(300),
      );
    },
    fuzzTimeoutMs(),
  );

  it(
    'property: any text either parses within the limit or is refused as too deep or not JSON, nothing else',
    () => {
      const brackety = fc
        .array(fc.constantFrom('[', ']', '{', '}', '"', '\\', ':', ',', '1', 'a', ' '), { maxLength: 200 })
        .map((parts) => parts.join(''));
      fc.assert(
        fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), brackety), (text) => {
          try {
            expect(depthOf(parseBoundedJson(text, 4))).toBeLessThanOrEqual(4);
          } catch (error) {
            expect(error instanceof JsonTooDeepError || error instanceof SyntaxError).toBe(true);
          }
        }),
        fuzzParameters(1000),
      );
    },
    fuzzTimeoutMs(),
  );
});
