/** Tables of the auth service: users, their API tokens, and the service's own settings. */
import { DataTypes } from "sequelize";
import type { Migration } from "../migrations";

export const USERS_TABLE = "users";
export const API_TOKENS_TABLE = "api_tokens";
export const AUTH_SETTINGS_TABLE = "auth_settings";

export const userColumns = {
  id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
  username: { type: DataTypes.STRING(64), allowNull: false, unique: true },
  password_hash: { type: DataTypes.STRING(255), allowNull: false },
  role: { type: DataTypes.STRING(16), allowNull: false },
  disabled: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
  created_at: { type: DataTypes.DATE, allowNull: false },
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
      await qi.createTable(USERS_TABLE, userColumns);
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
];
