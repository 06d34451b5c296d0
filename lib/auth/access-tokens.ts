/**
 * Short-lived JWT access tokens returned by login and refresh. A token names its user and the
 * user's token version (`ver`) when it was signed; the auth service accepts it only while the
 * user is enabled and still has that version (bumped on a role change, disable or password
 * change), and takes the role from the user's current row, never from the token.
 */
import jwt from "jsonwebtoken";
import { isRole, type Role } from "./roles";

export const ACCESS_TOKEN_TTL_SECONDS = 5 * 60;
const ISSUER = "mmesh";

export interface Principal {
  userId: number;
  username: string;
  role: Role;
  /** "password" for a login JWT, "api-token" for a script token. */
  via: "password" | "api-token";
}

/** What a verified access token claims; to be checked against the user's current row. */
export interface AccessClaims {
  userId: number;
  username: string;
  role: Role;
  tokenVersion: number;
}

export function signAccessToken(
  secret: string,
  principal: Omit<Principal, "via"> & { tokenVersion?: number },
  ttlSeconds = ACCESS_TOKEN_TTL_SECONDS,
): string {
  return jwt.sign({ role: principal.role, username: principal.username, ver: principal.tokenVersion ?? 0 }, secret, {
    algorithm: "HS256",
    subject: String(principal.userId),
    issuer: ISSUER,
    expiresIn: ttlSeconds,
  });
}

/** The token's claims, or null when the token is invalid, expired or forged. */
export function verifyAccessClaims(secret: string, token: string): AccessClaims | null {
  try {
    const claims = jwt.verify(token, secret, { algorithms: ["HS256"], issuer: ISSUER }) as jwt.JwtPayload;
    if (!isRole(claims.role) || typeof claims.username !== "string" || !claims.sub || !Number.isInteger(claims.ver)) return null;
    return { userId: Number(claims.sub), username: claims.username, role: claims.role, tokenVersion: claims.ver as number };
  } catch {
    return null;
  }
}

/** The principal a token claims (signature and expiry only: the caller checks it against the user). */
export function verifyAccessToken(secret: string, token: string): Principal | null {
  const claims = verifyAccessClaims(secret, token);
  return claims && { userId: claims.userId, username: claims.username, role: claims.role, via: "password" };
}

/** The user's row as far as an access token cares. */
export interface TokenHolder {
  id: number;
  username: string;
  role: Role;
  disabled: boolean;
  token_version: number;
}

/**
 * The principal for verified claims given the user's current row: null when the user is gone,
 * disabled, or has changed since the token was signed (token version). The role is the row's.
 */
export function principalFor(claims: AccessClaims, user: TokenHolder | null): Principal | null {
  if (!user || user.id !== claims.userId || user.disabled || user.token_version !== claims.tokenVersion) return null;
  return { userId: user.id, username: user.username, role: user.role, via: "password" };
}
