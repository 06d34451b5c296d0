/** Parsing and hashing of the gateway's Authorization headers, once per distinct header. */
import { createHash } from "node:crypto";

export interface BearerEntry {
  header: string;
  /** The bearer token, null when the header is not `Bearer <token>`. */
  token: string | null;
  /** Rate-limit key for the token, null when there is none. */
  key: string | null;
}

/**
 * Authorization headers seen recently, each parsed (bearer token) and hashed (rate-limit key)
 * once: a client sends the same header on every request. Looked up by the header's last
 * characters, which is cheaper than hashing a whole JWT per request; the whole header is then
 * compared, so an entry is only ever used for exactly the header it was made from. The token
 * string handed out is the entry's own, so the principal cache's lookup of it reuses its hash.
 */
export class BearerMemo {
  private readonly byTail = new Map<string, BearerEntry>();

  constructor(private readonly maxEntries = 10_000) {}

  lookup(header: string): BearerEntry {
    const tail = header.length > 24 ? header.slice(-24) : header;
    let entry = this.byTail.get(tail);
    if (entry === undefined || entry.header !== header) {
      const match = /^Bearer\s+(\S+)$/i.exec(header);
      const token = match ? match[1] : null;
      entry = { header, token, key: token ? `t:${createHash("sha256").update(token).digest("hex").slice(0, 32)}` : null };
      // Crude bound against a flood of distinct headers: start over.
      if (this.byTail.size >= this.maxEntries) this.byTail.clear();
      this.byTail.set(tail, entry);
    }
    return entry;
  }
}
