/**
 * The README's first command on an older Node: `npm install` stops at once (engine-strict
 * .npmrc) with npm's EBADENGINE naming the required Node 22, instead of warning and
 * half-installing. Run with this machine's Node 20 (/usr/bin/node) when it has one.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const ROOT = path.resolve(__dirname, "../../..");
const OLD_NODE = "/usr/bin/node";

describe("npm install on a Node older than 22", () => {
  it("is refused by the engine-strict .npmrc", () => {
    expect(fs.readFileSync(path.join(ROOT, ".npmrc"), "utf8")).toMatch(/^engine-strict=true$/m);
    expect(JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")).engines.node).toBe(">=22");
  });

  const oldMajor = fs.existsSync(OLD_NODE) ? Number(spawnSync(OLD_NODE, ["-p", "process.versions.node.split('.')[0]"], { encoding: "utf8" }).stdout.trim()) : null;
  (oldMajor !== null && oldMajor < 22 ? it : it.skip)(`stops at once with Node ${oldMajor} naming Node 22`, () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mmesh-oldnode-"));
    try {
      for (const f of ["package.json", "package-lock.json", ".npmrc"]) fs.copyFileSync(path.join(ROOT, f), path.join(dir, f));
      const result = spawnSync(path.join(path.dirname(OLD_NODE), "npm"), ["install", "--ignore-scripts", "--no-audit", "--no-fund"], {
        cwd: dir,
        env: { PATH: `${path.dirname(OLD_NODE)}:/bin`, HOME: dir },
        encoding: "utf8",
        timeout: 60_000,
      });
      expect(result.status).not.toBe(0);
      expect(result.stderr).toMatch(/EBADENGINE/);
      expect(result.stderr).toMatch(/Required: \{"node":">=22"\}/);
      expect(fs.existsSync(path.join(dir, "node_modules"))).toBe(false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
