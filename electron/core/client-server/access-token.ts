import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { SettingsService } from '../settings';

// The client port's access token (ARCHITECTURE §4): made on the first start and kept in the settings, so
// a test tool configured once keeps working. Who must present it is the setting `tokenRequiredFrom`.

/** 32 random bytes, URL-safe: fits a query string and an Authorization header unchanged. */
export const newAccessToken = (): string => randomBytes(32).toString('base64url');

/** The token, made and saved now if there is none yet. */
export function ensureAccessToken(settings: SettingsService): string {
  const current = settings.get().clientServer;
  if (current.accessToken !== null) return current.accessToken;
  const token = newAccessToken();
  settings.update('clientServer', { ...current, accessToken: token });
  return token;
}

/** Replaces the token; sessions already connected stay, new ones need the new token. */
export function rotateAccessToken(settings: SettingsService): string {
  const token = newAccessToken();
  settings.update('clientServer', { ...settings.get().clientServer, accessToken: token });
  return token;
}

/** Compares secrets in constant time: both sides are hashed first, so their lengths leak nothing. */
export function sameSecret(given: string | null, expected: string): boolean {
  if (given === null) return false;
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}
