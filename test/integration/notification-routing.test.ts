/**
 * Per-severity notification routing from the config service: a `notifications`
 * document "routing" written with config.set decides whether a warning reaches the
 * real SMTP server (test/support/fake-smtp.ts) or Telegram (local fake Bot API).
 * In-memory durable bus and SQLite config store: one broker, the embedded default.
 */
import { ServiceBroker } from "moleculer";
import { createBrokerOptions } from "../../moleculer.config";
import createConfigService from "../../services/config.service";
import createNotificationService from "../../services/notification.service";
import { testEnv } from "../support/env";
import { startFakeTelegram, type FakeTelegram } from "../support/fake-telegram";
import { startSmtp } from "../support/fake-smtp";

jest.setTimeout(30_000);

const CHAT = "1001";
const TRADER = { userId: 2, username: "tina", role: "trader", via: "password" };

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 5_000, what = "condition"): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Status {
  routing: Record<string, string[]>;
  routingSource: { from: "config"; document: string; version: number } | { from: "settings"; reason: string };
}

describe("notification routing from the config service", () => {
  let telegram: FakeTelegram;
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  let env: ReturnType<typeof testEnv>;
  let broker: ServiceBroker;
  let n = 0;

  const status = () => broker.call<Status, object>("notification.status", {});
  const setRouting = (body: object, meta: object = {}) => broker.call("config.set", { kind: "notifications", name: "routing", body }, { meta });
  /** Sends a warning through the durable bus and waits until it was handled (delivered somewhere or nowhere). */
  async function sendWarning(): Promise<{ mailed: boolean; telegrammed: boolean }> {
    const text = `routing check #${++n}#`;
    await broker.call("notification.send", { severity: "warning", title: text, text: "inventory drifting" });
    // Every warning in this file is routed to at least one channel: wait for any, then for stragglers.
    await waitFor(() => smtp.mails.some((m) => m.subject.includes(text)) || telegram.sentTo(CHAT).some((m) => m.text.includes(text)), 5_000, text);
    await sleep(200);
    return { mailed: smtp.mails.some((m) => m.subject.includes(text)), telegrammed: telegram.sentTo(CHAT).some((m) => m.text.includes(text)) };
  }
  const fromConfig = (version: number) => async () => {
    const s = await status();
    return s.routingSource.from === "config" && s.routingSource.version === version;
  };

  beforeAll(async () => {
    telegram = await startFakeTelegram();
    smtp = await startSmtp("mmesh", "smtp-pass");
    env = testEnv({
      TELEGRAM_BOT_TOKEN: telegram.token,
      TELEGRAM_API_URL: telegram.url,
      TELEGRAM_CHAT_IDS: CHAT,
      SMTP_URL: `smtp://mmesh:smtp-pass@127.0.0.1:${smtp.port}`,
      NOTIFY_EMAIL_TO: "desk@example.test",
    });
    broker = new ServiceBroker({ ...createBrokerOptions(env), logger: false });
    broker.createService(createConfigService(env));
    broker.createService(createNotificationService(env, { pollCommands: false, retryDelayMs: 50, backoffBaseMs: 50, configRetryMs: 50 }));
    await broker.start();
  });

  afterAll(async () => {
    await broker?.stop();
    await telegram?.close();
    await smtp?.close();
    env?.cleanup();
  });

  it("uses the settings' routing while there is no routing document, and says so", async () => {
    await waitFor(async () => (await status()).routingSource.from === "settings" && !JSON.stringify((await status()).routingSource).includes("not loaded"), 5_000, "routing loaded");
    const s = await status();
    expect(s.routingSource).toEqual({ from: "settings", reason: "no notifications/routing config document" });
    expect(s.routing.warning).toEqual(["telegram"]);
    expect(await sendWarning()).toEqual({ mailed: false, telegrammed: true });
  });

  it("sends a warning by e-mail once the routing document says email, and not when it does not", async () => {
    const v1 = await setRouting({ info: ["telegram"], warning: ["email"], critical: ["telegram", "email"] });
    expect(v1).toMatchObject({ kind: "notifications", name: "routing", version: 1 });
    await waitFor(fromConfig(1), 5_000, "routing version 1");
    expect((await status()).routing).toEqual({ info: ["telegram"], warning: ["email"], critical: ["telegram", "email"] });
    expect(await sendWarning()).toEqual({ mailed: true, telegrammed: false });

    await setRouting({ info: ["telegram"], warning: ["telegram"], critical: ["telegram", "email"] });
    await waitFor(fromConfig(2), 5_000, "routing version 2");
    expect(await sendWarning()).toEqual({ mailed: false, telegrammed: true });

    await setRouting({ info: [], warning: ["telegram", "email"], critical: ["email"] });
    await waitFor(fromConfig(3), 5_000, "routing version 3");
    expect(await sendWarning()).toEqual({ mailed: true, telegrammed: true });
  });

  it("refuses an invalid routing document and a non-admin writer, keeping the routing in force", async () => {
    await expect(setRouting({ info: ["telegram"], warning: ["sms"], critical: ["email"] })).rejects.toMatchObject({ type: "VALIDATION_ERROR" });
    await expect(setRouting({ info: ["telegram"], warning: ["email"] })).rejects.toMatchObject({ type: "VALIDATION_ERROR" });
    await expect(setRouting({ info: ["telegram"], warning: ["email"], critical: ["email"], extra: [] })).rejects.toMatchObject({ type: "VALIDATION_ERROR" });
    await expect(setRouting({ info: ["telegram"], warning: ["email"], critical: ["email"] }, { user: TRADER })).rejects.toMatchObject({ code: 403 });
    const s = await status();
    expect(s.routingSource).toMatchObject({ from: "config", document: "notifications/routing", version: 3 });
    expect(s.routing.warning).toEqual(["telegram", "email"]);
  });

  it("loads the document at start, and falls back to the settings when it is removed", async () => {
    await setRouting({ info: ["telegram"], warning: ["email"], critical: ["telegram", "email"] });
    await waitFor(fromConfig(4), 5_000, "routing version 4");
    // A notification service started after the document was written loads it.
    const notifier = broker.getLocalService("notification")!;
    await broker.destroyService(notifier);
    broker.createService(createNotificationService(env, { pollCommands: false, retryDelayMs: 50, backoffBaseMs: 50, configRetryMs: 50 }));
    await broker.waitForServices(["notification"], 5_000);
    await waitFor(fromConfig(4), 5_000, "routing version 4 loaded at start");
    expect(await sendWarning()).toEqual({ mailed: true, telegrammed: false });

    await broker.call("config.remove", { kind: "notifications", name: "routing" });
    await waitFor(async () => (await status()).routingSource.from === "settings", 5_000, "fallback");
    expect((await status()).routingSource).toEqual({ from: "settings", reason: "notifications/routing config document removed (version 5)" });
    expect(await sendWarning()).toEqual({ mailed: false, telegrammed: true });
  });
});
