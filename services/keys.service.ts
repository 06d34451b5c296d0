/**
 * The encrypted keystore for CEX API keys and EVM private keys. Listing shows ids and
 * masked hints only. Secrets leave this service only through `keys.reveal`, which
 * the gateway cannot reach (visibility "public") and which answers only the services
 * that sign (cex, wallet).
 */
import type { Context, ServiceSchema, ServiceSettingSchema } from "moleculer";
import { Errors } from "moleculer";
import { createKeystore, KeystoreError, type Keystore, type PutSecretInput, type SecretKind } from "../lib/keystore";
import { conflict, forbidden, notFound, unavailable } from "../lib/errors";
import type { RuntimeEnv } from "../lib/runtime/env";

/** Services allowed to receive decrypted secrets. */
export const SIGNING_SERVICES = ["cex", "wallet"];

interface KeysVars {
  keystore: Keystore | null;
  lockReason: string | null;
}

interface KeysMethods {
  open(): Promise<Keystore>;
  mapError(err: unknown): Error;
}

function toMoleculerError(err: unknown): Error {
  if (!(err instanceof KeystoreError)) return err as Error;
  switch (err.code) {
    case "INVALID_SECRET":
    case "INVALID_CONFIG":
      return new Errors.ValidationError(err.message, "VALIDATION_ERROR", [{ field: err.field ?? "payload", message: err.message, type: "keystore" }]);
    case "NOT_FOUND":
      return notFound(err.message.replace(/ not found$/i, ""));
    case "EXISTS":
      return conflict(err.message);
    case "UNSUPPORTED":
      return new Errors.MoleculerClientError(err.message, 400, "UNSUPPORTED");
    case "BACKEND_UNAVAILABLE":
      return unavailable(err.message);
    default:
      return new Errors.MoleculerError(err.message, 500, err.code);
  }
}

export default function createKeysService(env: RuntimeEnv): ServiceSchema {
  const schema: ServiceSchema<ServiceSettingSchema, KeysMethods, KeysVars> = {
    name: "keys",

    hooks: {
      before: {
        "*"(this: KeysVars, ctx: Context) {
          if (ctx.action?.name === "keys.status") return;
          if (!this.keystore) throw unavailable(`Keystore is locked: ${this.lockReason}`, { reason: "KEYSTORE_LOCKED" });
        },
      },
      error: {
        "*"(_ctx: Context, err: Error) {
          throw toMoleculerError(err);
        },
      },
    },

    actions: {
      status: {
        rest: "GET /status",
        role: "admin",
        summary: "Which keystore backend is in use and whether it is unlocked",
        handler() {
          return { backend: env.keystore.backend, locked: this.keystore === null, reason: this.lockReason };
        },
      },

      list: {
        rest: "GET /",
        role: "admin",
        summary: "Keystore entries: ids, kinds, labels and masked hints only",
        async handler() {
          return this.keystore!.list();
        },
      },

      add: {
        rest: "POST /",
        role: "admin",
        summary: "Store a CEX API key or an EVM private key (encrypted at rest); returns its masked summary",
        // The payload is checked by the keystore, whose errors name fields but never echo values.
        params: {
          id: { type: "string", min: 1, max: 64 },
          kind: { type: "enum", values: ["cex", "evm"] },
          label: { type: "string", max: 100, optional: true },
          payload: { type: "object" },
          overwrite: { type: "boolean", optional: true },
        },
        async handler(ctx: Context<{ id: string; kind: SecretKind; label?: string; payload: object; overwrite?: boolean }>) {
          return this.keystore!.put(ctx.params as unknown as PutSecretInput);
        },
      },

      remove: {
        rest: "DELETE /:id",
        role: "admin",
        summary: "Delete a keystore entry",
        params: { id: { type: "string", min: 1, max: 64 } },
        async handler(ctx: Context<{ id: string }>) {
          await this.keystore!.delete(ctx.params.id);
          return { id: ctx.params.id, deleted: true };
        },
      },

      reveal: {
        visibility: "public",
        idempotent: true,
        params: { id: { type: "string", min: 1, max: 64 } },
        async handler(ctx: Context<{ id: string }>) {
          const caller = ctx.caller?.split(".").pop() ?? "";
          if (!SIGNING_SERVICES.includes(caller)) {
            throw forbidden(`keys.reveal answers only ${SIGNING_SERVICES.join(", ")}; caller was ${ctx.caller ?? "unknown"}`);
          }
          return this.keystore!.get(ctx.params.id);
        },
      },

      changeMasterKey: {
        // Reachable from the REPL or another service, never through the gateway.
        visibility: "public",
        params: { newMasterKey: { type: "string" } },
        async handler(ctx: Context<{ newMasterKey: string }>) {
          await this.keystore!.changeMasterKey(ctx.params.newMasterKey);
          this.logger.warn("Keystore re-encrypted under a new master key: set MASTER_KEY to it before the next start.");
          return { reencrypted: true };
        },
      },
    },

    methods: {
      async open() {
        if (env.keystore.backend === "aws") {
          return createKeystore({ backend: "aws", aws: { region: env.keystore.region, prefix: env.keystore.prefix, endpoint: env.keystore.endpoint ?? undefined } });
        }
        return createKeystore({ backend: "file", path: env.keystore.path, masterKey: env.masterKey ?? "" });
      },
      mapError: toMoleculerError,
    },

    created() {
      this.keystore = null;
      this.lockReason = "not opened yet";
    },

    async started() {
      if (env.keystore.backend === "file" && !env.masterKey) {
        this.lockReason = "MASTER_KEY is not set";
        this.logger.warn("Keystore locked: set MASTER_KEY to store exchange API keys and EVM private keys.");
        return;
      }
      try {
        this.keystore = await this.open();
        this.lockReason = null;
      } catch (err) {
        // Stay up and answer every call with the reason: other services need not die with the keystore.
        this.lockReason = err instanceof Error ? err.message : String(err);
        this.logger.error(`Keystore locked: ${this.lockReason}`);
      }
    },

    async stopped() {
      await this.keystore?.close();
      this.keystore = null;
    },
  };
  return schema as ServiceSchema;
}
