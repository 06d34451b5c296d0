import { DEFAULT_ROUTING, checkRequest, type ChannelName } from "../../../lib/notification";

const both = new Set<ChannelName>(["telegram", "email"]);
const fields = (p: Array<{ field: string }>) => p.map((x) => x.field);

describe("checkRequest: only what the consumer can deliver", () => {
  it("accepts ordinary text, emoji and newlines in the body", () => {
    expect(checkRequest({ severity: "info", title: "Daily report", text: "all quiet 🚀\nline two\ttabbed" }, DEFAULT_ROUTING, both)).toEqual([]);
  });

  it("refuses white space only, NUL and control characters, lone surrogates, a multi-line title", () => {
    expect(fields(checkRequest({ severity: "info", text: "   \n " }, DEFAULT_ROUTING, both))).toEqual(["text"]);
    expect(fields(checkRequest({ severity: "info", text: "a\u0000b" }, DEFAULT_ROUTING, both))).toEqual(["text"]);
    expect(fields(checkRequest({ severity: "info", text: "bell\u0007" }, DEFAULT_ROUTING, both))).toEqual(["text"]);
    expect(fields(checkRequest({ severity: "info", text: "half \uD83D pair" }, DEFAULT_ROUTING, both))).toEqual(["text"]);
    expect(fields(checkRequest({ severity: "info", title: "two\nlines", text: "ok" }, DEFAULT_ROUTING, both))).toEqual(["title"]);
    expect(fields(checkRequest({ severity: "info", title: "x".repeat(201), text: "y".repeat(3501) }, DEFAULT_ROUTING, both))).toEqual(["text", "title"]);
  });

  it("refuses a message no configured channel would deliver, naming channels or severity", () => {
    const telegramOnly = new Set<ChannelName>(["telegram"]);
    const [byChannel] = checkRequest({ severity: "info", text: "x", channels: ["email"] }, DEFAULT_ROUTING, telegramOnly);
    expect(byChannel).toMatchObject({ field: "channels", message: expect.stringContaining("configured: telegram") });
    const [bySeverity] = checkRequest({ severity: "critical", text: "x" }, { ...DEFAULT_ROUTING, critical: ["email"] }, telegramOnly);
    expect(bySeverity).toMatchObject({ field: "severity" });
    expect(checkRequest({ severity: "info", text: "x" }, DEFAULT_ROUTING, new Set())).toHaveLength(1);
    expect(checkRequest({ severity: "critical", text: "x" }, DEFAULT_ROUTING, telegramOnly)).toEqual([]);
  });
});
