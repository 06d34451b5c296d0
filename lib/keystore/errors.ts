/**
 * The one error type the keystore throws. Messages name ids, fields, files and
 * backends but never a secret value, so they are safe to log and to return.
 */
export const KEYSTORE_ERROR_CODES = [
  "INVALID_SECRET", // a payload, id or label failed validation; `field` names it
  "NOT_FOUND", // no entry with that id
  "EXISTS", // put without overwrite on an id that is taken
  "MASTER_KEY_REQUIRED", // MASTER_KEY missing or too short for the file backend
  "WRONG_MASTER_KEY", // the master key does not decrypt the keystore
  "CORRUPT", // the file or an entry is malformed or failed authentication
  "UNSUPPORTED", // the operation does not exist on this backend
  "INVALID_CONFIG", // bad factory options (path, scrypt cost, AWS prefix...)
  "BACKEND_UNAVAILABLE", // network failure, timeout, throttling, 5xx, file I/O error, or a closed keystore
  "BACKEND_ERROR", // the backend refused the request (permissions, configuration)
] as const;

export type KeystoreErrorCode = (typeof KEYSTORE_ERROR_CODES)[number];

export class KeystoreError extends Error {
  readonly code: KeystoreErrorCode;
  /** For INVALID_SECRET: the offending field, e.g. "payload.privateKey". */
  readonly field?: string;

  // No `cause`: an underlying SDK or crypto error may carry request data, secrets included.
  constructor(code: KeystoreErrorCode, message: string, options: { field?: string } = {}) {
    super(message);
    this.name = "KeystoreError";
    this.code = code;
    if (options.field !== undefined) this.field = options.field;
  }
}

export function invalid(field: string, problem: string): KeystoreError {
  return new KeystoreError("INVALID_SECRET", `Invalid secret: ${field} ${problem}`, { field });
}

export function isKeystoreError(err: unknown, code?: KeystoreErrorCode): err is KeystoreError {
  return err instanceof KeystoreError && (code === undefined || err.code === code);
}
