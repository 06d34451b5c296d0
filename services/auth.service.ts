/**
 * Users with roles (viewer < trader < admin), password login returning a short-lived
 * JWT, and revocable API tokens for scripts. `auth.resolveToken` is what the gateway
 * asks on every request; it is not reachable through the gateway itself.
 */
import { randomBytes } from "node:crypto";
import type { Context, ServiceSchema, ServiceSettingSchema } from "moleculer";
import { DataTypes, type Model, type ModelStatic } from "sequelize";
import { ACCESS_TOKEN_TTL_SECONDS, signAccessToken, verifyAccessToken, type Principal } from "../lib/auth/access-tokens";
import { generateApiToken, hashApiToken, isApiToken, tokenHint } from "../lib/auth/api-tokens";
import { generatePassword, hashPassword, verifyPassword } from "../lib/auth/passwords";
import { roleAllows, ROLES, type Role } from "../lib/auth/roles";
import { API_TOKENS_TABLE, AUTH_SETTINGS_TABLE, USERS_TABLE, apiTokenColumns, authMigrations, userColumns } from "../lib/db/schemas/auth";
import { conflict, forbidden, notFound, unauthorized } from "../lib/errors";
import type { RuntimeEnv } from "../lib/runtime/env";
import { createDbMixin, sequelizeOf } from "../mixins/db.mixin";

interface UserRow {
  id: number;
  username: string;
  password_hash: string;
  role: Role;
  disabled: boolean;
  created_at: Date;
}

interface ApiTokenRow {
  id: number;
  user_id: number;
  name: string;
  token_hash: string;
  hint: string;
  role: Role;
  created_at: Date;
  expires_at: Date | null;
  revoked_at: Date | null;
}

type Meta = { user?: Principal };

interface AuthVars {
  adapter: { model: ModelStatic<Model> };
  jwtSecret: string;
  dummyHash: string;
  tokens: ModelStatic<Model>;
}

interface AuthMethods {
  insertUser(username: string, password: string, role: Role): Promise<UserRow>;
  loadJwtSecret(): Promise<string>;
  ensureAdmin(): Promise<void>;
}

const USERNAME = { type: "string", min: 3, max: 64, pattern: /^[a-zA-Z0-9_.-]+$/ } as const;
const PASSWORD = { type: "string", min: 10, max: 256 } as const;
const ROLE = { type: "enum", values: [...ROLES] } as const;

function publicUser(row: UserRow) {
  return { id: row.id, username: row.username, role: row.role, disabled: !!row.disabled, createdAt: new Date(row.created_at).toISOString() };
}

function publicToken(row: ApiTokenRow) {
  return {
    id: row.id,
    userId: row.user_id,
    name: row.name,
    hint: row.hint,
    role: row.role,
    createdAt: new Date(row.created_at).toISOString(),
    expiresAt: row.expires_at ? new Date(row.expires_at).toISOString() : null,
    revokedAt: row.revoked_at ? new Date(row.revoked_at).toISOString() : null,
  };
}

function currentUser(ctx: Context<unknown, Meta>): Principal {
  if (!ctx.meta.user) throw unauthorized();
  return ctx.meta.user;
}

