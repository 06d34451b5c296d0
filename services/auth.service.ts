/**
 * Users with roles (viewer < trader < admin), password login returning a short-lived JWT and
 * a rotating refresh token, and revocable API tokens for scripts. `auth.resolveToken` is what
 * the gateway asks on every request (not reachable through the gateway itself): a JWT is only
 * as good as its user's current row (enabled, same token version; the role is the row's).
 * Every user change bumps the token version and broadcasts `cache.clean.auth`.
 * Password tries are throttled per account and per client address (lib/auth/login-throttle.ts)
 * and refused before any hashing once throttled; hashing runs in a bounded number of slots.
 */
import { randomBytes } from "node:crypto";
import { Errors, type Context, type ServiceSchema, type ServiceSettingSchema } from "moleculer";
import { DataTypes, Op, UniqueConstraintError, type Model, type ModelStatic, type Transaction } from "sequelize";
import { ACCESS_TOKEN_TTL_SECONDS, principalFor, signAccessToken, verifyAccessClaims, type Principal } from "../lib/auth/access-tokens";
import { generateApiToken, hashApiToken, isApiToken, tokenHint } from "../lib/auth/api-tokens";
import { HashSlots, HashSlotsBusyError } from "../lib/auth/hash-slots";
import { chooseJwtSecret } from "../lib/auth/jwt-secret";
import { LoginThrottle } from "../lib/auth/login-throttle";
import { generatePassword, hashPassword, verifyPassword } from "../lib/auth/passwords";
import { generateRefreshToken, REFRESH_TOKEN_TTL_SECONDS } from "../lib/auth/refresh-tokens";
import { roleAllows, ROLES, type Role } from "../lib/auth/roles";
import { API_TOKENS_TABLE, AUTH_SETTINGS_TABLE, REFRESH_TOKENS_TABLE, USERS_TABLE, apiTokenColumns, authMigrations, refreshTokenColumns, userColumns } from "../lib/db/schemas/auth";
import { conflict, forbidden, invalid, notFound, unauthorized } from "../lib/errors";
import type { RuntimeEnv } from "../lib/runtime/env";
import { createLimiterStore, type LimiterStore } from "../lib/runtime/limiter-store";
import { createDbMixin, sequelizeOf } from "../mixins/db.mixin";

interface UserRow {
  id: number;
  username: string;
  password_hash: string;
  role: Role;
  disabled: boolean;
  token_version: number;
  created_at: Date;
}

