/**
 * API tokens for scripts: random, high-entropy strings shown once at creation.
 * Only their SHA-256 is stored (a KDF is unnecessary for 192-bit random values),
 * plus a short prefix so a user can tell tokens apart in a listing.
 */
import { createHash, randomBytes } from "node:crypto";

export const API_TOKEN_PREFIX = "mmt_";

export function generateApiToken(): string {
  return API_TOKEN_PREFIX + randomBytes(24).toString("base64url");
}

export function hashApiToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

export function isApiToken(token: string): boolean {
  return token.startsWith(API_TOKEN_PREFIX);
}

/** What a listing shows of a token: its prefix and first characters. */
export function tokenHint(token: string): string {
  return `${token.slice(0, API_TOKEN_PREFIX.length + 4)}…`;
}