export default function createAuthService(env: RuntimeEnv): ServiceSchema {
  const schema: ServiceSchema<ServiceSettingSchema, AuthMethods, AuthVars> = {
    name: "auth",
    mixins: [
      createDbMixin({ service: "auth", table: USERS_TABLE, define: userColumns, migrations: authMigrations, database: env.database }),
    ],

    actions: {
      login: {
        rest: "POST /login",
        auth: false,
        summary: "Exchange a username and password for a short-lived access token",
        params: { username: "string|min:1|max:64", password: "string|min:1|max:256" },
        async handler(ctx: Context<{ username: string; password: string }>) {
          const row = (await this.adapter.model.findOne({ where: { username: ctx.params.username }, raw: true })) as UserRow | null;
          // Same work and same answer whether the user exists or not.
          const ok = row ? await verifyPassword(ctx.params.password, row.password_hash) : await verifyPassword(ctx.params.password, this.dummyHash);
          if (!row || !ok || row.disabled) throw unauthorized("Invalid username or password");
          const accessToken = signAccessToken(this.jwtSecret, { userId: row.id, username: row.username, role: row.role });
          return { accessToken, tokenType: "Bearer", expiresIn: ACCESS_TOKEN_TTL_SECONDS, user: publicUser(row) };
        },
      },

      resolveToken: {
        visibility: "public",
        params: { token: "string|min:1|max:4096" },
        cache: {
          ttl: 30,
          // Never put a raw token into a cache key (the cache may be a shared Redis).
          keygen: (_action, _opts, ctx) => `auth.resolveToken:${hashApiToken((ctx.params as { token: string }).token)}`,
        },
        async handler(ctx: Context<{ token: string }>): Promise<Principal | null> {
          const { token } = ctx.params;
          if (!isApiToken(token)) return verifyAccessToken(this.jwtSecret, token);
          const row = (await this.tokens.findOne({ where: { token_hash: hashApiToken(token), revoked_at: null }, raw: true })) as ApiTokenRow | null;
          if (!row || (row.expires_at && new Date(row.expires_at) <= new Date())) return null;
          const owner = (await this.adapter.model.findByPk(row.user_id, { raw: true })) as UserRow | null;
          if (!owner || owner.disabled) return null;
          // A token never grants more than its owner currently has.
          const role = roleAllows(owner.role, row.role) ? row.role : owner.role;
          return { userId: owner.id, username: owner.username, role, via: "api-token" };
        },
      },

      me: {
        rest: "GET /me",
        summary: "The caller's identity and role",
        handler(ctx: Context<unknown, Meta>) {
          return currentUser(ctx);
        },
      },

      createUser: {
        rest: "POST /users",
        role: "admin",
        summary: "Create a user",
        params: { username: USERNAME, password: PASSWORD, role: ROLE },
        async handler(ctx: Context<{ username: string; password: string; role: Role }>) {
          return publicUser(await this.insertUser(ctx.params.username, ctx.params.password, ctx.params.role));
        },
      },

      listUsers: {
        rest: "GET /users",
        role: "admin",
        summary: "List users",
        async handler() {
          const rows = (await this.adapter.model.findAll({ order: [["id", "ASC"]], raw: true })) as unknown as UserRow[];
          return rows.map(publicUser);
        },
      },

      updateUser: {
        rest: "PATCH /users/:id",
        role: "admin",
        summary: "Change a user's role, password or disabled flag",
        params: { id: { type: "number", integer: true, positive: true, convert: true }, role: { ...ROLE, optional: true }, password: { ...PASSWORD, optional: true }, disabled: { type: "boolean", optional: true } },
        async handler(ctx: Context<{ id: number; role?: Role; password?: string; disabled?: boolean }>) {
          const row = await this.adapter.model.findByPk(ctx.params.id);
          if (!row) throw notFound(`User ${ctx.params.id}`);
          const changes: Partial<UserRow> = {};
          if (ctx.params.role) changes.role = ctx.params.role;
          if (ctx.params.disabled !== undefined) changes.disabled = ctx.params.disabled;
          if (ctx.params.password) changes.password_hash = await hashPassword(ctx.params.password);
          await row.update(changes);
          await this.broker.broadcast("cache.clean.auth");
          return publicUser(row.get({ plain: true }) as UserRow);
        },
      },

      changePassword: {
        rest: "POST /password",
        summary: "Change the caller's own password",
        params: { currentPassword: "string|min:1|max:256", newPassword: PASSWORD },
        async handler(ctx: Context<{ currentPassword: string; newPassword: string }, Meta>) {
          const me = currentUser(ctx);
          const row = await this.adapter.model.findByPk(me.userId);
          const plain = row?.get({ plain: true }) as UserRow | undefined;
          if (!row || !plain || !(await verifyPassword(ctx.params.currentPassword, plain.password_hash))) {
            throw unauthorized("Current password is wrong");
          }
          await row.update({ password_hash: await hashPassword(ctx.params.newPassword) });
          return { changed: true };
        },
      },

      createToken: {
        rest: "POST /tokens",
        summary: "Create an API token for scripts; the token is shown only in this response",
        params: {
          name: "string|min:1|max:64",
          role: { ...ROLE, optional: true },
          expiresInDays: { type: "number", integer: true, positive: true, max: 3650, optional: true },
        },
        async handler(ctx: Context<{ name: string; role?: Role; expiresInDays?: number }, Meta>) {
          const me = currentUser(ctx);
          const role = ctx.params.role ?? me.role;
          if (!roleAllows(me.role, role)) throw forbidden(`A ${me.role} cannot create a token with role ${role}`);
          const token = generateApiToken();
          const now = new Date();
          const row = await this.tokens.create({
            user_id: me.userId,
            name: ctx.params.name,
            token_hash: hashApiToken(token),
            hint: tokenHint(token),
            role,
            created_at: now,
            expires_at: ctx.params.expiresInDays ? new Date(now.getTime() + ctx.params.expiresInDays * 86_400_000) : null,
          });
          return { ...publicToken(row.get({ plain: true }) as ApiTokenRow), token };
        },
      },

      listTokens: {
        rest: "GET /tokens",
        summary: "List API tokens (own tokens; an admin sees all)",
        async handler(ctx: Context<unknown, Meta>) {
          const me = currentUser(ctx);
          const where = me.role === "admin" ? {} : { user_id: me.userId };
          const rows = (await this.tokens.findAll({ where, order: [["id", "ASC"]], raw: true })) as unknown as ApiTokenRow[];
          return rows.map(publicToken);
        },
      },

      revokeToken: {
        rest: "DELETE /tokens/:id",
        summary: "Revoke an API token (own tokens; an admin may revoke any)",
        params: { id: { type: "number", integer: true, positive: true, convert: true } },
        async handler(ctx: Context<{ id: number }, Meta>) {
          const me = currentUser(ctx);
          const row = await this.tokens.findByPk(ctx.params.id);
          const plain = row?.get({ plain: true }) as ApiTokenRow | undefined;
          if (!row || !plain || (me.role !== "admin" && plain.user_id !== me.userId)) throw notFound(`API token ${ctx.params.id}`);
          if (!plain.revoked_at) await row.update({ revoked_at: new Date() });
          await this.broker.broadcast("cache.clean.auth");
          return publicToken(row.get({ plain: true }) as ApiTokenRow);
        },
      },
    },

    methods: {
      async insertUser(username: string, password: string, role: Role): Promise<UserRow> {
        const existing = await this.adapter.model.findOne({ where: { username } });
        if (existing) throw conflict(`User "${username}" already exists`, { field: "username" });
        const row = await this.adapter.model.create({ username, password_hash: await hashPassword(password), role, disabled: false, created_at: new Date() });
        return row.get({ plain: true }) as UserRow;
      },

      /** JWT_SECRET from the environment, or one generated once and kept in the database so every auth node agrees. */
      async loadJwtSecret(): Promise<string> {
        if (env.jwtSecret) return env.jwtSecret;
        const settings = sequelizeOf(this).define(AUTH_SETTINGS_TABLE, { key: { type: DataTypes.STRING(64), primaryKey: true }, value: DataTypes.TEXT }, { tableName: AUTH_SETTINGS_TABLE, timestamps: false });
        // Insert-if-absent without a transaction: the first auth node to start wins, the others read its secret.
        await settings.bulkCreate([{ key: "jwt_secret", value: randomBytes(48).toString("base64url") }], { ignoreDuplicates: true });
        const row = (await settings.findByPk("jwt_secret", { raw: true })) as unknown as { value: string };
        return row.value;
      },

      /** First start on an empty user table: an admin with ADMIN_PASSWORD, or a generated password printed once. */
      async ensureAdmin(): Promise<void> {
        if ((await this.adapter.model.count()) > 0) return;
        const password = env.adminPassword ?? generatePassword();
        try {
          await this.insertUser("admin", password, "admin");
        } catch (err) {
          if ((await this.adapter.model.count()) > 0) return; // another auth node won the race
          throw err;
        }
        if (env.adminPassword) {
          this.logger.info("Created user 'admin' with the password from ADMIN_PASSWORD.");
        } else {
          // Printed once to the terminal, deliberately not through the logger.
          process.stdout.write(`\n  mmesh: created user 'admin' with password: ${password}\n  (shown only now; change it with POST /api/v1/auth/password)\n\n`);
        }
      },
    },

    async started() {
      this.tokens = sequelizeOf(this).define(API_TOKENS_TABLE, apiTokenColumns, { tableName: API_TOKENS_TABLE, timestamps: false });
      this.jwtSecret = await this.loadJwtSecret();
      this.dummyHash = await hashPassword(randomBytes(16).toString("hex"));
      await this.ensureAdmin();
    },
  };
  return schema as ServiceSchema;
}

