/** Short-lived JWT access tokens returned by login. */
import jwt from "jsonwebtoken";
import { isRole, type Role } from "./roles";

export const ACCESS_TOKEN_TTL_SECONDS = 15 * 60;
const ISSUER = "mmesh";

export interface Principal {
  userId: number;
  username: string;
  role: Role;
  /** "password" for a login JWT, "api-token" for a script token. */
  via: "password" | "api-token";
}

export function signAccessToken(secret: string, principal: Omit<Principal, "via">, ttlSeconds = ACCESS_TOKEN_TTL_SECONDS): string {
  return jwt.sign({ role: principal.role, username: principal.username }, secret, {
    algorithm: "HS256",
    subject: String(principal.userId),
    issuer: ISSUER,
    expiresIn: ttlSeconds,
  });
}

/** Returns the principal, or null when the token is invalid, expired or forged. */
export function verifyAccessToken(secret: string, token: string): Principal | null {
  try {
    const claims = jwt.verify(token, secret, { algorithms: ["HS256"], issuer: ISSUER }) as jwt.JwtPayload;
    if (!isRole(claims.role) || typeof claims.username !== "string" || !claims.sub) return null;
    return { userId: Number(claims.sub), username: claims.username, role: claims.role, via: "password" };
  } catch {
    return null;
  }
}
