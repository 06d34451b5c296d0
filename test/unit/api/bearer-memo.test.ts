import { createHash } from "node:crypto";
import { BearerMemo } from "../../../lib/api/bearer-memo";

const keyOf = (token: string) => `t:${createHash("sha256").update(token).digest("hex").slice(0, 32)}`;

describe("gateway bearer memo", () => {
  it("parses Bearer headers and keys them by the token's hash", () => {
    const memo = new BearerMemo();
    expect(memo.lookup("Bearer abc.def.ghi")).toMatchObject({ token: "abc.def.ghi", key: keyOf("abc.def.ghi") });
    expect(memo.lookup("bearer   xyz")).toMatchObject({ token: "xyz", key: keyOf("xyz") });
    expect(memo.lookup("Basic dXNlcjpwYXNz")).toMatchObject({ token: null, key: null });
    expect(memo.lookup("Bearer two tokens")).toMatchObject({ token: null, key: null });
  });

  it("answers the same entry for the same header, even a fresh string of it", () => {
    const memo = new BearerMemo();
    const header = `Bearer ${"a".repeat(200)}`;
    const first = memo.lookup(header);
    expect(memo.lookup(Buffer.from(header).toString("latin1"))).toBe(first);
  });

  it("never answers for a different header with the same tail", () => {
    const memo = new BearerMemo();
    const tail = "x".repeat(40);
    const a = memo.lookup(`Bearer aaa${tail}`);
    const b = memo.lookup(`Bearer bbb${tail}`);
    expect(b.token).toBe(`bbb${tail}`);
    expect(b.key).not.toBe(a.key);
    expect(memo.lookup(`Bearer aaa${tail}`).token).toBe(`aaa${tail}`);
    expect(memo.lookup(`Xearer aaa${tail}`)).toMatchObject({ token: null, key: null });
  });

  it("stays bounded", () => {
    const memo = new BearerMemo(10);
    for (let i = 0; i < 25; i++) memo.lookup(`Bearer token-number-${i}-${"z".repeat(30)}`);
    expect((memo as unknown as { byTail: Map<string, unknown> }).byTail.size).toBeLessThanOrEqual(10);
  });
});
