import { jsonDepth, refuseDeepJson } from "../../../lib/api/json-depth";

const buf = (s: string) => Buffer.from(s);

describe("jsonDepth", () => {
  it("counts nesting of objects and arrays, not brackets inside strings", () => {
    expect(jsonDepth(buf("1"))).toBe(0);
    expect(jsonDepth(buf('{"a":[1,{"b":2}]}'))).toBe(3);
    expect(jsonDepth(buf('{"a":"[[[{{{","b":"\\"[["}'))).toBe(1);
  });

  it("stops early past the limit", () => {
    expect(jsonDepth(buf("[".repeat(10_000)), 32)).toBe(33);
  });

  it("refuses a body deeper than the limit with a 400 that names the limit", () => {
    const verify = refuseDeepJson(32);
    expect(() => verify(null, null, buf(`${"[".repeat(32)}${"]".repeat(32)}`))).not.toThrow();
    expect(() => verify(null, null, buf(`${'{"a":'.repeat(10_000)}1${"}".repeat(10_000)}`))).toThrow(expect.objectContaining({ status: 400, type: "BODY_TOO_DEEP", message: expect.stringContaining("32") }));
  });
});
