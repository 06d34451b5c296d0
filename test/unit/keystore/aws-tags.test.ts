import { decodeTagValue, encodeTagValue, metadataFromTags, metadataTags } from "../../../lib/keystore/aws-tags";

const TAG_VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

describe("AWS tag encoding", () => {
  it.each(["****WXYZ", "fp:1a2b3c4d", "OKX main", "a=b", "Über-Konto (prod) #1 ✓", "=41", "", "100% safe*"])("round-trips %j through tag-safe characters", (value) => {
    const encoded = encodeTagValue(value);
    expect(encoded).toMatch(TAG_VALUE);
    expect(decodeTagValue(encoded)).toBe(value);
  });

  it("leaves plain labels readable", () => {
    expect(encodeTagValue("OKX main 2")).toBe("OKX main 2");
  });

  it("round-trips metadata and ignores secrets without mmesh tags", () => {
    const meta = { kind: "cex" as const, hint: "****WXYZ", label: "main, prod", exchange: "okx" };
    expect(metadataFromTags(metadataTags(meta))).toEqual(meta);
    expect(metadataFromTags([{ Key: "team", Value: "ops" }])).toBeNull();
    expect(metadataFromTags(undefined)).toBeNull();
  });
});
