/**
 * The operator console's built files (dist/console, `npm run build`), served by the gateway at /.
 * Read once into memory with a gzip copy of each (the whole build is a few hundred KB). Vite names
 * every asset under assets/ by its content hash, so those are cached for a year as immutable;
 * index.html names the current ones and is revalidated on every load (no-cache + ETag).
 */
import fs from "node:fs";
import path from "node:path";
import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";
import type { IncomingMessage, ServerResponse } from "node:http";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json; charset=utf-8",
  ".woff2": "font/woff2",
};

export const IMMUTABLE = "public, max-age=31536000, immutable";
export const REVALIDATE = "no-cache";

interface ConsoleFile {
  body: Buffer;
  gzip: Buffer | null;
  type: string;
  etag: string;
  cacheControl: string;
}

/** The built console next to the compiled gateway (dist/services → dist/console) or, from the sources, under dist/. */
export function findConsoleDir(from: string = __dirname): string | null {
  const candidates = [process.env.CONSOLE_DIR, path.resolve(from, "../../console"), path.resolve(from, "../console"), path.resolve(from, "../../dist/console"), path.resolve(from, "../dist/console")];
  for (const dir of candidates) if (dir && fs.existsSync(path.join(dir, ".vite", "manifest.json")) && fs.existsSync(path.join(dir, "index.html"))) return dir;
  return null;
}

export class ConsoleFiles {
  private readonly files = new Map<string, ConsoleFile>();

  constructor(readonly dir: string) {
    this.load("index.html");
    const assets = path.join(dir, "assets");
    if (fs.existsSync(assets)) for (const name of fs.readdirSync(assets)) this.load(`assets/${name}`);
    for (const name of ["favicon.svg"]) if (fs.existsSync(path.join(dir, name))) this.load(name);
  }

  /** Paths served (relative, without the leading slash). */
  list(): string[] {
    return [...this.files.keys()];
  }

  has(rel: string): boolean {
    return this.files.has(rel);
  }

  /** Answers GET/HEAD of `rel`; false when there is no such file (the caller answers 404). */
  serve(rel: string, req: IncomingMessage, res: ServerResponse): boolean {
    const file = this.files.get(rel);
    if (!file) return false;
    const headers: Record<string, string> = {
      "Content-Type": file.type,
      "Cache-Control": file.cacheControl,
      ETag: file.etag,
      Vary: "Accept-Encoding",
      "X-Content-Type-Options": "nosniff",
    };
    if (rel === "index.html") {
      // The console talks only to this origin; no inline scripts (Vite emits module files).
      headers["Content-Security-Policy"] = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'";
      headers["X-Frame-Options"] = "DENY";
      headers["Referrer-Policy"] = "no-referrer";
    }
    if (req.headers["if-none-match"] === file.etag) {
      res.writeHead(304, headers);
      res.end();
      return true;
    }
    const gzip = file.gzip && /\bgzip\b/.test(String(req.headers["accept-encoding"] ?? ""));
    const body = gzip ? file.gzip! : file.body;
    if (gzip) headers["Content-Encoding"] = "gzip";
    headers["Content-Length"] = String(body.length);
    res.writeHead(200, headers);
    res.end(req.method === "HEAD" ? undefined : body);
    return true;
  }

  private load(rel: string): void {
    const body = fs.readFileSync(path.join(this.dir, rel));
    const ext = path.extname(rel);
    const type = TYPES[ext] ?? "application/octet-stream";
    const compressible = /^(text\/|application\/json|image\/svg)/.test(type);
    const gzip = compressible ? gzipSync(body, { level: 9 }) : null;
    const etag = `"${createHash("sha256").update(body).digest("base64url").slice(0, 22)}"`;
    this.files.set(rel, { body, gzip: gzip && gzip.length < body.length ? gzip : null, type, etag, cacheControl: rel.startsWith("assets/") ? IMMUTABLE : REVALIDATE });
  }
}
