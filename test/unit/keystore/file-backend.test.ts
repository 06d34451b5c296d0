import { promises as fsp } from "node:fs";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { DEFAULT_SCRYPT, FileKeystore, KeystoreError, createKeystore } from "../../../lib/keystore";
import type { Keystore } from "../../../lib/keystore";
import { CEX, EVM, FAST_SCRYPT, MASTER, OTHER_MASTER, expectNoSecrets } from "./fixtures";

let dir: string;
let file: string;

beforeEach(async () => {
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), "mmesh-keystore-"));
  file = path.join(dir, "nested", "keystore.json");
});

afterEach(async () => {
  jest.restoreAllMocks();
  await fsp.rm(dir, { recursive: true, force: true });
});

function open(masterKey = MASTER): Promise<FileKeystore> {
  return FileKeystore.open({ path: file, masterKey, scrypt: FAST_SCRYPT });
}

async function rejection(promise: Promise<unknown>): Promise<KeystoreError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(KeystoreError);
    expectNoSecrets((err as Error).message);
    return err as KeystoreError;
  }
  throw new Error("expected a KeystoreError");
}

async function withTwoEntries(): Promise<FileKeystore> {
  const ks = await open();
  await ks.put({ id: "okx-main", kind: "cex", payload: CEX, label: "OKX main" });
  await ks.put({ id: "hot-wallet", kind: "evm", payload: EVM });
  return ks;
}

async function editFile(edit: (doc: any) => void): Promise<void> {
  const doc = JSON.parse(await fsp.readFile(file, "utf8"));
  edit(doc);
  await fsp.writeFile(file, JSON.stringify(doc));
}

