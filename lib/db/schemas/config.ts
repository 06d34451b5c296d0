/** Versioned configuration documents: every write is a new row, the highest version is active. */
import { DataTypes } from "sequelize";
import type { Migration } from "../migrations";

export const CONFIG_TABLE = "config_documents";

export const configColumns = {
  id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
  kind: { type: DataTypes.STRING(32), allowNull: false },
  name: { type: DataTypes.STRING(64), allowNull: false },
  version: { type: DataTypes.INTEGER, allowNull: false },
  /** JSON text; null marks a removal. */
  body: { type: DataTypes.TEXT, allowNull: true },
  comment: { type: DataTypes.STRING(500), allowNull: true },
  author: { type: DataTypes.STRING(64), allowNull: true },
  created_at: { type: DataTypes.DATE, allowNull: false },
};

export const configMigrations: Migration[] = [
  {
    name: "001-config-documents",
    async up(qi) {
      await qi.createTable(CONFIG_TABLE, configColumns);
      await qi.addIndex(CONFIG_TABLE, ["kind", "name", "version"], { unique: true, name: "config_documents_kind_name_version" });
    },
    async down(qi) {
      await qi.dropTable(CONFIG_TABLE);
    },
  },
];
