/** dist/bin/mmesh.js with a transporter and the empty DATABASE_URL k8s/secret.yaml ships: refuses to start, naming it. Needs `npm run build`. */
import { spawnSync } from "node:child_process";
import path from "node:path";

const ENTRY = path.resolve(__dirname, "../../dist/bin/mmesh.js");

it("a cluster node with an empty DATABASE_URL exits 1 naming DATABASE_URL instead of running its own SQLite", () => {
  const result = spawnSync(process.execPath, [ENTRY], {
    env: { PATH: process.env.PATH, TRANSPORTER: "nats://127.0.0.1:4222", SERVICES: "config", DATABASE_URL: "", METRICS_PORT: "off", DATA_DIR: "/nonexistent-mmesh" },
    encoding: "utf8",
    timeout: 30_000,
  });
  expect(result.status).toBe(1);
  expect(result.stderr).toMatch(/mmesh: Invalid environment variable DATABASE_URL: required with a transporter by config/);
});