describe("file keystore", () => {
  it("creates an empty keystore file with mode 0600 on first open", async () => {
    const ks = await open();
    expect(await ks.list()).toEqual([]);
    const stat = await fsp.stat(file);
    expect(stat.mode & 0o777).toBe(0o600);
    const doc = JSON.parse(await fsp.readFile(file, "utf8"));
    expect(doc).toMatchObject({ version: 1, kdf: { name: "scrypt", N: 1024, r: 8, p: 1 }, entries: [] });
    expect(Buffer.from(doc.kdf.salt, "base64")).toHaveLength(16);
  });

  it("round-trips cex and evm entries through the encrypted file", async () => {
    await (await withTwoEntries()).close();
    const ks = await open();
    expect(await ks.get("okx-main")).toEqual({ id: "okx-main", kind: "cex", payload: CEX });
    expect(await ks.get("hot-wallet")).toEqual({ id: "hot-wallet", kind: "evm", payload: EVM });
  });

  it("lists ids, kinds, labels and masked hints only; no secret is in the listing or on disk", async () => {
    const ks = await withTwoEntries();
    const list = await ks.list();
    expect(list).toEqual([
      { id: "hot-wallet", kind: "evm", hint: expect.stringMatching(/^fp:[0-9a-f]{8}$/), createdAt: expect.any(String), updatedAt: expect.any(String) },
      { id: "okx-main", kind: "cex", label: "OKX main", exchange: "okx", hint: "****WXYZ", createdAt: expect.any(String), updatedAt: expect.any(String) },
    ]);
    expectNoSecrets(JSON.stringify(list));
    const raw = await fsp.readFile(file, "utf8");
    expectNoSecrets(raw);
    expect(raw).not.toContain(CEX.apiKey);
    expect(raw).not.toContain(CEX.uid);
  });

  it("refuses a wrong master key at open with WRONG_MASTER_KEY, even for an empty keystore", async () => {
    await (await open()).close();
    const err = await rejection(open(OTHER_MASTER));
    expect(err.code).toBe("WRONG_MASTER_KEY");
    expect(err.message).toBe(`MASTER_KEY does not decrypt the keystore at ${file}`);
  });

  it("reports a tampered ciphertext as CORRUPT, never as garbage, and keeps other entries readable", async () => {
    await (await withTwoEntries()).close();
    await editFile((doc) => {
      const entry = doc.entries.find((e: any) => e.id === "okx-main");
      const bytes = Buffer.from(entry.ciphertext, "base64");
      bytes[3] ^= 0x01;
      entry.ciphertext = bytes.toString("base64");
    });
    const ks = await open();
    const err = await rejection(ks.get("okx-main"));
    expect(err.code).toBe("CORRUPT");
    expect(err.message).toMatch(/okx-main.*failed authentication/);
    expect(await ks.get("hot-wallet")).toEqual({ id: "hot-wallet", kind: "evm", payload: EVM });
    expect(await ks.list()).toHaveLength(2);
  });

  it("detects ciphertexts swapped between entries", async () => {
    const ks0 = await open();
    await ks0.put({ id: "a", kind: "evm", payload: EVM });
    await ks0.put({ id: "b", kind: "evm", payload: { privateKey: `0x${"11".repeat(32)}` } });
    await ks0.close();
    await editFile((doc) => {
      const [a, b] = doc.entries;
      for (const field of ["iv", "tag", "ciphertext"]) [a[field], b[field]] = [b[field], a[field]];
    });
    const ks = await open();
    expect((await rejection(ks.get("a"))).code).toBe("CORRUPT");
    expect((await rejection(ks.get("b"))).code).toBe("CORRUPT");
  });

  it("detects an entry whose kind or id was edited", async () => {
    await (await withTwoEntries()).close();
    await editFile((doc) => {
      doc.entries.find((e: any) => e.id === "hot-wallet").kind = "cex";
      doc.entries.find((e: any) => e.id === "okx-main").id = "okx-renamed";
    });
    const ks = await open();
    expect((await rejection(ks.get("hot-wallet"))).code).toBe("CORRUPT");
    expect((await rejection(ks.get("okx-renamed"))).code).toBe("CORRUPT");
  });

  it("keeps all of 20 concurrent puts", async () => {
    const ks = await open();
    const ids = Array.from({ length: 20 }, (_, i) => `key-${String(i).padStart(2, "0")}`);
    await Promise.all(ids.map((id, i) => ks.put({ id, kind: "evm", payload: { privateKey: `0x${(i + 1).toString(16).padStart(64, "0")}` } })));
    await ks.close();
    const reopened = await open();
    expect((await reopened.list()).map((s) => s.id)).toEqual(ids);
    for (const [i, id] of ids.entries()) {
      expect((await reopened.get(id)).payload).toEqual({ privateKey: `0x${(i + 1).toString(16).padStart(64, "0")}` });
    }
    expect((await fsp.readdir(path.dirname(file))).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it("creates without replacing: EXISTS unless overwrite, which keeps createdAt", async () => {
    const ks = await withTwoEntries();
    const before = (await ks.list()).find((s) => s.id === "okx-main")!;
    const err = await rejection(ks.put({ id: "okx-main", kind: "cex", payload: { ...CEX, apiKey: "replacement-key-0000" } }));
    expect(err.code).toBe("EXISTS");
    expect(await ks.get("okx-main")).toEqual({ id: "okx-main", kind: "cex", payload: CEX });

    await new Promise((r) => setTimeout(r, 5));
    const replaced = await ks.put({ id: "okx-main", kind: "cex", payload: { ...CEX, apiKey: "replacement-key-0000" }, overwrite: true });
    expect(replaced).toMatchObject({ id: "okx-main", hint: "****0000", createdAt: before.createdAt });
    expect(replaced.label).toBeUndefined();
    expect(replaced.updatedAt > before.updatedAt).toBe(true);
    expect((await ks.get("okx-main")).payload).toMatchObject({ apiKey: "replacement-key-0000" });
  });

  it("deletes entries persistently and reports unknown ids as NOT_FOUND", async () => {
    const ks = await withTwoEntries();
    await ks.delete("okx-main");
    expect((await rejection(ks.get("okx-main"))).code).toBe("NOT_FOUND");
    expect((await rejection(ks.delete("okx-main"))).code).toBe("NOT_FOUND");
    await ks.close();
    expect((await (await open()).list()).map((s) => s.id)).toEqual(["hot-wallet"]);
  });

  it("rejects an invalid payload naming the field and writes nothing", async () => {
    const ks = await withTwoEntries();
    const before = await fsp.readFile(file);
    const err = await rejection(ks.put({ id: "bad", kind: "evm", payload: { privateKey: "0xnothex" } }));
    expect(err).toMatchObject({ code: "INVALID_SECRET", field: "payload.privateKey" });
    expect(err.message).toMatch(/payload\.privateKey must be 0x followed by 64 hex characters/);
    expect(await fsp.readFile(file)).toEqual(before);
    expect((await ks.list()).map((s) => s.id)).toEqual(["hot-wallet", "okx-main"]);
  });

  it("leaves file and memory untouched when a write fails", async () => {
    const ks = await withTwoEntries();
    const before = await fsp.readFile(file);
    jest.spyOn(fs.promises, "rename").mockRejectedValueOnce(Object.assign(new Error("disk on fire"), { code: "EIO" }));
    const err = await rejection(ks.put({ id: "new", kind: "evm", payload: EVM }));
    expect(err.code).toBe("BACKEND_UNAVAILABLE");
    expect(err.message).toContain("EIO");
    expect(await fsp.readFile(file)).toEqual(before);
    expect((await ks.list()).map((s) => s.id)).toEqual(["hot-wallet", "okx-main"]);
    expect((await fsp.readdir(path.dirname(file))).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  describe("changeMasterKey", () => {
    it("re-encrypts everything: the new key reads it all, the old key is refused", async () => {
      const ks = await withTwoEntries();
      const before = JSON.parse(await fsp.readFile(file, "utf8"));
      await ks.changeMasterKey(OTHER_MASTER);
      const after = JSON.parse(await fsp.readFile(file, "utf8"));

      expect(after.kdf.salt).not.toBe(before.kdf.salt);
      expect(after.verifier.ciphertext).not.toBe(before.verifier.ciphertext);
      for (const entry of after.entries) {
        const old = before.entries.find((e: any) => e.id === entry.id);
        expect(entry.ciphertext).not.toBe(old.ciphertext);
        expect(entry.iv).not.toBe(old.iv);
        expect({ ...entry, iv: 0, tag: 0, ciphertext: 0 }).toEqual({ ...old, iv: 0, tag: 0, ciphertext: 0 });
      }
      expect(await ks.get("okx-main")).toEqual({ id: "okx-main", kind: "cex", payload: CEX });
      await ks.put({ id: "after-change", kind: "evm", payload: EVM });
      await ks.close();

      expect((await rejection(open(MASTER))).code).toBe("WRONG_MASTER_KEY");
      const reopened = await open(OTHER_MASTER);
      expect((await reopened.list()).map((s) => s.id)).toEqual(["after-change", "hot-wallet", "okx-main"]);
      expect(await reopened.get("okx-main")).toEqual({ id: "okx-main", kind: "cex", payload: CEX });
      expect(await reopened.get("hot-wallet")).toEqual({ id: "hot-wallet", kind: "evm", payload: EVM });
    });

    it("is all or nothing when the write fails half-way", async () => {
      const ks = await withTwoEntries();
      const before = await fsp.readFile(file);
      jest.spyOn(fs.promises, "rename").mockRejectedValueOnce(Object.assign(new Error("crash"), { code: "EIO" }));
      expect((await rejection(ks.changeMasterKey(OTHER_MASTER))).code).toBe("BACKEND_UNAVAILABLE");
      expect(await fsp.readFile(file)).toEqual(before);
      // The instance still holds the old key and keeps working with it.
      await ks.put({ id: "later", kind: "evm", payload: EVM });
      await ks.close();
      expect((await rejection(open(OTHER_MASTER))).code).toBe("WRONG_MASTER_KEY");
      expect((await (await open(MASTER)).list()).map((s) => s.id)).toEqual(["hot-wallet", "later", "okx-main"]);
    });

    it("refuses to re-encrypt over a corrupt entry and leaves the file as it was", async () => {
      await (await withTwoEntries()).close();
      await editFile((doc) => {
        doc.entries[0].tag = Buffer.alloc(16).toString("base64");
      });
      const before = await fsp.readFile(file);
      const ks = await open();
      expect((await rejection(ks.changeMasterKey(OTHER_MASTER))).code).toBe("CORRUPT");
      expect(await fsp.readFile(file)).toEqual(before);
    });

    it("serializes with concurrent puts: nothing is lost or left under the old key", async () => {
      const ks = await open();
      const puts = Array.from({ length: 10 }, (_, i) =>
        ks.put({ id: `k${i}`, kind: "cex", payload: { ...CEX, apiKey: `api-key-number-${i}` } }),
      );
      await Promise.all([...puts.slice(0, 5), ks.changeMasterKey(OTHER_MASTER), ...puts.slice(5)]);
      await ks.close();
      const reopened = await open(OTHER_MASTER);
      expect(await reopened.list()).toHaveLength(10);
      for (let i = 0; i < 10; i++) expect((await reopened.get(`k${i}`)).payload).toMatchObject({ apiKey: `api-key-number-${i}` });
    });

    it("refuses a missing or short new key", async () => {
      const ks = await open();
      expect((await rejection(ks.changeMasterKey(""))).code).toBe("MASTER_KEY_REQUIRED");
      expect((await rejection(ks.changeMasterKey("short"))).code).toBe("MASTER_KEY_REQUIRED");
    });
  });

  describe("damaged or foreign files", () => {
    it.each([
      ["not JSON", "{ nope", "CORRUPT"],
      ["a newer format", JSON.stringify({ version: 2 }), "UNSUPPORTED"],
      ["no verifier", JSON.stringify({ version: 1, kdf: { name: "scrypt", N: 1024, r: 8, p: 1, salt: "AAAA" }, entries: [] }), "CORRUPT"],
      ["a memory bomb of a kdf", JSON.stringify({ version: 1, kdf: { name: "scrypt", N: 2 ** 30, r: 8, p: 1, salt: "AAAA" }, verifier: { iv: "", tag: "", ciphertext: "" }, entries: [] }), "CORRUPT"],
    ])("reports %s clearly", async (_what, content, code) => {
      await fsp.mkdir(path.dirname(file), { recursive: true });
      await fsp.writeFile(file, content);
      const err = await rejection(open());
      expect(err.code).toBe(code);
      expect(err.message).toContain(file);
    });

    it("reports duplicate ids as CORRUPT", async () => {
      await (await withTwoEntries()).close();
      await editFile((doc) => doc.entries.push({ ...doc.entries[0] }));
      expect((await rejection(open())).code).toBe("CORRUPT");
    });
  });

  it("refuses use after close", async () => {
    const ks = await open();
    await ks.close();
    expect((await rejection(ks.list())).code).toBe("BACKEND_UNAVAILABLE");
  });

  it("works with the default scrypt cost", async () => {
    const started = Date.now();
    const ks = await FileKeystore.open({ path: file, masterKey: MASTER });
    await ks.put({ id: "hot", kind: "evm", payload: EVM });
    await ks.close();
    const reopened = await FileKeystore.open({ path: file, masterKey: MASTER });
    expect((await reopened.get("hot")).payload).toEqual(EVM);
    expect(JSON.parse(await fsp.readFile(file, "utf8")).kdf).toMatchObject(DEFAULT_SCRYPT);
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});

describe("createKeystore", () => {
  it("refuses a missing or short MASTER_KEY for the file backend without touching the disk", async () => {
    for (const masterKey of [undefined, null, "", "   ", "too-short"]) {
      const err = await rejection(createKeystore({ backend: "file", masterKey, path: file }));
      expect(err.code).toBe("MASTER_KEY_REQUIRED");
      expect(err.message).toMatch(/MASTER_KEY/);
    }
    expect(fs.existsSync(path.dirname(file))).toBe(false);
  });

  it("opens a file keystore", async () => {
    const ks: Keystore = await createKeystore({ backend: "file", masterKey: MASTER, path: file, scrypt: FAST_SCRYPT });
    expect(ks.backend).toBe("file");
    await ks.put({ id: "hot", kind: "evm", payload: EVM });
    expect((await ks.get("hot")).payload).toEqual(EVM);
  });

  it("rejects bad configuration", async () => {
    expect((await rejection(createKeystore({ backend: "file", masterKey: MASTER }))).code).toBe("INVALID_CONFIG");
    expect((await rejection(createKeystore({ backend: "aws" }))).code).toBe("INVALID_CONFIG");
    expect((await rejection(createKeystore({ backend: "aws", aws: { region: "us-east-1", prefix: "bad prefix!" } }))).code).toBe("INVALID_CONFIG");
    expect((await rejection(createKeystore({ backend: "s3" as "aws" }))).code).toBe("INVALID_CONFIG");
    expect((await rejection(createKeystore({ backend: "file", masterKey: MASTER, path: file, scrypt: { N: 1000 } }))).code).toBe("INVALID_CONFIG");
  });

  it("builds an AWS keystore whose master key cannot be changed", async () => {
    const ks = await createKeystore({ backend: "aws", aws: { region: "us-east-1", endpoint: "http://127.0.0.1:9", credentials: { accessKeyId: "a", secretAccessKey: "b" } } });
    expect(ks.backend).toBe("aws");
    const err = await rejection(ks.changeMasterKey(OTHER_MASTER));
    expect(err.code).toBe("UNSUPPORTED");
    expect(err.message).toMatch(/KMS/);
    await ks.close();
  });
});
