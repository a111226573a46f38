// The envelope every contract call answers with. Codes are stable strings the UI can act on.

export const ERROR_CODES = [
  'INVALID_ARGUMENT', // the input failed the contract's schema or a rule (field errors in `fields`)
  'UNKNOWN_METHOD',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'CONFLICT', // e.g. a version mismatch on put, or an operation already running
  'BUSY', // the target is in use (clients connected, maintenance in progress)
  'PORT_IN_USE',
  'NOT_WRITABLE',
  'NOT_READABLE', // a folder or file the server may not read (permissions), or that fails to read
  'NO_SPACE',
  'NOT_RESPONDING', // a folder (a network share, a disk) did not answer within the deadline
  'INVALID_ARCHIVE',
  'UNSUPPORTED_VERSION',
  'CANCELLED',
  'NOT_SUPPORTED', // e.g. a native picker asked for in the browser host
  'UNAVAILABLE', // the UI could not reach the server (the connection is lost); nothing was done
  'UNREACHABLE', // an offsite host could not be reached (no route, refused, name unknown)
  'AUTH_FAILED', // an offsite host refused the login (user, key, passphrase or password)
  'HOST_KEY_UNCONFIRMED', // an offsite host's key was never confirmed by the administrator
  'HOST_KEY_CHANGED', // an offsite host presents another key than the one confirmed: refused
  'NOT_CONFIGURED', // something asked of a part that is not set up yet (the offsite copy's server)
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface AppError {
  code: ErrorCode;
  message: string;
  /** Per-field messages for forms, keyed by the field's path ("times.1", "targetFolder"). */
  fields?: Record<string, string>;
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: AppError };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const fail = (code: ErrorCode, message: string, fields?: Record<string, string>): Result<never> => ({
  ok: false,
  error: fields ? { code, message, fields } : { code, message },
});

/** Thrown by core services; the adapters turn it into `{ok: false, error}`. */
export class AppFailure extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly fields?: Record<string, string>,
  ) {
    super(message);
    this.name = 'AppFailure';
  }

  toError(): AppError {
    return this.fields
      ? { code: this.code, message: this.message, fields: this.fields }
      : { code: this.code, message: this.message };
  }
}

export const isAppFailure = (e: unknown): e is AppFailure => e instanceof AppFailure;
