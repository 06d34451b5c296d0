/**
 * The gateway's short memory of the Authorization headers it has seen, one entry per header:
 * the bearer token parsed from it and, for an access token (JWT from a login) that
 * auth.resolveToken accepted, the principal it resolved to.
 *
 * auth.resolveToken checks a JWT against its user's current row (enabled, same token version;
 * the role is the row's), so a kept answer may go stale when the user changes. `clear()` runs on
 * the `cache.clean.auth` broadcast that every user change sends, and an answer is kept at most
 * PRINCIPAL_CACHE_TTL_SECONDS (and never past the JWT's `exp`): a gateway that missed the
 * broadcast asks again within those seconds, and the bumped token version refuses the token.
 * API tokens and refused tokens are resolved again on every request: their entries never hold a principal.
 * The rate limiter never keys on an entry: a bearer is the client's choice until it is verified.
 *
 * A client sends the same header on every request, so the header is looked up by its last
 * characters, cheaper than hashing a whole JWT per request; the whole header is then compared,
 * so an entry is only ever used for exactly the header it was made from.
 */
import type { Principal } from "../auth/access-tokens";

export const PRINCIPAL_CACHE_TTL_SECONDS = 5;

export interface BearerEntry {
  readonly header: string;
  /** The bearer token, null when the header is not `Bearer <token>`. */
  readonly token: string | null;
  /** The principal auth.resolveToken gave for a JWT, valid while `Date.now() < until`. */
  principal: Principal | null;
  until: number;
}

const TAIL = 24;

export class BearerCache {
  private byTail = new Map<string, BearerEntry>();
  /** Bumped by clear(): an answer asked for before a clear must not be stored after it. */
  private generation = 0;

  constructor(private readonly maxEntries = 10_000, private readonly ttlMs = PRINCIPAL_CACHE_TTL_SECONDS * 1000) {}

  /** The entry for an Authorization header (parsed once per distinct header). */
  lookup(header: string): BearerEntry {
    const tail = header.length > TAIL ? header.slice(-TAIL) : header;
    let entry = this.byTail.get(tail);
    if (entry === undefined || entry.header !== header) {
      const match = /^Bearer\s+(\S+)$/i.exec(header);
      const token = match ? match[1] : null;
      entry = { header, token, principal: null, until: 0 };
      // Crude bound against a flood of distinct headers: start over.
      if (this.byTail.size >= this.maxEntries) this.byTail.clear();
      this.byTail.set(tail, entry);
    }
    return entry;
  }

  /** The principal kept for this entry, null when none is kept or it is too old. */
  principal(entry: BearerEntry, now = Date.now()): Principal | null {
    return entry.until > now ? entry.principal : null;
  }

  /** The entry's principal: the one kept, else what `resolve` answers for its token (kept if it is a JWT's). */
  async resolve(entry: BearerEntry, resolve: (token: string) => Promise<Principal | null>): Promise<Principal | null> {
    const hit = this.principal(entry);
    if (hit || entry.token === null) return hit;
    const generation = this.generation;
    const principal = await resolve(entry.token);
    const expiresAt = principal?.via === "password" ? jwtExpiresAt(entry.token) : null;
    if (principal && expiresAt !== null && generation === this.generation) {
      const now = Date.now();
      const until = Math.min(now + this.ttlMs, expiresAt);
      if (until > now) {
        entry.principal = Object.freeze(principal);
        entry.until = until;
      }
    }
    return principal;
  }

  /** Forgets every principal (and every header). */
  clear(): void {
    this.generation += 1;
    // A new map: entries already handed to requests in flight keep no principal either.
    for (const entry of this.byTail.values()) entry.until = 0;
    this.byTail = new Map();
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
