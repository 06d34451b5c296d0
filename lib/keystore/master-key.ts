import { KeystoreError } from "./errors";

export const MIN_MASTER_KEY_LENGTH = 12;

/** Refuses a missing or short master key before any file is touched. */
export function checkMasterKey(value: unknown, what = "MASTER_KEY"): string {
  if (typeof value !== "string" || value.trim().length === 0) {
    throw new KeystoreError("MASTER_KEY_REQUIRED", `${what} is required to open the file keystore; set it to a long random secret`);
  }
  if (value.length < MIN_MASTER_KEY_LENGTH) {
    throw new KeystoreError("MASTER_KEY_REQUIRED", `${what} must be at least ${MIN_MASTER_KEY_LENGTH} characters`);
  }
  return value;
}
