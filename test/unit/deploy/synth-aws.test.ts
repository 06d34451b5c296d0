/**
 * `npm run synth:aws` as CI runs it: the compiled CDK app (no ts-node) synthesizes the stack
 * offline into a cloud assembly, with no missing context lookups.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const ROOT = path.resolve(__dirname, "../../..");

describe("npm run synth:aws", () => {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "mmesh-cdk-out-"));
  afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

  it("synthesizes deploy/aws offline from the compiled app", () => {
    const result = spawnSync("npm", ["run", "--silent", "synth:aws"], {
      cwd: ROOT,
      // No AWS credentials and a proxy that refuses: nothing may be looked up on the network.
      env: { PATH: process.env.PATH, HOME: process.env.HOME, CDK_OUTDIR: outdir, HTTPS_PROXY: "http://127.0.0.1:9", HTTP_PROXY: "http://127.0.0.1:9" },
      encoding: "utf8",
      timeout: 300_000,
    });
    expect({ status: result.status, stderr: result.status === 0 ? "" : result.stderr }).toEqual({ status: 0, stderr: "" });
    expect(fs.readFileSync(path.join(ROOT, "deploy/aws/cdk.json"), "utf8")).not.toMatch(/ts-node/);
    const manifest = JSON.parse(fs.readFileSync(path.join(outdir, "manifest.json"), "utf8"));
    expect(manifest.missing).toBeUndefined();
    expect(manifest.artifacts.Mmesh.type).toBe("aws:cloudformation:stack");
    const template = JSON.parse(fs.readFileSync(path.join(outdir, "Mmesh.template.json"), "utf8"));
    const services = Object.values<{ Type: string }>(template.Resources).filter((r) => r.Type === "AWS::ECS::Service");
    expect(services.length).toBe(5);
    expect(template.Parameters.RpcUrl.Type).toBe("String");
  }, 300_000);
});
