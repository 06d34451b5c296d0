/**
 * Notifications over Telegram (Bot API sendMessage to TELEGRAM_API_URL) and e-mail
 * (SMTP_URL via nodemailer). Consumes the durable bus channels `alert.raised`,
 * `alert.resolved` and `notification.requested` in group "notification", so nothing
 * is lost while a channel or this service is down: a failed delivery throws, the bus
 * retries it (retryDelay + backoff, at most maxRetries times) and finally
 * dead-letters it to `<namespace>.<channel>.notification.DLQ`. Deliveries are
 * remembered per (messageId, channel, recipient), so a retry or a RabbitMQ
 * redelivery never sends the same message twice to a recipient that got it.
 * Producers only publish to the bus: a notification failure never blocks trading.
 *
 * Routing by severity comes from the config service: the `notifications` document
 * named "routing" ({ info: [...], warning: [...], critical: [...] }, channels
 * telegram/email, admin-only writes). It is loaded at start (retried in the
 * background until the config service answers; meanwhile, and when there is no such
 * document, the `routing` setting applies, default lib/notification/routing.ts:
 * info → telegram, warning → telegram, critical → telegram + email) and reloaded on
 * every `config.changed` of that document; removing it falls back to the setting.
 * `notification.status` says where the routing in force came from.
 *
 * Telegram commands (getUpdates long-polling, setting `pollCommands`), from chats in
 * TELEGRAM_CHAT_IDS only — other chats get a refusal and nothing runs. Telegram allows one
 * getUpdates poller per bot token, so with a transporter (replicas) only the holder of the
 * `telegram-poller` lease (lib/lease: PostgreSQL, else Redis) polls; another replica takes over
 * within the lease TTL when it stops or dies. Each update is claimed (the delivered-once claims)
 * before it is answered, so an update the old holder answered but had not yet confirmed to
 * Telegram is not answered again by the new one. Commands:
 *   /status  nodes and services ($node.list, $node.services, $node.health)
 *   /pnl     `mm.pnl` if a market maker runs, else "not available yet"
 *   /balance `cex.balance {exchange: "paper"}`
 *   /stop    `mm.killSwitch {reason}` if a market maker runs, else says it is not running
 * The bot token and the SMTP password never appear in logs, errors or answers.
 */
import type { Context, ServiceSchema, ServiceSettingSchema } from "moleculer";
import { Errors } from "moleculer";
import type { DurableMessage } from "../lib/durable-bus/types";
import { createLeaseStore, LeaseKeeper, type LeaseStore } from "../lib/lease";
import { createDeliveryClaims, type DeliveryClaims } from "../lib/notification/delivery-claims";
import {
  EmailSender,
  HELP_TEXT,
  PayloadError,
  TelegramClient,
  backoffMs,
  checkRequest,
  checkRouting,
  TEXT_MAX,
  TITLE_MAX,
  decideCommand,
  fromAlert,
  fromRequest,
  route,
  RoutingError,
  type BotCommand,
  type ChannelName,
  type Notification,
  type Routing,
  type TelegramUpdate,
} from "../lib/notification";
import { dataReply, statusReply } from "../lib/notification/replies";
import type { RuntimeEnv } from "../lib/runtime/env";

export interface NotificationSettings {
  /** Routing used until (and unless) the config service has a `notifications/<routingDocument>` document. */
  routing: Routing;
  /** Name of the `notifications` config document holding the routing. */
  routingDocument: string;
  /** Wait between attempts to load the routing while the config service does not answer, ms. */
  configRetryMs: number;
  /** Durable-bus retries after the first failed delivery, then the DLQ. */
  maxRetries: number;
  /** The bus's wait before a retry, ms; each retry n also waits backoffBaseMs·2^(n-1) (capped at backoffMaxMs). */
  retryDelayMs: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** Per-request timeout of Telegram and SMTP, ms. */
  timeoutMs: number;
  /** Poll Telegram for commands (with a transporter only the `telegram-poller` lease holder polls: Telegram allows one getUpdates poller per bot). */
  pollCommands: boolean;
  /** Time-to-live of the `telegram-poller` lease between replicas, ms (renewed every third of it). */
  pollLeaseTtlMs: number;
  /** getUpdates long-poll timeout, s. */
  pollTimeoutSeconds: number;
  /** Wait after a failed getUpdates, ms. */
  pollErrorDelayMs: number;
}

