import { z } from 'zod';

// What an item may be called and what kind it may have. Paths look like `modules/login`: relative,
// forward slashes, no empty or dot segments, so they map safely onto folders if ever exported as files.

export const MAX_ITEM_PATH = 1024;
/** An item's content is at most this many bytes (it travels in one client message of at most 16 MiB). */
export const MAX_ITEM_CONTENT_BYTES = 16 * 1024 * 1024;

export const ItemPath = z
  .string({ error: 'path must be a string such as "modules/login".' })
  .min(1, 'path must not be empty.')
  .max(MAX_ITEM_PATH, `path must be at most ${MAX_ITEM_PATH} characters.`)
  .refine(
    (p) => ![...p].some((c) => c.charCodeAt(0) < 0x20 || c === '\\'),
    'path must not contain control characters or "\\".',
  )
  // A lone surrogate (JSON's "\ud800") cannot be stored as UTF-8: SQLite would keep U+FFFD instead, and
  // the acknowledged item could never be read back under its name.
  .refine((p) => p.isWellFormed(), 'path must be valid Unicode text (it holds a lone surrogate).')
  .refine(
    (p) => p.split('/').every((s) => s !== '' && s !== '.' && s !== '..'),
    'path must be relative, like "modules/login", with no empty, "." or ".." segments.',
  );

export const ItemKind = z
  .string({ error: 'kind must be a string such as "module".' })
  .regex(
    /^[a-z][a-z0-9_-]{0,31}$/,
    'kind must be 1–32 lowercase letters, digits, "-" or "_", such as "module".',
  );

export const ClientLabel = z.string().max(200);
