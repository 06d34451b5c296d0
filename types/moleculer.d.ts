/**
 * mmesh's per-action metadata, declared once. The gateway's authorize step is the
 * one place that enforces it.
 */
import "moleculer";

declare module "moleculer" {
  namespace Service {
    interface ActionSchema {
      /** moleculer-web auto-alias under /api/v1/<service>, e.g. "GET /:kind" on config. */
      rest?: string | string[];
      /** false: no token needed (health, login). Default: a valid token is required. */
      auth?: boolean;
      /** Lowest role allowed; roles are ordered viewer < trader < admin. Default: viewer. */
      role?: "viewer" | "trader" | "admin";
      /** One line for the OpenAPI document. */
      summary?: string;
      description?: string;
      /**
       * Retries (lib/runtime/retry-safety.ts): true marks a read or a write safe to repeat;
       * false forbids retries. Default: retried only when every REST route is a GET.
       */
      idempotent?: boolean;
      /** A write made safe to repeat by a key: retried only when the call carries one of these params. */
      idempotencyKey?: string | string[];
    }
  }
}
