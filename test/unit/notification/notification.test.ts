import { readEnv } from "../../../lib/runtime/env";
import { DeliveryLog, TelegramClient, backoffMs, checkRouting, decideCommand, fromAlert, fromRequest, route, type TelegramUpdate } from "../../../lib/notification";
import { startFakeTelegram } from "../../support/fake-telegram";

const TOKEN = "123456789:AAtest-token-for-mmesh_0123456789";

describe("routing", () => {
  it("routes by severity, limited to configured channels; requests may name channels", () => {
    const routing = checkRouting({ warning: ["email"] });
    const both = new Set(["telegram", "email"] as const);
    expect(route(routing, { severity: "critical", title: "", text: "" }, both)).toEqual(["telegram", "email"]);
    expect(route(routing, { severity: "warning", title: "", text: "" }, both)).toEqual(["email"]);
    expect(route(routing, { severity: "critical", title: "", text: "" }, new Set(["telegram"] as const))).toEqual(["telegram"]);
    expect(route(routing, { severity: "info", title: "", text: "", channels: ["email"] }, both)).toEqual(["email"]);
    expect(() => checkRouting({ info: ["pager" as never] })).toThrow(/unknown channel "pager"/);
  });

  it("formats alerts and requests, refusing malformed payloads", () => {
    const n = fromAlert("alert.raised", { rule: "dd", severity: "critical", message: "Drawdown 0.2", labels: { market: "btc" }, value: 0.2, raisedAt: "2026-01-01T00:00:00.000Z" });
    expect(n.title).toBe("CRITICAL: Drawdown 0.2");
    expect(n.text).toBe("🚨 CRITICAL: Drawdown 0.2\nrule: dd {market=btc}\nvalue: 0.2\nraised: 2026-01-01T00:00:00.000Z");
    expect(fromAlert("alert.resolved", { rule: "dd", severity: "critical", message: "Drawdown", resolvedAt: "t", reason: "cleared" }).title).toBe("RESOLVED: Drawdown");
    expect(() => fromAlert("alert.raised", { severity: "loud" })).toThrow(/severity/);
    expect(fromRequest({ text: "hello\nworld" })).toMatchObject({ severity: "info", title: "hello" });
    expect(() => fromRequest({ text: "" })).toThrow(/text/);
    expect(() => fromRequest({ text: "x", channels: ["sms"] })).toThrow(/channels/);
  });

  it("backs off exponentially, capped, and remembers deliveries within a bound", () => {
    expect([0, 1, 2, 3, 10].map((n) => backoffMs(n, 100, 1000))).toEqual([0, 100, 200, 400, 1000]);
    const log = new DeliveryLog(2);
    log.add("a");
    log.add("b");
    log.add("c");
    expect([log.has("a"), log.has("b"), log.has("c")]).toEqual([false, true, true]);
  });
});

