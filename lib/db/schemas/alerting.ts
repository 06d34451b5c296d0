/** Table of the alerting service: every alert transition (raised, resolved) heard, one row per notice. */
import { DataTypes } from "sequelize";
import type { Migration } from "../migrations";

export const ALERT_HISTORY_TABLE = "alert_history";

/**
 * Free-form values are TEXT: a notice from any service must fit, or a retried write would fail
 * the same way forever.
 */
export const alertHistoryColumns = {
  id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
  /** The notice's messageId: two replicas, or a redelivery, recording it again insert nothing. */
  message_id: { type: DataTypes.TEXT, allowNull: false },
  /** raised, resolved */
  kind: { type: DataTypes.STRING(16), allowNull: false },
  alert_id: { type: DataTypes.TEXT, allowNull: false },
  rule: { type: DataTypes.TEXT, allowNull: false },
  severity: { type: DataTypes.STRING(16), allowNull: false },
  message: { type: DataTypes.TEXT, allowNull: false },
  /** JSON object of label → value */
  labels: { type: DataTypes.TEXT, allowNull: false },
  since: { type: DataTypes.TEXT, allowNull: false },
  raised_at: { type: DataTypes.TEXT, allowNull: false },
  resolved_at: { type: DataTypes.TEXT, allowNull: true },
  /** When the first alerting replica heard it, ms since the epoch: the order of the history and what retention compares. */
  seen_at: { type: DataTypes.BIGINT, allowNull: false },
};

export const alertingMigrations: Migration[] = [
  {
    name: "001-alert-history",
    async up(qi) {
      await qi.createTable(ALERT_HISTORY_TABLE, alertHistoryColumns);
      await qi.addIndex(ALERT_HISTORY_TABLE, ["message_id"], { unique: true, name: "alert_history_message_id" });
      await qi.addIndex(ALERT_HISTORY_TABLE, ["seen_at", "id"], { name: "alert_history_seen_at_id" });
      await qi.addIndex(ALERT_HISTORY_TABLE, ["alert_id"], { name: "alert_history_alert_id" });
    },
    async down(qi) {
      await qi.dropTable(ALERT_HISTORY_TABLE);
    },
  },
];
