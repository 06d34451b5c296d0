/** The gateway's memory of Authorization headers: parsing and the principals of login JWTs. */
import { signAccessToken, verifyAccessToken, type Principal } from "../../../lib/auth/access-tokens";
import { generateApiToken } from "../../../lib/auth/api-tokens";
import { BearerCache, jwtExpiresAt } from "../../../lib/api/bearer-cache";

describe("gateway bearer cache: headers", () => {
  it("parses Bearer headers", () => {
    const cache = new BearerCache();
    expect(cache.lookup("Bearer abc.def.ghi")).toMatchObject({ token: "abc.def.ghi" });
    expect(cache.lookup("bearer   xyz")).toMatchObject({ token: "xyz" });
    expect(cache.lookup("Basic dXNlcjpwYXNz")).toMatchObject({ token: null });
    expect(cache.lookup("Bearer two tokens")).toMatchObject({ token: null });
  });

  it("answers the same entry for the same header, even a fresh string of it", () => {
    const cache = new BearerCache();
    const header = `Bearer ${"a".repeat(200)}`;
    const first = cache.lookup(header);
    expect(cache.lookup(Buffer.from(header).toString("latin1"))).toBe(first);
  });

  it("never answers for a different header with the same tail", () => {
    const cache = new BearerCache();
    const tail = "x".repeat(40);
    const a = cache.lookup(`Bearer aaa${tail}`);
    const b = cache.lookup(`Bearer bbb${tail}`);
    expect(b.token).toBe(`bbb${tail}`);
    expect(b).not.toBe(a);
    expect(cache.lookup(`Bearer aaa${tail}`).token).toBe(`aaa${tail}`);
    expect(cache.lookup(`Xearer aaa${tail}`)).toMatchObject({ token: null });
  });

  it("stays bounded", () => {
    const cache = new BearerCache(10);
    for (let i = 0; i < 25; i++) cache.lookup(`Bearer token-number-${i}-${"z".repeat(30)}`);
    expect((cache as unknown as { byTail: Map<string, unknown> }).byTail.size).toBeLessThanOrEqual(10);
  });
});

describe("gateway bearer cache: principals", () => {
  const secret = "s".repeat(32);
  const user = { userId: 1, username: "ann", role: "trader" as const };
  const bearer = (token: string) => `Bearer ${token}`;

  function counting(answer: (token: string) => Principal | null) {
    const calls: string[] = [];
    return { calls, resolve: async (token: string) => (calls.push(token), answer(token)) };
  }

  it("asks once per access token, then answers from memory, also for a fresh string of the header", async () => {
    const token = signAccessToken(secret, user);
    const cache = new BearerCache();
    const auth = counting((t) => verifyAccessToken(secret, t));
    expect(await cache.resolve(cache.lookup(bearer(token)), auth.resolve)).toMatchObject({ username: "ann", role: "trader" });
    const again = cache.lookup(Buffer.from(bearer(token)).toString("latin1"));
    expect(cache.principal(again)).toMatchObject({ username: "ann" });
    expect(await cache.resolve(again, auth.resolve)).toMatchObject({ username: "ann" });
    expect(auth.calls).toEqual([token]);
  });

  it("never keeps refused tokens or API tokens (revocable in the database)", async () => {
    const cache = new BearerCache();
    const refused = counting(() => null);
    await cache.resolve(cache.lookup(bearer("not-a-token")), refused.resolve);
    await cache.resolve(cache.lookup(bearer("not-a-token")), refused.resolve);
    expect(refused.calls).toHaveLength(2);
    const apiToken = generateApiToken();
    const viaApi = counting(() => ({ ...user, via: "api-token" }));
    await cache.resolve(cache.lookup(bearer(apiToken)), viaApi.resolve);
    expect(cache.principal(cache.lookup(bearer(apiToken)))).toBeNull();
    await cache.resolve(cache.lookup(bearer(apiToken)), viaApi.resolve);
    expect(viaApi.calls).toHaveLength(2);
  });

  it("does not ask for a header without a bearer token", async () => {
    const cache = new BearerCache();
    const auth = counting(() => ({ ...user, via: "password" }));
    expect(await cache.resolve(cache.lookup("Basic dXNlcjpwYXNz"), auth.resolve)).toBeNull();
    expect(auth.calls).toHaveLength(0);
  });

  it("forgets everything on clear, including an answer that was in flight and entries held by requests", async () => {
    const token = signAccessToken(secret, user);
    const cache = new BearerCache();
    const auth = counting((t) => verifyAccessToken(secret, t));
    const held = cache.lookup(bearer(token));
    await cache.resolve(held, auth.resolve);
    cache.clear();
    expect(cache.principal(held)).toBeNull();
    await cache.resolve(cache.lookup(bearer(token)), async (t) => {
      const answer = await auth.resolve(t);
      cache.clear(); // e.g. a token revoked while this request was being authenticated
      return answer;
    });
    expect(cache.principal(cache.lookup(bearer(token)))).toBeNull();
    await cache.resolve(cache.lookup(bearer(token)), auth.resolve);
    expect(auth.calls).toHaveLength(3);
  });

  it("keeps no answer past the token's expiry", async () => {
    const token = signAccessToken(secret, user, 10); // shorter than the TTL
    const exp = jwtExpiresAt(token)!;
    expect(Math.abs(exp - (Date.now() + 10_000))).toBeLessThan(2_000);
    const cache = new BearerCache(10, 60_000);
    const entry = cache.lookup(bearer(token));
    await cache.resolve(entry, async (t) => verifyAccessToken(secret, t));
    expect(cache.principal(entry, exp - 1)).not.toBeNull();
    expect(cache.principal(entry, exp)).toBeNull();
    // An answer for a token already expired (e.g. served from a cache) is not stored.
    const expired = signAccessToken(secret, user, -10);
    const auth = counting(() => ({ ...user, via: "password" }));
    await cache.resolve(cache.lookup(bearer(expired)), auth.resolve);
    await cache.resolve(cache.lookup(bearer(expired)), auth.resolve);
    expect(auth.calls).toHaveLength(2);
  });

  it("keeps no answer longer than the TTL", async () => {
    const token = signAccessToken(secret, user);
    const cache = new BearerCache(10, 1_000);
    const entry = cache.lookup(bearer(token));
    await cache.resolve(entry, async (t) => verifyAccessToken(secret, t));
    expect(cache.principal(entry, Date.now() + 500)).not.toBeNull();
    expect(cache.principal(entry, Date.now() + 1_001)).toBeNull();
  });
});
