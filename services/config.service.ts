/**
 * Versioned, validated configuration documents (markets, strategies, risk limits,
 * alert rules). A write that fails its kind's schema is refused with the fields
 * that are wrong and the active version stays as it was; every accepted change is
 * a new version and is announced as `config.changed` so services reload live.
 */
import type { Context, ServiceSchema, ServiceSettingSchema } from "moleculer";
import { Errors } from "moleculer";
import { UniqueConstraintError, type Model, type ModelStatic } from "sequelize";
import type { Principal } from "../lib/auth/access-tokens";
import { roleAllows } from "../lib/auth/roles";
import { CONFIG_KIND_NAMES, CONFIG_NAME_RULE, type ConfigKind } from "../lib/config/kinds";
import { validateDocument } from "../lib/config/validate";
import { CONFIG_TABLE, configColumns, configMigrations } from "../lib/db/schemas/config";
import { conflict, forbidden, notFound } from "../lib/errors";
import type { RuntimeEnv } from "../lib/runtime/env";
import { jsonAnswer } from "../lib/runtime/json-stream";
import { createDbMixin } from "../mixins/db.mixin";

interface DocumentRow {
  kind: ConfigKind;
  name: string;
  version: number;
  body: string | null;
  comment: string | null;
  author: string | null;
  created_at: Date;
}

export interface ConfigDocument {
  kind: ConfigKind;
  name: string;
  version: number;
  body: Record<string, unknown> | null;
  deleted: boolean;
  comment: string | null;
  author: string | null;
  createdAt: string;
}

/** Kinds whose changes need an admin; the rest need a trader. */
const ADMIN_KINDS: ConfigKind[] = ["risk", "alerts", "notifications"];

const KIND = { type: "enum", values: CONFIG_KIND_NAMES } as const;
const VERSION = { type: "number", integer: true, positive: true, convert: true } as const;
/** The version the writer last read (0: the document must not exist yet); a write to any other version is refused. */
const EXPECTED_VERSION = { type: "number", integer: true, min: 0, max: 2 ** 31 - 1, optional: true, convert: true } as const;

type Meta = { user?: Principal };
type Params = { kind: ConfigKind; name: string; expectedVersion?: number };

interface ConfigVars {
  adapter: { model: ModelStatic<Model> };
  /** Writes committed by this node so far (see readFresh). */
  writes: number;
}

interface ConfigMethods {
  readFresh<T>(read: () => Promise<T>): Promise<T>;
  latest(kind: ConfigKind, name: string): Promise<DocumentRow | null>;
  append(ctx: Context<unknown, Meta>, row: Omit<DocumentRow, "version" | "created_at" | "author">, expectedVersion?: number): Promise<ConfigDocument>;
  requireWriter(ctx: Context<unknown, Meta>, kind: ConfigKind): void;
  checkKeyId(ctx: Context<unknown, Meta>, body: Record<string, unknown>): Promise<void>;
}

function toDocument(row: DocumentRow): ConfigDocument {
  return {
    kind: row.kind,
    name: row.name,
    version: row.version,
    body: row.body === null ? null : (JSON.parse(row.body) as Record<string, unknown>),
    deleted: row.body === null,
    comment: row.comment,
    author: row.author,
    createdAt: new Date(row.created_at).toISOString(),
  };
}

function validated(kind: ConfigKind, body: unknown): Record<string, unknown> {
  const result = validateDocument(kind, body);
  if (!result.ok) {
    throw new Errors.ValidationError(`Invalid ${kind} document: ${result.errors.map((e) => e.message).join(" ")}`, "VALIDATION_ERROR", result.errors);
  }
  return result.value;
}

/** Whether a stored version is the write `row` by `author` (same body, comment and author). */
function sameWrite(stored: DocumentRow, row: Pick<DocumentRow, "body" | "comment">, author: string | null): boolean {
  return stored.body === row.body && stored.comment === row.comment && stored.author === author;
}

