/** Tables of the auth service: users, their API tokens, and the service's own settings. */
import { DataTypes } from "sequelize";
import type { Migration } from "../migrations";

export const USERS_TABLE = "users";
export const API_TOKENS_TABLE = "api_tokens";
export const AUTH_SETTINGS_TABLE = "auth_settings";
export const REFRESH_TOKENS_TABLE = "refresh_tokens";

/** The users table as migration 001 created it. */
const userColumnsV1 = {
  id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
  username: { type: DataTypes.STRING(64), allowNull: false, unique: true },
  password_hash: { type: DataTypes.STRING(255), allowNull: false },
  role: { type: DataTypes.STRING(16), allowNull: false },
  disabled: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
  created_at: { type: DataTypes.DATE, allowNull: false },
};

export const userColumns = {
  ...userColumnsV1,
  /** Bumped on a role change, disable or password change: access tokens carry it and die with it. */
  token_version: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
};

export const refreshTokenColumns = {
  id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
  user_id: { type: DataTypes.INTEGER, allowNull: false, references: { model: USERS_TABLE, key: "id" }, onDelete: "CASCADE" },
  /** The first token's id: a rotation keeps it, a reuse revokes every token carrying it. */
  family: { type: DataTypes.STRING(32), allowNull: false },
  token_hash: { type: DataTypes.STRING(64), allowNull: false, unique: true },
  created_at: { type: DataTypes.DATE, allowNull: false },
  expires_at: { type: DataTypes.DATE, allowNull: false },
  /** Set when spent by a refresh, by logout, or by a revocation of the user's sessions. */
  revoked_at: { type: DataTypes.DATE, allowNull: true },
};

export const apiTokenColumns = {
  id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
  user_id: { type: DataTypes.INTEGER, allowNull: false, references: { model: USERS_TABLE, key: "id" }, onDelete: "CASCADE" },
  name: { type: DataTypes.STRING(64), allowNull: false },
  token_hash: { type: DataTypes.STRING(64), allowNull: false, unique: true },
  hint: { type: DataTypes.STRING(16), allowNull: false },
  role: { type: DataTypes.STRING(16), allowNull: false },
  created_at: { type: DataTypes.DATE, allowNull: false },
  expires_at: { type: DataTypes.DATE, allowNull: true },
  revoked_at: { type: DataTypes.DATE, allowNull: true },
};

export const authMigrations: Migration[] = [
  {
    name: "001-users-and-api-tokens",
    async up(qi) {
      await qi.createTable(USERS_TABLE, userColumnsV1);
      await qi.createTable(API_TOKENS_TABLE, apiTokenColumns);
      await qi.addIndex(API_TOKENS_TABLE, ["user_id"]);
    },
    async down(qi) {
      await qi.dropTable(API_TOKENS_TABLE);
      await qi.dropTable(USERS_TABLE);
    },
  },
  {
    name: "002-auth-settings",
    async up(qi) {
      await qi.createTable(AUTH_SETTINGS_TABLE, {
        key: { type: DataTypes.STRING(64), primaryKey: true },
        value: { type: DataTypes.TEXT, allowNull: false },
      });
    },
    async down(qi) {
      await qi.dropTable(AUTH_SETTINGS_TABLE);
    },
  },
  {
    name: "003-token-version-and-refresh-tokens",
    async up(qi) {
      await qi.addColumn(USERS_TABLE, "token_version", userColumns.token_version);
      await qi.createTable(REFRESH_TOKENS_TABLE, refreshTokenColumns);
      await qi.addIndex(REFRESH_TOKENS_TABLE, ["user_id"]);
      await qi.addIndex(REFRESH_TOKENS_TABLE, ["family"]);
    },
    async down(qi) {
      await qi.dropTable(REFRESH_TOKENS_TABLE);
      await qi.removeColumn(USERS_TABLE, "token_version");
    },
  },
  {
    // The JWT signing key no longer sits in the database beside the data it protects (see
    // lib/auth/jwt-secret.ts): forget the plaintext one that 002 generated. Tokens it signed die.
    name: "004-drop-plaintext-jwt-secret",
    async up(qi) {
      await qi.bulkDelete(AUTH_SETTINGS_TABLE, { key: "jwt_secret" });
    },
    async down() {
      // Nothing to restore: the secret is gone on purpose.
    },
  },
];