export const DEFAULT_NOTIFICATION_SETTINGS: NotificationSettings = {
  routing: checkRouting({}),
  routingDocument: "routing",
  configRetryMs: 2_000,
  maxRetries: 8,
  retryDelayMs: 500,
  backoffBaseMs: 500,
  backoffMaxMs: 30_000,
  timeoutMs: 10_000,
  pollCommands: true,
  pollLeaseTtlMs: 10_000,
  pollTimeoutSeconds: 25,
  pollErrorDelayMs: 5_000,
};

export const NOTIFICATION_GROUP = "notification";

interface Counters {
  delivered: number;
  failed: number;
  skipped: number;
}

/** Where the routing in force came from. */
export type RoutingSource =
  | { from: "config"; document: string; version: number; loadedAt: string }
  | { from: "settings"; reason: string };

interface ConfigDoc {
  kind?: string;
  name?: string;
  version?: number;
  body?: Record<string, unknown> | null;
  deleted?: boolean;
}

interface NotificationVars {
  routing: Routing;
  routingSource: RoutingSource;
  routingLoad: Promise<void> | null;
  /** Highest version of the routing document seen (loaded or announced); older answers are ignored. */
  routingVersion: number;
  stopping: boolean;
  stopSignal: AbortController;
  telegram: TelegramClient | null;
  email: EmailSender | null;
  chatIds: string[];
  available: Set<ChannelName>;
  /** Shared by the replicas (Redis) so a message reaching two of them is sent once. */
  deliveries: DeliveryClaims;
  counters: Record<ChannelName, Counters>;
  polling: Promise<void> | null;
  pollAbort: AbortController | null;
  updateOffset: number;
  /** With a transporter: the `telegram-poller` lease between replicas (null: this node polls alone). */
  pollLeases: LeaseStore | null;
  pollKeeper: LeaseKeeper | null;
}

/** Messages waiting in the group's queue of each channel, and their total; null when the bus cannot tell (not connected). */
export type NotificationBacklog = Record<(typeof NOTIFICATION_CHANNELS)[number], number> & { total: number };

export const NOTIFICATION_CHANNELS = ["alert.raised", "alert.resolved", "notification.requested"] as const;

interface NotificationMethods {
  backlog(): Promise<NotificationBacklog | null>;
  deliver(n: Notification, raw: DurableMessage): Promise<void>;
  pollLoop(signal: AbortSignal): Promise<void>;
  startPolling(): void;
  stopPolling(): Promise<void>;
  mayPoll(): boolean;
  handleUpdate(update: TelegramUpdate): Promise<void>;
  runCommand(command: BotCommand, chatId: string): Promise<string>;
  callIfRunning(action: string, params: object): Promise<{ running: false } | { running: true; result: unknown }>;
  loadRouting(): Promise<void>;
  applyRoutingDocument(doc: ConfigDoc): void;
  warnUnroutable(): void;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => (clearTimeout(timer), resolve()), { once: true });
  });

const SEVERITY = { type: "enum", values: ["info", "warning", "critical"] } as const;

