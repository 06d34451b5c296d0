/**
 * Refresh tokens: long-lived, random, single-use. Each refresh spends the token and returns a
 * new one of the same family; only the SHA-256 is stored (as for API tokens). A spent token
 * presented again means one of the two holders is not the user: the whole family is revoked.
 */
import { randomBytes } from "node:crypto";

export const REFRESH_TOKEN_PREFIX = "mmr_";
export const REFRESH_TOKEN_TTL_SECONDS = 14 * 86_400;

export function generateRefreshToken(): string {
  return REFRESH_TOKEN_PREFIX + randomBytes(32).toString("base64url");
}

export function isRefreshToken(token: string): boolean {
  return token.startsWith(REFRESH_TOKEN_PREFIX);
}
