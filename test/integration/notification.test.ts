/**
 * The notification service over the real RabbitMQ durable bus, delivering to a local
 * HTTP server in place of the Telegram Bot API (test/support/fake-telegram.ts) and to a
 * real SMTP server on 127.0.0.1 (npm smtp-server): severity routing, retries after
 * Telegram failures without duplicates, nothing lost while the service is stopped,
 * and the Telegram commands with the chat allow-list. Secrets stay out of the logs.
 */
import amqplib from "amqplib";
import { ServiceBroker, type ServiceSchema } from "moleculer";
import { createBrokerOptions } from "../../moleculer.config";
import createNotificationService from "../../services/notification.service";
import { deleteBusTopology } from "../support/bus-cleanup";
import { testEnv } from "../support/env";
import { startFakeTelegram, type FakeTelegram } from "../support/fake-telegram";
import { startSmtp } from "../support/fake-smtp";

jest.setTimeout(30_000);

const AMQP_URL = process.env.AMQP_URL ?? "amqp://guest:guest@127.0.0.1:5672";
const SMTP_PASSWORD = "smtp-secret-pass-42";
const CHAT = "1001";
const STRANGER = "2002";
const CHANNELS = ["alert.raised", "alert.resolved", "notification.requested"];

async function waitFor(check: () => boolean, timeoutMs = 10_000, what = "condition"): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let seq = 0;
function alert(severity: "info" | "warning" | "critical", message: string): { payload: Record<string, unknown>; messageId: string } {
  const id = `rule-${++seq}`;
  return {
    payload: { kind: "raised", alertId: id, rule: id, severity, message, labels: { market: "btc" }, value: 0.2, raisedAt: new Date().toISOString() },
    messageId: `${id}:raised:${Date.now()}`,
  };
}

