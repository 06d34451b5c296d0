/** The secrets a node's environment holds, registered with the redactor so that no log line or error quotes one. */
import type { RuntimeEnv } from "./env";
import { registerSecret } from "./redact";

function urlPassword(url: string | null): string | null {
  if (!url) return null;
  try {
    return decodeURIComponent(new URL(url).password) || null;
  } catch {
    return null;
  }
}

export function registerEnvSecrets(env: RuntimeEnv): void {
  const values = [
    env.masterKey,
    env.jwtSecret,
    env.adminPassword,
    env.metricsToken,
    env.subgraph.apiKey,
    env.notification.telegramBotToken,
    urlPassword(env.notification.smtpUrl),
    urlPassword(env.database.dialect === "postgres" ? env.database.url : null),
    urlPassword(env.amqpUrl),
    urlPassword(env.transporter),
    urlPassword(env.cacher.type === "Redis" ? env.cacher.url : null),
  ];
  for (const value of values) if (value) registerSecret(value);
}
