/**
 * E-mail over SMTP through nodemailer. SMTP_URL carries the password: errors and
 * logs show the URL masked and never the password.
 */
import nodemailer from "nodemailer";
import type { Transporter } from "nodemailer";
import { maskUrl } from "../runtime/mask";

export class EmailError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "EmailError";
  }
}

export interface EmailOptions {
  smtpUrl: string;
  from: string;
  to: string[];
  /** Connection + greeting + socket timeout, ms. */
  timeoutMs?: number;
}

function password(url: string): string | null {
  try {
    const p = new URL(url).password;
    return p ? decodeURIComponent(p) : null;
  } catch {
    return null;
  }
}

export class EmailSender {
  private readonly transport: Transporter;
  private readonly secret: string | null;
  readonly maskedUrl: string;

  constructor(private readonly opts: EmailOptions) {
    const t = opts.timeoutMs ?? 10_000;
    const url = new URL(opts.smtpUrl);
    this.secret = password(opts.smtpUrl);
    this.maskedUrl = maskUrl(opts.smtpUrl);
    this.transport = nodemailer.createTransport({
      host: url.hostname,
      port: url.port ? Number(url.port) : url.protocol === "smtps:" ? 465 : 587,
      secure: url.protocol === "smtps:",
      auth: url.username ? { user: decodeURIComponent(url.username), pass: this.secret ?? "" } : undefined,
      connectionTimeout: t,
      greetingTimeout: t,
      socketTimeout: t,
      logger: false,
      debug: false,
    });
  }

  /** Resolves with the SMTP message id once the server accepted the message for every recipient. */
  async send(subject: string, text: string, messageId?: string): Promise<string> {
    try {
      const info = await this.transport.sendMail({
        from: this.opts.from,
        to: this.opts.to,
        subject,
        text,
        headers: messageId ? { "X-Mmesh-Message-Id": messageId } : undefined,
      });
      if (info.rejected && info.rejected.length > 0) throw new Error(`rejected recipients ${info.rejected.map(String).join(", ")}`);
      return String(info.messageId);
    } catch (err) {
      let reason = (err as Error).message ?? String(err);
      if (this.secret) reason = reason.split(this.secret).join("****");
      throw new EmailError(`E-mail via ${this.maskedUrl} failed: ${reason.slice(0, 300)}`);
    }
  }

  close(): void {
    this.transport.close();
  }
}
