/**
 * A Moleculer logger that passes every log call, at every level and from every module
 * (services, moleculer-web's request lines and params, the broker's and transit's errors),
 * through the redactor before the real logger formats it. Arguments are redacted only for
 * calls the inner logger would print, so a disabled level costs nothing extra.
 */
import { Loggers } from "moleculer";
import { redact } from "./redact";

type LogLevel = "fatal" | "error" | "warn" | "info" | "debug" | "trace";
type LogHandler = (level: LogLevel, args: unknown[]) => void;
type Bindings = { mod?: string; nodeID?: string; ns?: string; svc?: string; ver?: string };
interface InnerLogger {
  init(factory: unknown): void;
  stop(): unknown;
  getLogLevel(mod: string): string | null;
  getLogHandler(bindings: Bindings): LogHandler | null;
}

const LEVELS: readonly string[] = ["fatal", "error", "warn", "info", "debug", "trace"];

export class RedactingLogger extends (Loggers.Base as unknown as new (opts?: object) => { init(factory: unknown): void; stop(): unknown }) {
  constructor(private readonly inner: InnerLogger) {
    super({});
  }

  override init(factory: unknown): void {
    super.init(factory);
    this.inner.init(factory);
  }

  override stop(): unknown {
    return this.inner.stop();
  }

  getLogLevel(mod: string): string | null {
    return this.inner.getLogLevel(mod);
  }

  getLogHandler(bindings: Bindings): LogHandler | null {
    const handler = this.inner.getLogHandler(bindings);
    if (!handler) return null;
    const level = bindings ? this.inner.getLogLevel(bindings.mod ?? "") : null;
    const max = level ? LEVELS.indexOf(level) : LEVELS.length - 1;
    return (type, args) => {
      if (LEVELS.indexOf(type) > max) return;
      handler(type, args.map((a) => redact(a)));
    };
  }
}

/** A redacting logger around one of Moleculer's built-in loggers, e.g. `{ type: "Console", options: {...} }`. */
export function redactingLogger(config: { type: string; options?: Record<string, unknown> }): RedactingLogger {
  return new RedactingLogger((Loggers as unknown as { resolve(o: object): InnerLogger }).resolve(config));
}