describe("notification service on RabbitMQ, fake Telegram and a real SMTP server", () => {
  let telegram: FakeTelegram;
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  let env: ReturnType<typeof testEnv>;
  let notifier: ServiceBroker;
  let producer: ServiceBroker;
  const killSwitchCalls: unknown[] = [];
  const logs: string[] = [];
  const spies: jest.SpyInstance[] = [];

  const send = (channel: string, a: ReturnType<typeof alert>) => producer.sendToChannel(channel, a.payload, { messageId: a.messageId });
  const telegramWith = (text: string) => telegram.sentTo(CHAT).filter((m) => m.text.includes(text));
  const mailsWith = (text: string) => smtp.mails.filter((m) => m.subject.includes(text) || m.raw.includes(text));

  beforeAll(async () => {
    telegram = await startFakeTelegram();
    smtp = await startSmtp("mmesh", SMTP_PASSWORD);
    env = testEnv({
      AMQP_URL,
      TELEGRAM_BOT_TOKEN: telegram.token,
      TELEGRAM_API_URL: telegram.url,
      TELEGRAM_CHAT_IDS: CHAT,
      SMTP_URL: `smtp://mmesh:${SMTP_PASSWORD}@127.0.0.1:${smtp.port}`,
      NOTIFY_EMAIL_FROM: "mmesh@example.test",
      NOTIFY_EMAIL_TO: "desk@example.test,ops@example.test",
    });
    for (const method of ["log", "info", "warn", "error", "debug"] as const) {
      spies.push(jest.spyOn(console, method).mockImplementation((...args: unknown[]) => void logs.push(args.map(String).join(" "))));
    }
    const mm: ServiceSchema = {
      name: "mm",
      actions: {
        killSwitch(ctx) {
          killSwitchCalls.push(ctx.params);
          return { tripped: true };
        },
      },
    };
    notifier = new ServiceBroker({ ...createBrokerOptions(env), logger: { type: "Console", options: { level: "info", colors: false } } });
    notifier.createService(createNotificationService(env, { retryDelayMs: 50, backoffBaseMs: 50, maxRetries: 5, pollTimeoutSeconds: 1, pollErrorDelayMs: 100, timeoutMs: 3000 }));
    notifier.createService(mm);
    // Stands in for the cex service: /balance must ask it for the paper exchange.
    notifier.createService({ name: "cex", actions: { balance: (ctx) => ({ exchange: (ctx.params as { exchange: string }).exchange, USDT: { free: "1000", used: "0" } }) } });
    producer = new ServiceBroker({ ...createBrokerOptions({ ...env, nodeID: `${env.nodeID}-producer` }), logger: false });
    await notifier.start(); // declares the group's queues
    await producer.start();
  });

  afterAll(async () => {
    await producer?.stop();
    await notifier?.stop();
    await deleteBusTopology(AMQP_URL, env.namespace, CHANNELS, "notification");
    await telegram?.close();
    await smtp?.close();
    env?.cleanup();
    for (const spy of spies) spy.mockRestore();
  });

  it("delivers a critical alert to Telegram and e-mail", async () => {
    const a = alert("critical", "drawdown 20% on btc");
    await send("alert.raised", a);
    await waitFor(() => telegramWith("drawdown 20% on btc").length === 1 && mailsWith("drawdown 20% on btc").length === 1, 10_000, "telegram + email");
    expect(telegramWith("drawdown 20% on btc")[0].text).toMatch(/CRITICAL: drawdown 20% on btc\nrule: rule-\d+ \{market=btc\}\nvalue: 0.2/);
    const [mail] = mailsWith("drawdown 20% on btc");
    expect(mail.subject).toBe("[mmesh] CRITICAL: drawdown 20% on btc");
    expect(mail.from).toBe("mmesh@example.test");
    expect(mail.to).toEqual(["desk@example.test", "ops@example.test"]);
    expect(mail.user).toBe("mmesh"); // authenticated with SMTP_URL's credentials
  });

  it("sends a warning only to the channel routed for warnings (Telegram)", async () => {
    const mailsBefore = smtp.mails.length;
    await send("alert.raised", alert("warning", "feed stale on paper"));
    await waitFor(() => telegramWith("feed stale on paper").length === 1);
    await sleep(300);
    expect(smtp.mails.length).toBe(mailsBefore);
    // A resolve goes the same way, marked as resolved.
    await send("alert.resolved", { payload: { ...alert("warning", "feed stale on paper").payload, kind: "resolved", resolvedAt: new Date().toISOString(), reason: "cleared" }, messageId: "resolved-1" });
    await waitFor(() => telegram.sentTo(CHAT).some((m) => m.text.startsWith("✅ RESOLVED: feed stale on paper")));
  });

  it("retries when Telegram fails twice, then delivers exactly once (and e-mails once)", async () => {
    const attemptsBefore = telegram.calls.filter((c) => c === "sendMessage").length;
    telegram.failSendMessage(2);
    await send("alert.raised", alert("critical", "hedge failed on paper"));
    await waitFor(() => telegramWith("hedge failed on paper").length === 1, 10_000);
    await sleep(500);
    expect(telegramWith("hedge failed on paper")).toHaveLength(1);
    expect(mailsWith("hedge failed on paper")).toHaveLength(1);
    expect(telegram.calls.filter((c) => c === "sendMessage").length - attemptsBefore).toBe(3);
    expect(logs.some((l) => l.includes("retry 2/5") && l.includes("HTTP 500"))).toBe(true);
  });

  it("dead-letters a message Telegram keeps refusing, after maxRetries retries", async () => {
    telegram.failSendMessage(1000);
    const a = alert("warning", "undeliverable");
    await send("alert.raised", a);
    const conn = await amqplib.connect(AMQP_URL);
    try {
      const ch = await conn.createChannel();
      const dlq = notifier.durableBus.names("alert.raised", "notification").deadLetterQueue;
      let dead: amqplib.GetMessage | false = false;
      const until = Date.now() + 15_000;
      while (!(dead = await ch.get(dlq, { noAck: true })) && Date.now() < until) await sleep(50);
      expect(dead).not.toBe(false);
      const msg = dead as amqplib.GetMessage;
      expect(msg.properties.messageId).toBe(a.messageId);
      expect(msg.properties.headers).toMatchObject({ "x-mmesh-retries": 5, "x-mmesh-original-group": "notification" });
      const error = String(msg.properties.headers?.["x-mmesh-error"]);
      expect(error).toContain("bot****/sendMessage");
      expect(error).not.toContain(telegram.token);
      await ch.close();
    } finally {
      telegram.failSendMessage(0);
      await conn.close();
    }
    expect(telegramWith("undeliverable")).toHaveLength(0);
  });

  it("loses nothing while the service is stopped: 100 alerts raised meanwhile are all delivered after it starts", async () => {
    await notifier.stop();
    const batch = Array.from({ length: 100 }, (_, i) => alert("warning", `offline alert #${i}#`));
    await Promise.all(batch.map((a) => send("alert.raised", a)));
    await sleep(200);
    expect(telegram.sentTo(CHAT).filter((m) => m.text.includes("offline alert")).length).toBe(0);
    // The backlog the status reports comes from this: all 100 wait in the group's queue.
    expect(await producer.durableBus.depth("alert.raised", "notification")).toBe(100);
    expect(await producer.durableBus.depth("alert.resolved", "notification")).toBe(0);
    await notifier.start();
    await waitFor(() => telegram.sentTo(CHAT).filter((m) => m.text.includes("offline alert")).length >= 100, 20_000, "100 deliveries");
    await sleep(300);
    const got = telegram.sentTo(CHAT).filter((m) => m.text.includes("offline alert")).map((m) => /#(\d+)#/.exec(m.text)?.[1]);
    expect(got).toHaveLength(100);
    expect(new Set(got).size).toBe(100);
    const status = await notifier.call<{ backlog: Record<string, number> }, object>("notification.status", {});
    expect(status.backlog).toEqual({ "alert.raised": 0, "alert.resolved": 0, "notification.requested": 0, total: 0 });
  });

  it("reports the durable-bus backlog in notification.status while deliveries are held up", async () => {
    // The notifier is down: what it missed waits in the durable bus.
    await notifier.stop();
    const K = 7;
    const batch = Array.from({ length: K }, (_, i) => alert("warning", `held alert #${i}#`));
    for (const a of batch) await send("alert.raised", a);
    await send("alert.resolved", { payload: { ...alert("warning", "held resolve").payload, kind: "resolved", resolvedAt: new Date().toISOString(), reason: "cleared" }, messageId: "held-resolve-1" });
    expect(await producer.durableBus.depth("alert.raised", "notification")).toBe(K);
    // Another broker on the same bus answers the same status (the action only reads the queues).
    const reader = new ServiceBroker({ ...createBrokerOptions({ ...env, nodeID: `${env.nodeID}-reader` }), logger: false });
    reader.createService({ ...createNotificationService(env, { pollCommands: false }), channels: undefined });
    await reader.start();
    try {
      const status = await reader.call<{ backlog: Record<string, number> }, object>("notification.status", {});
      expect(status.backlog).toEqual({ "alert.raised": K, "alert.resolved": 1, "notification.requested": 0, total: K + 1 });
    } finally {
      await reader.stop();
    }
    await notifier.start();
    await waitFor(() => telegram.sentTo(CHAT).filter((m) => m.text.includes("held alert")).length >= K, 10_000, "held deliveries");
    await waitFor(() => telegram.sentTo(CHAT).some((m) => m.text.includes("held resolve")), 10_000, "held resolve");
    await sleep(200);
    const status = await notifier.call<{ backlog: Record<string, number> }, object>("notification.status", {});
    expect(status.backlog.total).toBe(0);
  });

  it("queues a notification.requested message through the send action", async () => {
    const res = await notifier.call<{ queued: boolean }, object>("notification.send", { severity: "info", title: "Daily report", text: "all quiet", channels: ["email"] });
    expect(res.queued).toBe(true);
    await waitFor(() => mailsWith("Daily report").length === 1);
    expect(telegram.sentTo(CHAT).some((m) => m.text.includes("Daily report"))).toBe(false);
    await expect(notifier.call("notification.send", { text: "" })).rejects.toMatchObject({ type: "VALIDATION_ERROR" });
    // What the consumer could never deliver is refused up front, naming the field.
    await expect(notifier.call("notification.send", { text: "   " })).rejects.toMatchObject({ code: 422, data: [{ field: "text" }] });
    await expect(notifier.call("notification.send", { text: "nul\u0000byte" })).rejects.toMatchObject({ code: 422, data: [{ field: "text" }] });
    await expect(notifier.call("notification.send", { title: "two\nlines", text: "ok" })).rejects.toMatchObject({ code: 422, data: [{ field: "title" }] });
  });

  it("answers /status and /pnl from an allowed chat and refuses /stop from another chat without calling anything", async () => {
    telegram.script(CHAT, "/status");
    await waitFor(() => telegram.sentTo(CHAT).some((m) => m.text.startsWith("mmesh status")), 10_000, "/status reply");
    const status = telegram.sentTo(CHAT).find((m) => m.text.startsWith("mmesh status"))!;
    expect(status.text).toContain("notification");
    expect(status.text).toContain(env.nodeID);

    telegram.script(CHAT, "/pnl");
    await waitFor(() => telegram.sentTo(CHAT).some((m) => m.text.includes("not available yet")), 10_000, "/pnl reply");

    telegram.script(CHAT, "/balance");
    await waitFor(() => telegram.sentTo(CHAT).some((m) => m.text.startsWith("Balances on paper") && m.text.includes('"exchange": "paper"') && m.text.includes("1000")), 10_000, "/balance reply");

    telegram.script(STRANGER, "/stop");
    await waitFor(() => telegram.sentTo(STRANGER).length === 1, 10_000, "refusal");
    expect(telegram.sentTo(STRANGER)[0].text).toContain("not allowed");
    await sleep(200);
    expect(killSwitchCalls).toHaveLength(0);

    // The same command from the allowed chat trips the kill switch.
    telegram.script(CHAT, "/stop@mmesh_bot");
    await waitFor(() => killSwitchCalls.length === 1 && telegram.sentTo(CHAT).some((m) => m.text.startsWith("Kill switch tripped")), 10_000, "/stop");
    expect(killSwitchCalls[0]).toMatchObject({ reason: expect.stringContaining(CHAT) });
  });

  it("reports its channels without secrets and keeps the token and SMTP password out of the logs", async () => {
    const status = await notifier.call<any, object>("notification.status", {});
    expect(status).toMatchObject({ channels: { telegram: { configured: true, chats: 1 }, email: { configured: true, recipients: 2 } }, routing: { critical: ["telegram", "email"] } });
    const services = await notifier.call("$node.services", { withActions: false });
    const all = JSON.stringify(status) + JSON.stringify(services) + logs.join("\n");
    expect(logs.some((l) => l.includes(`${telegram.url}/bot****`))).toBe(true);
    expect(all).not.toContain(telegram.token);
    expect(all).not.toContain(telegram.token.split(":")[1]);
    expect(all).not.toContain(SMTP_PASSWORD);
  });
});
