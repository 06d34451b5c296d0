/** A RuntimeEnv for one test: its own data dir, namespace and random API port. */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { readEnv, type RuntimeEnv } from "../../lib/runtime/env";

export const TEST_ADMIN_PASSWORD = "admin-password-for-tests";

export function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString("hex")}`;
}

export function testEnv(overrides: Record<string, string> = {}): RuntimeEnv & { cleanup(): void } {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "mmesh-test-"));
  const env = readEnv({
    DATA_DIR: dataDir,
    NAMESPACE: uniqueName("t"),
    NODE_ID: uniqueName("node"),
    METRICS_PORT: "off",
    LOG_LEVEL: "warn",
    API_PORT: "0",
    ADMIN_PASSWORD: TEST_ADMIN_PASSWORD,
    DEMO_BOT: "off",
    JWT_SECRET: randomBytes(32).toString("hex"),
    ...overrides,
  });
  return { ...env, cleanup: () => fs.rmSync(dataDir, { recursive: true, force: true }) };
}
