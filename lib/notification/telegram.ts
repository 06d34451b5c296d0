/**
 * Telegram Bot API client: sendMessage and getUpdates over HTTPS to a configurable
 * base URL (`{base}/bot{token}/{method}`). The token is part of every URL, so no
 * URL, error or log line from here carries it: errors name the method and the
 * masked URL (`{base}/bot****`).
 */
export interface TelegramUpdate {
  update_id: number;
  message?: { message_id: number; chat: { id: number | string; type?: string }; from?: { id: number; username?: string }; text?: string; date?: number };
}

export class TelegramError extends Error {
  constructor(
    message: string,
    /** HTTP status, or 0 when there was no answer. */
    public readonly status: number,
  ) {
    super(message);
    this.name = "TelegramError";
  }
}

export interface TelegramOptions {
  baseUrl: string;
  token: string;
  /** Per request, ms (getUpdates adds its long-poll timeout). */
  timeoutMs?: number;
}

export function maskToken(text: string, token: string): string {
  return token ? text.split(token).join("****") : text;
}

export class TelegramClient {
  private readonly base: string;
  private readonly timeoutMs: number;

  constructor(private readonly opts: TelegramOptions) {
    this.base = opts.baseUrl.replace(/\/+$/, "");
    this.timeoutMs = opts.timeoutMs ?? 10_000;
  }

  /** The API base for logs: `{base}/bot****`. */
  get maskedUrl(): string {
    return `${this.base}/bot****`;
  }

  async sendMessage(chatId: string | number, text: string, signal?: AbortSignal): Promise<{ message_id: number }> {
    // Telegram's limit is 4096 characters; plain text (no parse_mode) so nothing needs escaping.
    return this.call("sendMessage", { chat_id: chatId, text: text.length > 4096 ? `${text.slice(0, 4093)}...` : text, disable_web_page_preview: true }, this.timeoutMs, signal);
  }

  async getUpdates(offset: number, timeoutSeconds: number, signal?: AbortSignal): Promise<TelegramUpdate[]> {
    return this.call("getUpdates", { offset, timeout: timeoutSeconds, allowed_updates: ["message"] }, this.timeoutMs + timeoutSeconds * 1000, signal);
  }

  private async call<T>(method: string, body: unknown, timeoutMs: number, signal?: AbortSignal): Promise<T> {
    const where = `${this.maskedUrl}/${method}`;
    const timeout = AbortSignal.timeout(timeoutMs);
    let res: Response;
    try {
      res = await fetch(`${this.base}/bot${this.opts.token}/${method}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
    } catch (err) {
      const reason = timeout.aborted ? `no answer within ${timeoutMs} ms` : signal?.aborted ? "aborted" : maskToken((err as Error).cause ? String((err as Error & { cause: unknown }).cause) : (err as Error).message, this.opts.token);
      throw new TelegramError(`Telegram ${method} failed (${where}): ${reason}`, 0);
    }
    type Answer = { ok?: boolean; result?: T; description?: string };
    let parsed: Answer | null = null;
    try {
      parsed = (await res.json()) as Answer;
    } catch {
      parsed = null;
    }
    if (!res.ok || !parsed || parsed.ok !== true) {
      const description = parsed?.description ? `: ${maskToken(String(parsed.description), this.opts.token).slice(0, 200)}` : "";
      throw new TelegramError(`Telegram ${method} failed (${where}): HTTP ${res.status}${description}`, res.status);
    }
    return parsed.result as T;
  }
}

export type BotCommand = "status" | "pnl" | "balance" | "stop" | "help";

export type CommandDecision =
  | { kind: "ignore" }
  | { kind: "refuse"; chatId: string; reply: string }
  | { kind: "run"; chatId: string; command: BotCommand; args: string[] }
  | { kind: "unknown"; chatId: string; reply: string };

export const HELP_TEXT = "mmesh bot commands:\n/status — nodes and services\n/pnl — profit and loss\n/balance — paper exchange balances\n/stop — trip the market maker's kill switch";

/**
 * What to do with one update: only text messages starting with `/` are commands;
 * chats not in `allowedChatIds` are refused before anything runs.
 */
export function decideCommand(update: TelegramUpdate, allowedChatIds: ReadonlySet<string>): CommandDecision {
  const msg = update.message;
  const text = msg?.text?.trim();
  if (!msg || !text || !text.startsWith("/")) return { kind: "ignore" };
  const chatId = String(msg.chat.id);
  if (!allowedChatIds.has(chatId)) return { kind: "refuse", chatId, reply: "This chat is not allowed to command mmesh. Nothing was done." };
  const [head, ...args] = text.split(/\s+/);
  const name = head.slice(1).split("@")[0].toLowerCase();
  const known: BotCommand[] = ["status", "pnl", "balance", "stop", "help"];
  if (name === "start") return { kind: "run", chatId, command: "help", args };
  if (!(known as string[]).includes(name)) return { kind: "unknown", chatId, reply: `Unknown command /${name}.\n${HELP_TEXT}` };
  return { kind: "run", chatId, command: name as BotCommand, args };
}