export default function createConfigService(env: RuntimeEnv): ServiceSchema {
  const schema: ServiceSchema<ServiceSettingSchema, ConfigMethods, ConfigVars> = {
    name: "config",
    mixins: [createDbMixin({ service: "config", table: CONFIG_TABLE, define: configColumns, migrations: configMigrations, database: env.database })],

    created() {
      this.writes = 0;
    },

    actions: {
      kinds: {
        rest: "GET /",
        summary: "The document kinds and how many active documents each has",
        cache: true,
        async handler() {
          const counts = await Promise.all(
            CONFIG_KIND_NAMES.map(async (kind) => ({ kind, documents: (await this.actions.list({ kind })).length as number })),
          );
          return counts;
        },
      },

      list: {
        rest: "GET /:kind",
        summary: "The active version of every document of a kind",
        params: { kind: KIND },
        cache: { keys: ["kind"] },
        async handler(ctx: Context<{ kind: ConfigKind }>) {
          const rows = await this.readFresh(async () => (await this.adapter.model.findAll({ where: { kind: ctx.params.kind }, order: [["name", "ASC"], ["version", "DESC"]], raw: true })) as unknown as DocumentRow[]);
          const active = new Map<string, DocumentRow>();
          for (const row of rows) if (!active.has(row.name)) active.set(row.name, row);
          return [...active.values()].filter((row) => row.body !== null).map(toDocument);
        },
      },

      get: {
        rest: "GET /:kind/:name",
        summary: "A document's active version, or a given version",
        params: { kind: KIND, name: CONFIG_NAME_RULE, version: { ...VERSION, optional: true } },
        cache: { keys: ["kind", "name", "version"] },
        async handler(ctx: Context<Params & { version?: number }>) {
          const { kind, name, version } = ctx.params;
          const row = await this.readFresh(async () =>
            version ? ((await this.adapter.model.findOne({ where: { kind, name, version }, raw: true })) as DocumentRow | null) : await this.latest(kind, name),
          );
          if (!row || (!version && row.body === null)) throw notFound(`Config document ${kind}/${name}${version ? ` version ${version}` : ""}`);
          return toDocument(row);
        },
      },

      set: {
        rest: "PUT /:kind/:name",
        role: "trader",
        summary: "Write a new version of a document; refused with the wrong fields if it does not pass its schema",
        description: "With expectedVersion (the version last read, 0 for a new document) the write applies only on that version: a repeat of a write already applied returns it, any other change in between is a 409. Only such writes are retried after a timeout.",
        idempotencyKey: "expectedVersion",
        params: { kind: KIND, name: CONFIG_NAME_RULE, body: { type: "object" }, comment: { type: "string", max: 500, optional: true }, expectedVersion: EXPECTED_VERSION },
        async handler(ctx: Context<Params & { body: unknown; comment?: string }, Meta>) {
          this.requireWriter(ctx, ctx.params.kind);
          const body = validated(ctx.params.kind, ctx.params.body);
          if (ctx.params.kind === "markets") await this.checkKeyId(ctx, body);
          return this.append(ctx, { kind: ctx.params.kind, name: ctx.params.name, body: JSON.stringify(body), comment: ctx.params.comment ?? null }, ctx.params.expectedVersion);
        },
      },

      history: {
        rest: "GET /:kind/:name/history",
        summary: "Every version of a document, newest first",
        params: { kind: KIND, name: CONFIG_NAME_RULE },
        async handler(ctx: Context<Params>) {
          const rows = (await this.adapter.model.findAll({ where: { kind: ctx.params.kind, name: ctx.params.name }, order: [["version", "DESC"]], raw: true })) as unknown as DocumentRow[];
          if (rows.length === 0) throw notFound(`Config document ${ctx.params.kind}/${ctx.params.name}`);
          // Every version is kept, each up to BODY_LIMIT: possibly past one transporter message.
          return jsonAnswer(ctx, rows.map(toDocument));
        },
      },

      rollback: {
        rest: "POST /:kind/:name/rollback",
        role: "trader",
        summary: "Make an earlier version active again (recorded as a new version)",
        idempotencyKey: "expectedVersion",
        params: { kind: KIND, name: CONFIG_NAME_RULE, version: VERSION, expectedVersion: EXPECTED_VERSION },
        async handler(ctx: Context<Params & { version: number }, Meta>) {
          const { kind, name, version } = ctx.params;
          this.requireWriter(ctx, kind);
          const target = (await this.adapter.model.findOne({ where: { kind, name, version }, raw: true })) as DocumentRow | null;
          if (!target) throw notFound(`Config document ${kind}/${name} version ${version}`);
          // The old body must still pass today's schema before it becomes active again.
          const body = target.body === null ? null : JSON.stringify(validated(kind, JSON.parse(target.body)));
          return this.append(ctx, { kind, name, body, comment: `rollback to version ${version}` }, ctx.params.expectedVersion);
        },
      },

      remove: {
        rest: "DELETE /:kind/:name",
        role: "trader",
        summary: "Remove a document (its history is kept)",
        idempotencyKey: "expectedVersion",
        params: { kind: KIND, name: CONFIG_NAME_RULE, expectedVersion: EXPECTED_VERSION },
        async handler(ctx: Context<Params, Meta>) {
          this.requireWriter(ctx, ctx.params.kind);
          const current = await this.latest(ctx.params.kind, ctx.params.name);
          const expected = ctx.params.expectedVersion;
          // A repeat of a removal already applied answers it again.
          if (current && expected !== undefined && current.version === expected + 1 && current.body === null && current.author === (ctx.meta.user?.username ?? null)) return toDocument(current);
          if (!current || current.body === null) throw notFound(`Config document ${ctx.params.kind}/${ctx.params.name}`);
          return this.append(ctx, { kind: ctx.params.kind, name: ctx.params.name, body: null, comment: "removed" }, expected);
        },
      },
    },

    methods: {
      /**
       * A markets document naming a keystore entry that does not exist (or holds the wrong kind
       * of key) is refused now, not when the venue is first traded. Only ids and kinds are read
       * (keys.list); while the keystore cannot be asked (locked, not running) the document is
       * accepted and the cex service reports the missing key on first use.
       */
      async checkKeyId(ctx, body) {
        const keyId = body.keyId;
        if (typeof keyId !== "string") return;
        let entries: Array<{ id: string; kind: string; exchange?: string }>;
        try {
          entries = await ctx.call("keys.list", {}, { retries: 0 });
        } catch (err) {
          this.logger.warn(`markets document names keyId ${keyId}, not checked: the keystore cannot be asked (${(err as Error).message})`);
          return;
        }
        const entry = entries.find((e) => e.id === keyId);
        const fail = (message: string) => {
          throw new Errors.ValidationError(`Invalid markets document: ${message}`, "VALIDATION_ERROR", [{ field: "keyId", message, type: "keyId" }]);
        };
        if (!entry) fail(`The 'keyId' field names keystore entry "${keyId}", which does not exist (add it with keys.add first).`);
        const want = body.kind === "dex" ? "evm" : "cex";
        if (entry!.kind !== want) fail(`The 'keyId' field names keystore entry "${keyId}", which holds a ${entry!.kind} key, not a ${want} key.`);
        if (want === "cex" && entry!.exchange && entry!.exchange !== body.venue) fail(`The 'keyId' field names keystore entry "${keyId}", a key for ${entry!.exchange}, not for ${String(body.venue)}.`);
      },

      async latest(kind, name) {
        return (await this.adapter.model.findOne({ where: { kind, name }, order: [["version", "DESC"]], raw: true })) as DocumentRow | null;
      },

      requireWriter(ctx, kind) {
        const user = ctx.meta.user;
        // Calls from inside the mesh carry no user; the gateway always sets one.
        if (user && ADMIN_KINDS.includes(kind) && !roleAllows(user.role, "admin")) {
          throw forbidden(`Changing ${kind} documents needs the admin role`);
        }
      },

      /**
       * A read whose answer the cacher stores: read again while a write committed during it. That
       * write cleared the cache before this answer was stored, so a read from before the write
       * would stay cached (a bot reloading on config.changed would read the list without it).
       */
      async readFresh<T>(read: () => Promise<T>): Promise<T> {
        for (let attempt = 1; ; attempt++) {
          const before = this.writes;
          const value = await read();
          if (this.writes === before || attempt === 5) return value;
        }
      },

      async append(ctx, row, expectedVersion) {
        const author = ctx.meta.user?.username ?? null;
        const previous = await this.latest(row.kind, row.name);
        const current = previous?.version ?? 0;
        if (expectedVersion !== undefined && current !== expectedVersion) {
          // The version after the expected one is this very write when a repeat (a retry after a
          // timeout) finds it already applied: answer it again instead of writing it twice.
          if (previous && current === expectedVersion + 1 && sameWrite(previous, row, author)) return toDocument(previous);
          throw conflict(`Config document ${row.kind}/${row.name} is at version ${current}, not the expected ${expectedVersion}: read it again`, { field: "expectedVersion", version: current });
        }
        const version = current + 1;
        try {
          const created = await this.adapter.model.create({ ...row, version, author: ctx.meta.user?.username ?? null, created_at: new Date() });
          this.writes += 1;
          const document = toDocument(created.get({ plain: true }) as DocumentRow);
          // Clear the cache before anyone hears of the change: with a shared cacher (Redis) a node
          // reloading on config.changed must not read the list cached before this write.
          await Promise.resolve(this.broker.cacher?.clean("config.**")).catch((err: Error) => this.logger.warn(`config cache not cleared: ${err.message}`));
          await this.broker.broadcast("cache.clean.config");
          // Broadcast: every node that runs a bot must reload, not one per service.
          await ctx.broadcast("config.changed", document);
          return document;
        } catch (err) {
          if (err instanceof UniqueConstraintError) {
            // A concurrent repeat of this write won the version: answer it.
            const winner = expectedVersion === undefined ? null : await this.latest(row.kind, row.name);
            if (winner && winner.version === version && sameWrite(winner, row, author)) return toDocument(winner);
            throw conflict(`Config document ${row.kind}/${row.name} was changed concurrently; retry`, { version });
          }
          throw err;
        }
      },
    },
  };
  return schema as ServiceSchema;
}