export default function createNotificationService(env: RuntimeEnv, overrides: Partial<NotificationSettings> = {}): ServiceSchema {
  const settings: NotificationSettings = { ...DEFAULT_NOTIFICATION_SETTINGS, ...overrides, routing: checkRouting(overrides.routing ?? DEFAULT_NOTIFICATION_SETTINGS.routing) };
  const cfg = env.notification;
  const channel = (parse: (payload: unknown) => Notification) => ({
    group: NOTIFICATION_GROUP,
    maxRetries: settings.maxRetries,
    retryDelay: settings.retryDelayMs,
    async handler(this: NotificationThis, payload: unknown, raw: DurableMessage) {
      await this.deliver(parse(payload), raw);
    },
  });
  type NotificationThis = NotificationVars & NotificationMethods & { logger: { warn(...a: unknown[]): void } };
  const routingName = `notifications/${settings.routingDocument}`;

  const schema: ServiceSchema<ServiceSettingSchema & NotificationSettings, NotificationMethods, NotificationVars> = {
    name: "notification",
    settings,

    channels: {
      "alert.raised": channel((p) => fromAlert("alert.raised", p)),
      "alert.resolved": channel((p) => fromAlert("alert.resolved", p)),
      "notification.requested": channel(fromRequest),
    },

    actions: {
      status: {
        rest: "GET /status",
        role: "viewer",
        summary: "Which channels are configured, the severity routing, delivery counters and the durable-bus backlog (no secrets)",
        async handler() {
          return {
            channels: {
              telegram: {
                configured: this.available.has("telegram"),
                chats: this.chatIds.length,
                commands: Boolean(this.telegram && this.settings.pollCommands),
                // This replica is the one polling for commands now (the lease holder, or alone without a transporter).
                polling: Boolean(this.pollAbort && !this.pollAbort.signal.aborted),
              },
              email: { configured: this.available.has("email"), recipients: cfg.emailTo.length },
            },
            routing: this.routing,
            routingSource: this.routingSource,
            counters: this.counters,
            backlog: await this.backlog(),
          };
        },
      },

      send: {
        rest: "POST /send",
        role: "admin",
        summary: "Queue a notification on the durable bus (routed by severity unless channels are given); refused unless a configured channel can deliver it",
        params: {
          severity: { ...SEVERITY, default: "info" },
          title: { type: "string", min: 1, max: TITLE_MAX, optional: true },
          text: { type: "string", min: 1, max: TEXT_MAX },
          channels: { type: "array", items: { type: "enum", values: ["telegram", "email"] }, optional: true, min: 1, max: 2 },
        },
        async handler(ctx: Context<{ severity: "info" | "warning" | "critical"; title?: string; text: string; channels?: ChannelName[] }>) {
          const problems = checkRequest(ctx.params, this.routing, this.available);
          if (problems.length > 0) throw new Errors.ValidationError(problems.map((p) => p.message).join(" "), "VALIDATION_ERROR", problems);
          const messageId = `notification:${Date.now().toString(36)}:${Math.random().toString(36).slice(2, 10)}`;
          await this.broker.sendToChannel("notification.requested", ctx.params, { messageId });
          return { queued: true, messageId };
        },
      },
    },

    events: {
      "config.changed"(ctx: Context<ConfigDoc>) {
        const doc = ctx.params;
        if (doc?.kind !== "notifications" || doc.name !== this.settings.routingDocument) return;
        this.applyRoutingDocument(doc);
      },
    },

    methods: {
      async loadRouting() {
        let announced = false;
        while (!this.stopping) {
          // Checked first: a missing service is a retryable error and the broker would retry it.
          if (!(this.broker.findNextActionEndpoint("config.get") instanceof Error)) {
            try {
              const doc = await this.broker.call<ConfigDoc, object>("config.get", { kind: "notifications", name: this.settings.routingDocument });
              this.applyRoutingDocument(doc);
              return;
            } catch (err) {
              const e = err as Error & { code?: number; type?: string };
              if (e.code === 404 || e.type === "NOT_FOUND") {
                // An event may have brought a document meanwhile: only the absence of any is reported here.
                if (this.routingSource.from === "settings") {
                  this.routingSource = { from: "settings", reason: `no ${routingName} config document` };
                  this.logger.info(`Notification routing: the service's settings (no ${routingName} config document)`);
                }
                return;
              }
              this.logger.warn(`Cannot load the notification routing from the config service, retrying in ${this.settings.configRetryMs} ms: ${e.message}`);
            }
          } else if (!announced) {
            announced = true;
            this.logger.info(`The config service is not available: notification routing from the settings until it is`);
          }
          await sleep(this.settings.configRetryMs, this.stopSignal.signal);
        }
      },

      applyRoutingDocument(doc) {
        const version = typeof doc.version === "number" ? doc.version : 0;
        // A load answered after a newer config.changed must not win.
        if (version > 0 && version < this.routingVersion) return;
        this.routingVersion = Math.max(this.routingVersion, version);
        if (doc.deleted || !doc.body) {
          this.routing = this.settings.routing;
          this.routingSource = { from: "settings", reason: `${routingName} config document removed (version ${version})` };
          this.logger.info(`Notification routing: ${routingName} was removed; the service's settings apply`);
          this.warnUnroutable();
          return;
        }
        try {
          const { info, warning, critical } = doc.body as Partial<Routing>;
          this.routing = checkRouting({ info, warning, critical });
        } catch (err) {
          if (!(err instanceof RoutingError)) throw err;
          this.logger.warn(`Ignoring ${routingName} version ${version}: ${err.message}`);
          return;
        }
        this.routingSource = { from: "config", document: routingName, version, loadedAt: new Date().toISOString() };
        this.logger.info(`Notification routing from ${routingName} version ${version}: ${JSON.stringify(this.routing)}`);
        this.warnUnroutable();
      },

      warnUnroutable() {
        for (const sev of Object.keys(this.routing) as Array<keyof Routing>) {
          const missing = this.routing[sev].filter((c) => !this.available.has(c));
          if (missing.length > 0) this.logger.warn(`Severity ${sev} is routed to ${missing.join(", ")}, which is not configured: skipped`);
        }
      },

      async backlog() {
        const bus = this.broker.durableBus;
        if (!bus || typeof bus.depth !== "function") return null;
        try {
          const depths = await Promise.all(NOTIFICATION_CHANNELS.map((c) => bus.depth(c, NOTIFICATION_GROUP)));
          const backlog = { total: 0 } as NotificationBacklog;
          NOTIFICATION_CHANNELS.forEach((c, i) => {
            backlog[c] = depths[i];
            backlog.total += depths[i];
          });
          return backlog;
        } catch (err) {
          this.logger.warn(`Cannot read the notification backlog: ${(err as Error).message}`);
          return null;
        }
      },

      async deliver(n, raw) {
        if (raw.retries > 0) await sleep(backoffMs(raw.retries, this.settings.backoffBaseMs, this.settings.backoffMaxMs));
        const targets = route(this.routing, n, this.available);
        const failures: string[] = [];
        for (const target of targets) {
          if (target === "telegram" && this.telegram) {
            for (const chatId of this.chatIds) {
              const key = `${raw.channel}|${raw.messageId}|telegram|${chatId}`;
              if (!(await this.deliveries.claim(key))) {
                this.counters.telegram.skipped++;
                continue;
              }
              try {
                await this.telegram.sendMessage(chatId, n.text);
                await this.deliveries.confirm(key);
                this.counters.telegram.delivered++;
              } catch (err) {
                await this.deliveries.release(key).catch(() => undefined);
                this.counters.telegram.failed++;
                failures.push((err as Error).message);
              }
            }
          } else if (target === "email") {
            const key = `${raw.channel}|${raw.messageId}|email`;
            if (!(await this.deliveries.claim(key))) {
              this.counters.email.skipped++;
              continue;
            }
            try {
              if (!this.email) throw new Error("the e-mail sender is not started");
              await this.email.send(`[mmesh] ${n.title}`, n.text, raw.messageId);
              await this.deliveries.confirm(key);
              this.counters.email.delivered++;
            } catch (err) {
              await this.deliveries.release(key).catch(() => undefined);
              this.counters.email.failed++;
              failures.push((err as Error).message);
            }
          }
        }
        if (failures.length > 0) {
          // Thrown so the durable bus retries it (then dead-letters); messages are already masked.
          throw new Errors.MoleculerRetryableError(`Notification ${raw.messageId} not delivered: ${failures.join("; ")}`, 503, "NOTIFICATION_DELIVERY_FAILED", { messageId: raw.messageId });
        }
      },

      mayPoll() {
        return this.pollKeeper === null || this.pollKeeper.held();
      },

      startPolling() {
        if (this.stopping || (this.pollAbort && !this.pollAbort.signal.aborted)) return;
        const abort = new AbortController();
        this.pollAbort = abort;
        const previous = this.polling;
        // A loop aborted a moment ago finishes its update first.
        this.polling = (async () => {
          await previous;
          if (!abort.signal.aborted) await this.pollLoop(abort.signal);
        })();
      },

      async stopPolling() {
        this.pollAbort?.abort();
        await this.polling;
      },

      async pollLoop(signal) {
        const telegram = this.telegram as TelegramClient;
        while (!signal.aborted && this.mayPoll()) {
          try {
            const updates = await telegram.getUpdates(this.updateOffset, this.settings.pollTimeoutSeconds, signal);
            for (const update of updates) {
              // Without the lease another replica polls now: it answers what is left.
              if (signal.aborted || !this.mayPoll()) break;
              this.updateOffset = Math.max(this.updateOffset, update.update_id + 1);
              // Once across replicas: the old holder may have answered it without confirming it to Telegram.
              const key = `telegram-update:${update.update_id}`;
              let claimed = true;
              try {
                claimed = await this.deliveries.claim(key);
              } catch (err) {
                this.logger.warn(`Telegram update ${update.update_id}: cannot check whether another replica answered it (${(err as Error).message}); answering it`);
              }
              if (!claimed) continue;
              await this.handleUpdate(update);
              await this.deliveries.confirm(key).catch(() => undefined);
            }
          } catch (err) {
            if (signal.aborted) break;
            this.logger.warn(`Telegram command polling failed, retrying in ${this.settings.pollErrorDelayMs} ms: ${(err as Error).message}`);
            await sleep(this.settings.pollErrorDelayMs, signal);
          }
        }
      },

      async handleUpdate(update) {
        const decision = decideCommand(update, new Set(this.chatIds));
        if (decision.kind === "ignore") return;
        let reply: string;
        if (decision.kind === "refuse") {
          this.logger.warn(`Refused a Telegram command from chat ${decision.chatId} (not in TELEGRAM_CHAT_IDS)`);
          reply = decision.reply;
        } else if (decision.kind === "unknown") {
          reply = decision.reply;
        } else {
          this.logger.info(`Telegram command /${decision.command} from chat ${decision.chatId}`);
          try {
            reply = await this.runCommand(decision.command, decision.chatId);
          } catch (err) {
            reply = `/${decision.command} failed: ${(err as Error).message}`.slice(0, 500);
          }
        }
        try {
          await (this.telegram as TelegramClient).sendMessage(decision.chatId, reply);
        } catch (err) {
          this.logger.warn(`Cannot answer chat ${decision.chatId}: ${(err as Error).message}`);
        }
      },

      async runCommand(command, chatId) {
        switch (command) {
          case "help":
            return HELP_TEXT;
          case "status": {
            const [nodes, services, health] = await Promise.all([
              this.broker.call("$node.list", { onlyAvailable: false }),
              this.broker.call("$node.services", { onlyAvailable: true, skipInternal: true, withActions: false, withEvents: false }),
              this.broker.call("$node.health"),
            ]);
            return statusReply(nodes as never, services as never, health as never);
          }
          case "pnl": {
            const res = await this.callIfRunning("mm.pnl", {});
            return res.running ? dataReply("PnL", res.result) : "PnL is not available yet (no market maker is running).";
          }
          case "balance": {
            const res = await this.callIfRunning("cex.balance", { exchange: "paper" });
            return res.running ? dataReply("Balances on paper", res.result) : "Balances are not available (the cex service is not running).";
          }
          case "stop": {
            const res = await this.callIfRunning("mm.killSwitch", { reason: `Telegram /stop from chat ${chatId}` });
            if (!res.running) return "The market maker is not running; there is nothing to stop.";
            return dataReply("Kill switch tripped: the market maker cancels its orders and stops quoting.", res.result);
          }
        }
      },

      async callIfRunning(action, params) {
        // Checked first: a missing service is a retryable error and the broker would retry it.
        if (this.broker.findNextActionEndpoint(action) instanceof Error) return { running: false };
        return { running: true, result: await this.broker.call(action, params) };
      },
    },

    created() {
      this.chatIds = cfg.telegramChatIds;
      this.telegram = cfg.telegramBotToken ? new TelegramClient({ baseUrl: cfg.telegramApiUrl, token: cfg.telegramBotToken, timeoutMs: this.settings.timeoutMs }) : null;
      this.email = null;
      this.available = new Set<ChannelName>();
      if (this.telegram && this.chatIds.length > 0) this.available.add("telegram");
      if (cfg.smtpUrl && cfg.emailTo.length > 0) this.available.add("email");
      this.deliveries = createDeliveryClaims(env);
      this.counters = { telegram: { delivered: 0, failed: 0, skipped: 0 }, email: { delivered: 0, failed: 0, skipped: 0 } };
      this.polling = null;
      this.pollAbort = null;
      this.updateOffset = 0;
      this.pollLeases = null;
      this.pollKeeper = null;
      this.routing = this.settings.routing;
      this.routingSource = { from: "settings", reason: "not loaded from the config service yet" };
      this.routingLoad = null;
      this.routingVersion = 0;
      this.stopping = false;
      this.stopSignal = new AbortController();
    },

    started() {
      // Created per start: stopped() closes it.
      this.email = cfg.smtpUrl && cfg.emailTo.length > 0
        ? new EmailSender({ smtpUrl: cfg.smtpUrl, from: cfg.emailFrom ?? "mmesh@localhost", to: cfg.emailTo, timeoutMs: this.settings.timeoutMs })
        : null;
      const parts = [
        this.telegram ? `Telegram ${this.telegram.maskedUrl} to ${this.chatIds.length} chat(s)` : "Telegram off (no TELEGRAM_BOT_TOKEN)",
        this.email ? `e-mail via ${this.email.maskedUrl} to ${cfg.emailTo.length} recipient(s)` : "e-mail off (no SMTP_URL)",
      ];
      this.logger.info(`Notifications: ${parts.join("; ")}`);
      this.warnUnroutable();
      this.stopping = false;
      this.stopSignal = new AbortController();
      this.routingLoad = this.loadRouting().catch((err: Error) => this.logger.warn(`Notification routing not loaded: ${err.message}`));
      if (this.telegram && this.settings.pollCommands) {
        if (env.transporter === null) {
          this.startPolling();
        } else {
          this.pollLeases = createLeaseStore(env, `${env.namespace}:notification`);
          this.pollKeeper = new LeaseKeeper({
            store: this.pollLeases,
            key: "telegram-poller",
            owner: this.broker.nodeID,
            ttlMs: this.settings.pollLeaseTtlMs,
            onAcquired: () => {
              this.logger.info("This replica polls Telegram for commands (telegram-poller lease held)");
              this.startPolling();
            },
            onLost: (reason) => {
              this.logger.info(`Telegram command polling handed over (${reason})`);
              this.pollAbort?.abort();
            },
            onError: (err) => this.logger.warn(`telegram-poller lease: ${err.message}`),
          });
          // Not awaited: a lease store that is down must not hold up the start (the keeper keeps trying).
          void this.pollKeeper.start();
        }
      }
    },

    async stopped() {
      this.stopping = true;
      this.stopSignal.abort();
      await this.routingLoad;
      this.routingLoad = null;
      await this.stopPolling();
      // Confirm what was answered (getUpdates with the next offset), so the next poller does not see it again.
      if (this.telegram && this.updateOffset > 0 && this.mayPoll()) {
        await this.telegram.getUpdates(this.updateOffset, 0).catch(() => undefined);
      }
      await this.pollKeeper?.stop({ release: true });
      await this.pollLeases?.close();
      this.pollKeeper = null;
      this.pollLeases = null;
      this.polling = null;
      this.pollAbort = null;
      this.email?.close();
      this.email = null;
      await this.deliveries.close();
    },
  };
  return schema as unknown as ServiceSchema;
}
