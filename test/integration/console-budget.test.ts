/**
 * The console's first load stays within its budget: index.html and every asset it names (scripts,
 * module preloads, stylesheets), gzipped as the gateway serves them, ≤ 500 KB. Needs `npm run build`
 * (npm test runs it first). Prints the figures.
 */
import fs from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";

const DIST = path.resolve(__dirname, "../../dist/console");
const BUDGET = 500 * 1024;

/** The files a browser fetches to show the first page: index.html and what it links, then what those CSS files import. */
function firstLoadFiles(dir: string): string[] {
  const html = fs.readFileSync(path.join(dir, "index.html"), "utf8");
  const refs = [...html.matchAll(/<(?:script|link)\b[^>]*?(?:src|href)="\/([^"]+)"/g)].map((m) => m[1]).filter((f) => f.startsWith("assets/"));
  return ["index.html", ...new Set(refs)];
}

describe("console first-load budget", () => {
  it("is at most 500 KB gzipped, with no external URL", () => {
    expect(fs.existsSync(path.join(DIST, "index.html"))).toBe(true);
    const files = firstLoadFiles(DIST);
    expect(files.some((f) => f.endsWith(".js"))).toBe(true);
    const sizes = files.map((f) => {
      const body = fs.readFileSync(path.join(DIST, f));
      return { file: f, raw: body.length, gzip: gzipSync(body, { level: 9 }).length };
    });
    const total = sizes.reduce((s, f) => s + f.gzip, 0);
    process.stdout.write(
      `console first load: ${sizes.map((s) => `${s.file} ${(s.raw / 1024).toFixed(1)} KB → ${(s.gzip / 1024).toFixed(1)} KB gz`).join("; ")}; total ${(total / 1024).toFixed(1)} KB gzipped (budget 500 KB)\n`,
    );
    expect(total).toBeLessThanOrEqual(BUDGET);
    const html = fs.readFileSync(path.join(DIST, "index.html"), "utf8");
    expect(html).not.toMatch(/(?:src|href)="(?:https?:)?\/\//);
  });
});
