/**
 * The gateway's short memory of the access tokens (JWTs) auth.resolveToken accepted, so a
 * request does not make a broker call to learn what the previous one learned. A JWT's answer
 * depends only on its signature and expiry, so keeping it changes nothing as long as no entry
 * outlives the token: entries live until the JWT's `exp`, at most PRINCIPAL_CACHE_TTL_SECONDS,
 * and `clear()` runs on the `cache.clean.auth` broadcast that user changes send. API tokens
 * (revocable, checked against the database) and refused tokens are never kept here.
 */
import type { Principal } from "./access-tokens";

export const PRINCIPAL_CACHE_TTL_SECONDS = 30;

interface Entry {
  principal: Principal;
  until: number;
}

export class PrincipalCache {
  private entries = new Map<string, Entry>();
  /** Bumped by clear(): an answer asked for before a clear must not be stored after it. */
  private generation = 0;

  constructor(private readonly maxEntries = 10_000, private readonly ttlMs = PRINCIPAL_CACHE_TTL_SECONDS * 1000) {}

  get(token: string, now = Date.now()): Principal | null {
    const entry = this.entries.get(token);
    if (!entry) return null;
    if (entry.until > now) return entry.principal;
    this.entries.delete(token);
    return null;
  }

  /** Resolves `token` through `resolve` unless a fresh answer is stored. */
  async resolve(token: string, resolve: (token: string) => Promise<Principal | null>): Promise<Principal | null> {
    const hit = this.get(token);
    if (hit) return hit;
    const generation = this.generation;
    const principal = await resolve(token);
    const expiresAt = principal?.via === "password" ? jwtExpiresAt(token) : null;
    if (principal && expiresAt !== null && generation === this.generation) {
      const now = Date.now();
      const until = Math.min(now + this.ttlMs, expiresAt);
      // Crude bound against a flood of distinct valid tokens: start over.
      if (this.entries.size >= this.maxEntries) this.entries.clear();
      if (until > now) this.entries.set(token, { principal: Object.freeze(principal), until });
    }
    return principal;
  }

  clear(): void {
    this.generation += 1;
    this.entries.clear();
  }
}

/** A JWT's `exp` in ms, read without verifying (only to bound how long an answer is kept); null for other tokens. */
export function jwtExpiresAt(token: string): number | null {
  const parts = token.split(".");
  if (parts.length !== 3) return null;
  try {
    const exp = (JSON.parse(Buffer.from(parts[1], "base64url").toString("utf8")) as { exp?: unknown }).exp;
    return typeof exp === "number" ? exp * 1000 : null;
  } catch {
    return null;
  }
}
