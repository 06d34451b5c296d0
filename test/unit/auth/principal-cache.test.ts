import { signAccessToken, verifyAccessToken, type Principal } from "../../../lib/auth/access-tokens";
import { generateApiToken } from "../../../lib/auth/api-tokens";
import { PrincipalCache, jwtExpiresAt } from "../../../lib/auth/principal-cache";

describe("gateway principal cache", () => {
  const secret = "s".repeat(32);
  const user = { userId: 1, username: "ann", role: "trader" as const };

  function counting(answer: (token: string) => Principal | null) {
    const calls: string[] = [];
    return { calls, resolve: async (token: string) => (calls.push(token), answer(token)) };
  }

  it("asks once per access token, then answers from memory", async () => {
    const token = signAccessToken(secret, user);
    const cache = new PrincipalCache();
    const auth = counting((t) => verifyAccessToken(secret, t));
    expect(await cache.resolve(token, auth.resolve)).toMatchObject({ username: "ann", role: "trader" });
    expect(await cache.resolve(token, auth.resolve)).toMatchObject({ username: "ann" });
    expect(auth.calls).toHaveLength(1);
  });

  it("never keeps refused tokens or API tokens (revocable in the database)", async () => {
    const cache = new PrincipalCache();
    const refused = counting(() => null);
    await cache.resolve("not-a-token", refused.resolve);
    await cache.resolve("not-a-token", refused.resolve);
    expect(refused.calls).toHaveLength(2);
    const apiToken = generateApiToken();
    const viaApi = counting(() => ({ ...user, via: "api-token" }));
    await cache.resolve(apiToken, viaApi.resolve);
    await cache.resolve(apiToken, viaApi.resolve);
    expect(viaApi.calls).toHaveLength(2);
  });

  it("forgets everything on clear, including an answer that was in flight", async () => {
    const token = signAccessToken(secret, user);
    const cache = new PrincipalCache();
    const auth = counting((t) => verifyAccessToken(secret, t));
    await cache.resolve(token, auth.resolve);
    cache.clear();
    await cache.resolve(token, async (t) => {
      const answer = await auth.resolve(t);
      cache.clear(); // e.g. a token revoked while this request was being authenticated
      return answer;
    });
    await cache.resolve(token, auth.resolve);
    expect(auth.calls).toHaveLength(3);
  });

  it("keeps no answer past the token's expiry", async () => {
    const token = signAccessToken(secret, user, 10); // shorter than the TTL
    const exp = jwtExpiresAt(token)!;
    expect(Math.abs(exp - (Date.now() + 10_000))).toBeLessThan(2_000);
    const cache = new PrincipalCache();
    await cache.resolve(token, async (t) => verifyAccessToken(secret, t));
    expect(cache.get(token, exp - 1)).not.toBeNull();
    expect(cache.get(token, exp)).toBeNull();
    // An answer for a token already expired (e.g. served from a cache) is not stored.
    const expired = signAccessToken(secret, user, -10);
    const auth = counting(() => ({ ...user, via: "password" }));
    await cache.resolve(expired, auth.resolve);
    await cache.resolve(expired, auth.resolve);
    expect(auth.calls).toHaveLength(2);
  });

  it("keeps no answer longer than the TTL", async () => {
    const token = signAccessToken(secret, user);
    const cache = new PrincipalCache(10, 1_000);
    await cache.resolve(token, async (t) => verifyAccessToken(secret, t));
    expect(cache.get(token, Date.now() + 500)).not.toBeNull();
    expect(cache.get(token, Date.now() + 1_001)).toBeNull();
  });
});