describe("telegram commands", () => {
  const update = (chat: number, text: string): TelegramUpdate => ({ update_id: 1, message: { message_id: 1, chat: { id: chat }, text } });
  const allowed = new Set(["10"]);

  it("runs commands from allowed chats only", () => {
    expect(decideCommand(update(10, "/status"), allowed)).toEqual({ kind: "run", chatId: "10", command: "status", args: [] });
    expect(decideCommand(update(10, "/stop@mmesh_bot now"), allowed)).toEqual({ kind: "run", chatId: "10", command: "stop", args: ["now"] });
    expect(decideCommand(update(11, "/stop"), allowed)).toMatchObject({ kind: "refuse", chatId: "11" });
    expect(decideCommand(update(10, "hello"), allowed)).toEqual({ kind: "ignore" });
    expect(decideCommand(update(10, "/launch"), allowed)).toMatchObject({ kind: "unknown" });
    expect(decideCommand({ update_id: 2 }, allowed)).toEqual({ kind: "ignore" });
  });

  it("talks to the Bot API and keeps the token out of errors", async () => {
    const fake = await startFakeTelegram(TOKEN);
    try {
      const client = new TelegramClient({ baseUrl: fake.url, token: TOKEN, timeoutMs: 2000 });
      await client.sendMessage(10, "hi");
      expect(fake.sent).toMatchObject([{ chatId: "10", text: "hi" }]);
      fake.failSendMessage(1);
      const err = await client.sendMessage(10, "x").catch((e: Error) => e);
      expect((err as Error).message).toBe(`Telegram sendMessage failed (${fake.url}/bot****/sendMessage): HTTP 500: Internal Server Error`);
      fake.script(10, "/pnl");
      expect((await client.getUpdates(0, 0)).map((u) => u.message?.text)).toEqual(["/pnl"]);
      const wrong = new TelegramClient({ baseUrl: fake.url, token: "1:wrong-token-wrong-token-xx" });
      const e2 = (await wrong.sendMessage(1, "x").catch((e: Error) => e)) as Error;
      expect(e2.message).toContain("HTTP 401");
      expect(e2.message).not.toContain("wrong-token");
      const down = new TelegramClient({ baseUrl: "http://127.0.0.1:9", token: TOKEN, timeoutMs: 1000 });
      const e3 = (await down.sendMessage(1, "x").catch((e: Error) => e)) as Error;
      expect(e3.message).toContain("http://127.0.0.1:9/bot****/sendMessage");
      expect(e3.message).not.toContain(TOKEN.split(":")[1]);
    } finally {
      await fake.close();
    }
  });
});

describe("notification environment variables", () => {
  it("reads the Telegram and SMTP settings", () => {
    const env = readEnv({
      TELEGRAM_BOT_TOKEN: TOKEN,
      TELEGRAM_CHAT_IDS: "10, -100200",
      SMTP_URL: "smtp://u:p@127.0.0.1:2525",
      NOTIFY_EMAIL_FROM: "mm@x.test",
      NOTIFY_EMAIL_TO: "a@x.test,b@x.test",
    }).notification;
    expect(env).toEqual({ telegramBotToken: TOKEN, telegramApiUrl: "https://api.telegram.org", telegramChatIds: ["10", "-100200"], smtpUrl: "smtp://u:p@127.0.0.1:2525", emailFrom: "mm@x.test", emailTo: ["a@x.test", "b@x.test"] });
    expect(readEnv({}).notification).toMatchObject({ telegramBotToken: null, smtpUrl: null, telegramChatIds: [], emailTo: [] });
  });

  it("refuses malformed values naming the variable, without echoing secrets", () => {
    const secretish = "999:this-is-not-valid token";
    const err = (() => {
      try {
        readEnv({ TELEGRAM_BOT_TOKEN: secretish });
      } catch (e) {
        return e as Error;
      }
    })();
    expect(err?.message).toMatch(/^Invalid environment variable TELEGRAM_BOT_TOKEN/);
    expect(err?.message).not.toContain("this-is-not-valid");
    expect(() => readEnv({ TELEGRAM_API_URL: "ftp://x" })).toThrow(/TELEGRAM_API_URL/);
    expect(() => readEnv({ TELEGRAM_CHAT_IDS: "10,abc" })).toThrow(/TELEGRAM_CHAT_IDS/);
    const smtpErr = (() => {
      try {
        readEnv({ SMTP_URL: "http://user:hunter2secret@host", NOTIFY_EMAIL_TO: "a@x.test" });
      } catch (e) {
        return e as Error;
      }
    })();
    expect(smtpErr?.message).toMatch(/SMTP_URL/);
    expect(smtpErr?.message).not.toContain("hunter2secret");
    expect(() => readEnv({ SMTP_URL: "smtp://h:25" })).toThrow(/NOTIFY_EMAIL_TO: required when SMTP_URL is set/);
    expect(() => readEnv({ NOTIFY_EMAIL_TO: "not-an-address" })).toThrow(/NOTIFY_EMAIL_TO/);
    expect(() => readEnv({ NOTIFY_EMAIL_FROM: "x" })).toThrow(/NOTIFY_EMAIL_FROM/);
    expect(readEnv({ SERVICES: "notification,alerting" }).services).toEqual(["notification", "alerting"]);
  });
});