interface RefreshTokenRow {
  id: number;
  user_id: number;
  family: string;
  token_hash: string;
  expires_at: Date;
  revoked_at: Date | null;
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

/** `clientAddress`: the socket address the gateway saw (set by the gateway only). */
type Meta = { user?: Principal; clientAddress?: string };

interface AuthVars {
  adapter: { model: ModelStatic<Model> };
  jwtSecret: string;
  dummyHash: string;
  tokens: ModelStatic<Model>;
  refreshTokens: ModelStatic<Model>;
  limiterStore: LimiterStore;
  throttle: LoginThrottle;
  hashSlots: HashSlots;
}

interface Session {
  accessToken: string;
  tokenType: "Bearer";
  expiresIn: number;
  refreshToken: string;
  refreshExpiresIn: number;
  user: ReturnType<typeof publicUser>;
}

interface AuthMethods {
  insertUser(username: string, password: string, role: Role): Promise<UserRow>;
  loadJwtSecret(): Promise<string>;
  ensureAdmin(): Promise<void>;
  passwordMatches(username: string, address: string | null, password: string, storedHash: () => Promise<string | null>): Promise<boolean>;
  issueSession(user: UserRow, family?: string): Promise<Session>;
  revokeSessions(userId: number, where?: Record<string, unknown>, transaction?: Transaction): Promise<void>;
  keepAnAdmin(target: UserRow, transaction: Transaction): Promise<void>;
}

// Letters, digits and `_.-` only: a NUL or control character is refused here, before any query.
const USERNAME = { type: "string", min: 3, max: 64, pattern: /^[a-zA-Z0-9_.-]+$/ } as const;
const LOGIN_USERNAME = { type: "string", min: 1, max: 64, pattern: /^[a-zA-Z0-9_.-]+$/ } as const;
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

const loginThrottled = (retryAfterMs: number) =>
  new Errors.MoleculerClientError("Too many failed logins; try again later", 429, "LOGIN_THROTTLED", { retryAfterMs });

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
        summary: "Exchange a username and password for a short-lived access token and a refresh token",
        params: { username: LOGIN_USERNAME, password: "string|min:1|max:256" },
        async handler(ctx: Context<{ username: string; password: string }, Meta>) {
          const { username, password } = ctx.params;
          // Read only once the throttle lets the try through.
          const found: { row: UserRow | null } = { row: null };
          const ok = await this.passwordMatches(username, ctx.meta.clientAddress ?? null, password, async () => {
            found.row = (await this.adapter.model.findOne({ where: { username }, raw: true })) as UserRow | null;
            return found.row?.password_hash ?? null;
          });
          const row = found.row;
          if (!row || !ok || row.disabled) throw unauthorized("Invalid username or password");
          return this.issueSession(row);
        },
      },

      refresh: {
        rest: "POST /refresh",
        auth: false,
        summary: "Spend a refresh token for a new access token and a new refresh token (each refresh token works once)",
        params: { refreshToken: "string|min:1|max:128" },
        async handler(ctx: Context<{ refreshToken: string }>) {
          const refused = () => unauthorized("Invalid refresh token");
          const row = (await this.refreshTokens.findOne({ where: { token_hash: hashApiToken(ctx.params.refreshToken) }, raw: true })) as RefreshTokenRow | null;
          if (!row) throw refused();
          if (row.revoked_at) {
            // A spent token again: one of its holders is not the user. End the whole family.
            await this.revokeSessions(row.user_id, { family: row.family });
            throw refused();
          }
          if (new Date(row.expires_at) <= new Date()) throw refused();
          const [spent] = await this.refreshTokens.update({ revoked_at: new Date() }, { where: { id: row.id, revoked_at: null } });
          if (spent !== 1) {
            await this.revokeSessions(row.user_id, { family: row.family });
            throw refused();
          }
          const user = (await this.adapter.model.findByPk(row.user_id, { raw: true })) as UserRow | null;
          if (!user || user.disabled) throw refused();
          return this.issueSession(user, row.family);
        },
      },

      logout: {
        rest: "POST /logout",
        auth: false,
        summary: "Revoke a refresh token and its family (the access token lapses within minutes)",
        params: { refreshToken: "string|min:1|max:128" },
        async handler(ctx: Context<{ refreshToken: string }>) {
          const row = (await this.refreshTokens.findOne({ where: { token_hash: hashApiToken(ctx.params.refreshToken) }, raw: true })) as RefreshTokenRow | null;
          if (row) await this.revokeSessions(row.user_id, { family: row.family });
          return { loggedOut: true };
        },
      },

      unlock: {
        rest: "POST /unlock",
        role: "admin",
        summary: "End the login throttle of an account and/or a client address",
        params: { username: { ...LOGIN_USERNAME, optional: true }, address: { type: "string", min: 1, max: 64, optional: true } },
        async handler(ctx: Context<{ username?: string; address?: string }>) {
          const { username, address } = ctx.params;
          if (username === undefined && address === undefined) throw invalid("Give a username, an address, or both", "username");
          // Every auth node: with a memory store each holds its own counters.
          await this.broker.broadcast("auth.throttle.unlocked", { username, address });
          return { unlocked: { username: username ?? null, address: address ?? null } };
        },
      },

      resolveToken: {
        visibility: "public",
        idempotent: true,
        params: { token: "string|min:1|max:4096" },
        cache: {
          // Short: a node that missed a `cache.clean.auth` broadcast forgets a changed user within seconds.
          ttl: 5,
          // Never put a raw token into a cache key (the cache may be a shared Redis).
          keygen: (_action, _opts, ctx) => `auth.resolveToken:${hashApiToken((ctx.params as { token: string }).token)}`,
        },
        async handler(ctx: Context<{ token: string }>): Promise<Principal | null> {
          const { token } = ctx.params;
          if (!isApiToken(token)) {
            const claims = verifyAccessClaims(this.jwtSecret, token);
            if (!claims) return null;
            return principalFor(claims, (await this.adapter.model.findByPk(claims.userId, { raw: true })) as UserRow | null);
          }
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
        summary: "Change a user's role, password or disabled flag (the user's tokens end; the last active admin stays one)",
        params: { id: { type: "number", integer: true, positive: true, convert: true }, role: { ...ROLE, optional: true }, password: { ...PASSWORD, optional: true }, disabled: { type: "boolean", optional: true } },
        async handler(ctx: Context<{ id: number; role?: Role; password?: string; disabled?: boolean }>) {
          const { id, role, password, disabled } = ctx.params;
          const passwordHash = password ? await hashPassword(password) : undefined;
          const updated = await sequelizeOf(this).transaction(async (transaction) => {
            const row = await this.adapter.model.findByPk(id, { transaction });
            if (!row) throw notFound(`User ${id}`);
            const before = row.get({ plain: true }) as UserRow;
            const changes: Partial<UserRow> = {};
            if (role && role !== before.role) changes.role = role;
            if (disabled !== undefined && disabled !== !!before.disabled) changes.disabled = disabled;
            if (passwordHash) changes.password_hash = passwordHash;
            if (Object.keys(changes).length === 0) return before;
            if (before.role === "admin" && !before.disabled && ((changes.role && changes.role !== "admin") || changes.disabled)) {
              await this.keepAnAdmin(before, transaction);
            }
            // Every token signed before this change dies with the old version.
            changes.token_version = before.token_version + 1;
            await row.update(changes, { transaction });
            if (changes.disabled || changes.password_hash) await this.revokeSessions(id, {}, transaction);
            return row.get({ plain: true }) as UserRow;
          });
          await this.broker.broadcast("cache.clean.auth");
          return publicUser(updated);
        },
      },

      deleteUser: {
        rest: "DELETE /users/:id",
        role: "admin",
        summary: "Delete a user with its API and refresh tokens (not the last active admin)",
        params: { id: { type: "number", integer: true, positive: true, convert: true } },
        async handler(ctx: Context<{ id: number }>) {
          const deleted = await sequelizeOf(this).transaction(async (transaction) => {
            const row = await this.adapter.model.findByPk(ctx.params.id, { transaction });
            if (!row) throw notFound(`User ${ctx.params.id}`);
            const before = row.get({ plain: true }) as UserRow;
            if (before.role === "admin" && !before.disabled) await this.keepAnAdmin(before, transaction);
            await this.tokens.destroy({ where: { user_id: before.id }, transaction });
            await this.refreshTokens.destroy({ where: { user_id: before.id }, transaction });
            await row.destroy({ transaction });
            return before;
          });
          await this.broker.broadcast("cache.clean.auth");
          return { ...publicUser(deleted), deleted: true };
        },
      },

      changePassword: {
        rest: "POST /password",
        summary: "Change the caller's own password: every other session ends, a new one is returned",
        params: { currentPassword: "string|min:1|max:256", newPassword: PASSWORD },
        async handler(ctx: Context<{ currentPassword: string; newPassword: string }, Meta>) {
          const me = currentUser(ctx);
          const row = await this.adapter.model.findByPk(me.userId);
          const plain = row?.get({ plain: true }) as UserRow | undefined;
          if (!row || !plain || !(await this.passwordMatches(plain.username, ctx.meta.clientAddress ?? null, ctx.params.currentPassword, async () => plain.password_hash))) {
            throw unauthorized("Current password is wrong");
          }
          await row.update({ password_hash: await hashPassword(ctx.params.newPassword), token_version: plain.token_version + 1 });
          await this.revokeSessions(plain.id);
          await this.broker.broadcast("cache.clean.auth");
          return { changed: true, ...(await this.issueSession(row.get({ plain: true }) as UserRow)) };
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
        const exists = () => conflict(`User "${username}" already exists`, { field: "username" });
        if (await this.adapter.model.findOne({ where: { username } })) throw exists();
        try {
          const row = await this.adapter.model.create({ username, password_hash: await hashPassword(password), role, disabled: false, token_version: 0, created_at: new Date() });
          return row.get({ plain: true }) as UserRow;
        } catch (err) {
          // Two creates of one name at once: both passed the check above, the unique index lets one in.
          if (err instanceof UniqueConstraintError) throw exists();
          throw err;
        }
      },

      /** The access-token signing key: JWT_SECRET, else derived from MASTER_KEY, else this process's own (lib/auth/jwt-secret.ts). */
      async loadJwtSecret(): Promise<string> {
        const { secret, source } = await chooseJwtSecret({
          jwtSecret: env.jwtSecret,
          masterKey: env.masterKey,
          distributed: env.transporter !== null,
          salt: async () => {
            const settings = sequelizeOf(this).define(AUTH_SETTINGS_TABLE, { key: { type: DataTypes.STRING(64), primaryKey: true }, value: DataTypes.TEXT }, { tableName: AUTH_SETTINGS_TABLE, timestamps: false });
            // Insert-if-absent: the first auth node to start wins, the others read its salt (not a secret).
            await settings.bulkCreate([{ key: "jwt_salt", value: randomBytes(16).toString("base64") }], { ignoreDuplicates: true });
            const row = (await settings.findByPk("jwt_salt", { raw: true })) as unknown as { value: string };
            return Buffer.from(row.value, "base64");
          },
        });
        if (source === "process") this.logger.warn("Neither JWT_SECRET nor MASTER_KEY is set: access tokens are signed with a key of this process and end when it restarts.");
        return secret;
      },

      /**
       * Whether `password` matches the user's hash (`storedHash` answers null for no such user: then a
       * dummy hash is checked, for the same cost and answer). Refused with 429 before the user is even
       * read while the account or the address is throttled; the hash runs in one of a bounded number
       * of slots, and the throttle is checked again once a slot is free.
       */
      async passwordMatches(username: string, address: string | null, password: string, storedHash: () => Promise<string | null>): Promise<boolean> {
        const refuseIfThrottled = async () => {
          const throttled = await this.throttle.check(username, address);
          if (throttled) throw loginThrottled(throttled.retryAfterMs);
        };
        await refuseIfThrottled();
        const stored = await storedHash();
        let ok: boolean;
        try {
          ok = await this.hashSlots.run(async () => {
            await refuseIfThrottled();
            return verifyPassword(password, stored ?? this.dummyHash);
          });
        } catch (err) {
          if (err instanceof HashSlotsBusyError) throw new Errors.MoleculerClientError("Too many logins at once; retry shortly", 503, "LOGIN_BUSY");
          throw err;
        }
        if (ok && stored !== null) {
          await this.throttle.succeeded(username, address);
          return true;
        }
        const locked = await this.throttle.failed(username, address);
        // Names and addresses only (no password): what an admin needs for auth.unlock.
        if (locked.accountLockSeconds > 0) this.logger.warn(`Login throttled: account "${username}" locked for ${locked.accountLockSeconds} s after repeated failures (last from ${address ?? "an internal call"})`);
        if (locked.addressLockSeconds > 0) this.logger.warn(`Login throttled: address ${address} locked for ${locked.addressLockSeconds} s after repeated failures`);
        return false;
      },

      async issueSession(user: UserRow, family?: string): Promise<Session> {
        const accessToken = signAccessToken(this.jwtSecret, { userId: user.id, username: user.username, role: user.role, tokenVersion: user.token_version });
        const refreshToken = generateRefreshToken();
        const now = new Date();
        await this.refreshTokens.create({
          user_id: user.id,
          family: family ?? randomBytes(16).toString("hex"),
          token_hash: hashApiToken(refreshToken),
          created_at: now,
          expires_at: new Date(now.getTime() + REFRESH_TOKEN_TTL_SECONDS * 1000),
          revoked_at: null,
        });
        return { accessToken, tokenType: "Bearer", expiresIn: ACCESS_TOKEN_TTL_SECONDS, refreshToken, refreshExpiresIn: REFRESH_TOKEN_TTL_SECONDS, user: publicUser(user) };
      },

      /** Revokes the user's live refresh tokens (all, or those matching `where`, e.g. one family). */
      async revokeSessions(userId: number, where: Record<string, unknown> = {}, transaction?: Transaction): Promise<void> {
        await this.refreshTokens.update({ revoked_at: new Date() }, { where: { ...where, user_id: userId, revoked_at: null }, transaction });
      },

      /** Refuses (409) a change that would leave no active admin: recovery would need SQL. */
      async keepAnAdmin(target: UserRow, transaction: Transaction): Promise<void> {
        // Locks the active admins' rows (PostgreSQL): two admins demoting each other at once cannot both pass.
        const admins = (await this.adapter.model.findAll({ where: { role: "admin", disabled: false }, attributes: ["id"], lock: true, transaction, raw: true })) as unknown as Array<{ id: number }>;
        if (!admins.some((a) => a.id !== target.id)) {
          throw conflict(`User "${target.username}" is the last active admin: make another user admin first`, { field: "id" });
        }
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
      this.refreshTokens = sequelizeOf(this).define(REFRESH_TOKENS_TABLE, refreshTokenColumns, { tableName: REFRESH_TOKENS_TABLE, timestamps: false });
      this.limiterStore = createLimiterStore(env.cacher, `${env.namespace}:auth`);
      this.throttle = new LoginThrottle(this.limiterStore);
      this.hashSlots = new HashSlots();
      await this.ensureAdmin();
    },

    async stopped() {
      await this.limiterStore?.close();
    },

    events: {
      "auth.throttle.unlocked"(ctx: Context<{ username?: string; address?: string }>) {
        return this.throttle.unlock(ctx.params);
      },
    },
  };
  return schema as ServiceSchema;
}

