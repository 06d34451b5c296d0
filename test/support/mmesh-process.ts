/** `npm start` as a user runs it: the built node process on the embedded default, its printed admin password and port. */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

export const ENTRY = path.resolve(__dirname, "../../dist/bin/mmesh.js");

export interface MmeshProcess {
  child: ChildProcess;
  base: string;
  password: string;
  output(): string;
  stop(): Promise<number | null>;
}

export async function startMmesh(env: Record<string, string> = {}, timeoutMs = 40_000): Promise<MmeshProcess> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mmesh-e2e-"));
  const nodeID = `e2e-${process.pid}`;
  const child = spawn(process.execPath, [ENTRY], { cwd: dir, env: { PATH: process.env.PATH, API_PORT: "0", METRICS_PORT: "off", LOG_LEVEL: "info", NODE_ID: nodeID, ...env } });
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise<number | null>((r) => child.once("exit", r));
      child.kill("SIGTERM");
      const code = await exited;
      fs.rmSync(dir, { recursive: true, force: true });
      return code;
    }
    fs.rmSync(dir, { recursive: true, force: true });
    return child.exitCode;
  };
  try {
    const port = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no start within ${timeoutMs} ms:\n${output}`)), timeoutMs);
      child.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`mmesh exited with ${code} before starting:\n${output}`));
      });
      const check = () => {
        const match = /API Gateway listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(output);
        if (match && output.includes(`mmesh node ${nodeID} started`)) {
          clearTimeout(timer);
          resolve(match[1]);
        } else if (child.exitCode === null) setTimeout(check, 50);
      };
      check();
    });
    const password = /created user 'admin' with password: (\S+)/.exec(output)?.[1];
    if (!password) throw new Error(`no admin password printed:\n${output}`);
    return { child, base: `http://127.0.0.1:${port}`, password, output: () => output, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
