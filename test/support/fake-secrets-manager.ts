/**
 * A local HTTP server speaking AWS Secrets Manager's JSON 1.1 protocol, for
 * pointing the real AWS SDK at in tests: POST / with
 * `X-Amz-Target: secretsmanager.<Operation>` and an application/x-amz-json-1.1
 * body; errors are HTTP 400 (or 5xx) with `{ "__type": ..., "Message": ... }`.
 * It implements what the keystore uses: CreateSecret, PutSecretValue,
 * GetSecretValue, DescribeSecret, ListSecrets, DeleteSecret, RestoreSecret,
 * TagResource and UntagResource, with AWS's validation rules for names, tags,
 * filters and the deletion recovery window. Requests must carry a SigV4
 * Authorization header for the configured region (the signature itself is not
 * checked).
 */
import { randomBytes, randomUUID } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";

type Json = Record<string, unknown>;

interface Version {
  id: string;
  secretString?: string;
  stages: Set<string>;
  created: number;
}

interface StoredSecret {
  arn: string;
  name: string;
  description?: string;
  kmsKeyId?: string;
  tags: Map<string, string>;
  versions: Map<string, Version>;
  created: number;
  lastChanged: number;
  deleted?: number;
}

export interface RecordedCall {
  operation: string;
  request: Json;
  status: number;
  /** Raw response body, as the SDK received it. */
  response: string;
}

export interface InjectedFailure {
  status: number;
  type: string;
}

class ServiceError extends Error {
  constructor(readonly type: string, message: string, readonly status = 400) {
    super(message);
  }
}

const NAME_PATTERN = /^[A-Za-z0-9/_+=.@-]{1,512}$/;
const TAG_PATTERN = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
const FILTER_VALUE_PATTERN = /^!?[a-zA-Z0-9 :_@/+=.\-!]*$/;
const FILTER_KEYS = ["description", "name", "tag-key", "tag-value", "primary-region", "owning-service", "all"];
const ACCOUNT = "123456789012";

export class FakeSecretsManager {
  readonly calls: RecordedCall[] = [];
  private readonly secrets = new Map<string, StoredSecret>();
  private readonly failures: Array<{ operation: string } & InjectedFailure> = [];
  private readonly stalls: string[] = [];
  private server: http.Server | null = null;
  private url = "";

  constructor(readonly region = "us-east-1") {}

  get endpoint(): string {
    if (!this.url) throw new Error("FakeSecretsManager is not started");
    return this.url;
  }

  async start(port = 0): Promise<string> {
    const server = http.createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => resolve());
    });
    this.server = server;
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** The next call of `operation` ("*" for any) fails with this status and error type. */
  failNext(operation: string, failure: InjectedFailure = { status: 500, type: "InternalServiceError" }, times = 1): void {
    for (let i = 0; i < times; i++) this.failures.push({ operation, ...failure });
  }

  /** The next call of `operation` ("*" for any) gets no response at all, as from a hung server. */
  stallNext(operation: string): void {
    this.stalls.push(operation);
  }

  /** Test access to stored state, e.g. to check what reached the server. */
  secretString(name: string): string | undefined {
    const secret = this.secrets.get(name);
    return secret ? this.current(secret)?.secretString : undefined;
  }

  tagsOf(name: string): Record<string, string> | undefined {
    const secret = this.secrets.get(name);
    return secret ? Object.fromEntries(secret.tags) : undefined;
  }

  isScheduledForDeletion(name: string): boolean {
    return this.secrets.get(name)?.deleted !== undefined;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString("utf8");
    const target = String(req.headers["x-amz-target"] ?? "");
    const operation = target.startsWith("secretsmanager.") ? target.slice("secretsmanager.".length) : target;
    const stall = this.stalls.findIndex((op) => op === operation || op === "*");
    if (stall >= 0) {
      this.stalls.splice(stall, 1);
      return; // stop() closes the connection
    }
    let request: Json = {};
    let status = 200;
    let body: Json;
    try {
      if (req.method !== "POST" || req.url !== "/") throw new ServiceError("UnknownOperationException", "POST / expected", 404);
      if (!String(req.headers["content-type"] ?? "").startsWith("application/x-amz-json-1.1")) {
        throw new ServiceError("SerializationException", "Content-Type must be application/x-amz-json-1.1");
      }
      this.checkAuthorization(req);
      try {
        request = raw ? (JSON.parse(raw) as Json) : {};
      } catch {
        throw new ServiceError("SerializationException", "Request body is not JSON");
      }
      const failure = this.takeFailure(operation);
      if (failure) throw new ServiceError(failure.type, "Injected failure", failure.status);
      body = this.dispatch(operation, request);
    } catch (err) {
      const e = err instanceof ServiceError ? err : new ServiceError("InternalServiceError", String(err), 500);
      status = e.status;
      body = { __type: e.type, Message: e.message };
    }
    const response = JSON.stringify(body);
    this.calls.push({ operation, request, status, response });
    res.writeHead(status, {
      "content-type": "application/x-amz-json-1.1",
      "content-length": Buffer.byteLength(response),
      "x-amzn-requestid": randomUUID(),
    });
    res.end(response);
  }

  private checkAuthorization(req: http.IncomingMessage): void {
    const auth = String(req.headers.authorization ?? "");
    const scope = new RegExp(`^AWS4-HMAC-SHA256 Credential=[^/]+/\\d{8}/${this.region}/secretsmanager/aws4_request, SignedHeaders=[^,]+, Signature=[0-9a-f]{64}$`);
    if (!scope.test(auth)) throw new ServiceError("UnrecognizedClientException", "The security token included in the request is invalid.");
  }

  private takeFailure(operation: string): InjectedFailure | undefined {
    const index = this.failures.findIndex((f) => f.operation === operation || f.operation === "*");
    return index < 0 ? undefined : this.failures.splice(index, 1)[0];
  }

  private dispatch(operation: string, r: Json): Json {
    switch (operation) {
      case "CreateSecret":
        return this.createSecret(r);
      case "PutSecretValue":
        return this.putSecretValue(r);
      case "GetSecretValue":
        return this.getSecretValue(r);
      case "DescribeSecret":
        return this.describeSecret(r);
      case "ListSecrets":
        return this.listSecrets(r);
      case "DeleteSecret":
        return this.deleteSecret(r);
      case "RestoreSecret":
        return this.restoreSecret(r);
      case "TagResource":
        return this.tagResource(r);
      case "UntagResource":
        return this.untagResource(r);
      default:
        throw new ServiceError("UnknownOperationException", `Operation ${operation} is not supported by this server`);
    }
  }

  private createSecret(r: Json): Json {
    const name = r.Name;
    if (typeof name !== "string" || !NAME_PATTERN.test(name)) throw new ServiceError("ValidationException", "Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!");
    const existing = this.secrets.get(name);
    if (existing?.deleted !== undefined) {
      throw new ServiceError("InvalidRequestException", "You can't create this secret because a secret with this name is already scheduled for deletion.");
    }
    if (existing) throw new ServiceError("ResourceExistsException", `The operation failed because the secret ${name} already exists.`);
    const tags = this.validTags(r.Tags ?? []);
    const now = this.now();
    const secret: StoredSecret = {
      arn: `arn:aws:secretsmanager:${this.region}:${ACCOUNT}:secret:${name}-${randomBytes(3).toString("hex")}`,
      name,
      tags: new Map(tags),
      versions: new Map(),
      created: now,
      lastChanged: now,
    };
    if (typeof r.Description === "string") secret.description = r.Description;
    if (typeof r.KmsKeyId === "string") secret.kmsKeyId = r.KmsKeyId;
    let versionId: string | undefined;
    if (r.SecretString !== undefined) versionId = this.addVersion(secret, r.SecretString, r.ClientRequestToken).id;
    this.secrets.set(name, secret);
    return { ARN: secret.arn, Name: name, ...(versionId ? { VersionId: versionId } : {}) };
  }

  private putSecretValue(r: Json): Json {
    const secret = this.live(r.SecretId);
    const version = this.addVersion(secret, r.SecretString, r.ClientRequestToken);
    return { ARN: secret.arn, Name: secret.name, VersionId: version.id, VersionStages: [...version.stages] };
  }

  private getSecretValue(r: Json): Json {
    const secret = this.live(r.SecretId);
    let version: Version | undefined;
    if (typeof r.VersionId === "string") version = secret.versions.get(r.VersionId);
    else {
      const stage = typeof r.VersionStage === "string" ? r.VersionStage : "AWSCURRENT";
      version = [...secret.versions.values()].find((v) => v.stages.has(stage));
    }
    if (!version) throw new ServiceError("ResourceNotFoundException", "Secrets Manager can't find the specified secret value for staging label: AWSCURRENT");
    return {
      ARN: secret.arn,
      Name: secret.name,
      VersionId: version.id,
      ...(version.secretString === undefined ? {} : { SecretString: version.secretString }),
      VersionStages: [...version.stages],
      CreatedDate: version.created,
    };
  }

  private describeSecret(r: Json): Json {
    return this.metadata(this.find(r.SecretId));
  }

  private listSecrets(r: Json): Json {
    const max = r.MaxResults ?? 100;
    if (typeof max !== "number" || !Number.isInteger(max) || max < 1 || max > 100) {
      throw new ServiceError("ValidationException", "1 validation error detected: Value at 'maxResults' failed to satisfy constraint: Member must have value between 1 and 100");
    }
    const filters = this.validFilters(r.Filters ?? []);
    const all = [...this.secrets.values()]
      .filter((s) => r.IncludePlannedDeletion === true || s.deleted === undefined)
      .filter((s) => filters.every((f) => this.matches(s, f.key, f.values)))
      .sort((a, b) => a.created - b.created || a.name.localeCompare(b.name));
    let start = 0;
    if (r.NextToken !== undefined) {
      const decoded = typeof r.NextToken === "string" ? Number(Buffer.from(r.NextToken, "base64").toString("utf8")) : NaN;
      if (!Number.isInteger(decoded) || decoded < 0) throw new ServiceError("InvalidNextTokenException", "The NextToken value is invalid.");
      start = decoded;
    }
    const page = all.slice(start, start + max);
    const next = start + max < all.length ? Buffer.from(String(start + max)).toString("base64") : undefined;
    return { SecretList: page.map((s) => this.metadata(s)), ...(next ? { NextToken: next } : {}) };
  }

  private deleteSecret(r: Json): Json {
    const secret = this.find(r.SecretId);
    const force = r.ForceDeleteWithoutRecovery === true;
    if (force && r.RecoveryWindowInDays !== undefined) {
      throw new ServiceError("InvalidParameterException", "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.");
    }
    const window = r.RecoveryWindowInDays ?? 30;
    if (!force && (typeof window !== "number" || window < 7 || window > 30)) {
      throw new ServiceError("InvalidParameterException", "The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).");
    }
    if (force) {
      this.secrets.delete(secret.name);
      return { ARN: secret.arn, Name: secret.name, DeletionDate: this.now() };
    }
    if (secret.deleted !== undefined) {
      throw new ServiceError("InvalidRequestException", "You can't perform this operation on the secret because it was marked for deletion.");
    }
    secret.deleted = this.now();
    return { ARN: secret.arn, Name: secret.name, DeletionDate: secret.deleted + (window as number) * 86400 };
  }

  private restoreSecret(r: Json): Json {
    const secret = this.find(r.SecretId);
    delete secret.deleted;
    secret.lastChanged = this.now();
    return { ARN: secret.arn, Name: secret.name };
  }

  private tagResource(r: Json): Json {
    const secret = this.find(r.SecretId);
    for (const [key, value] of this.validTags(r.Tags)) secret.tags.set(key, value);
    if (secret.tags.size > 50) throw new ServiceError("ValidationException", "A secret can have at most 50 tags.");
    secret.lastChanged = this.now();
    return {};
  }

  private untagResource(r: Json): Json {
    const secret = this.find(r.SecretId);
    if (!Array.isArray(r.TagKeys)) throw new ServiceError("ValidationException", "TagKeys is required.");
    for (const key of r.TagKeys) secret.tags.delete(String(key));
    secret.lastChanged = this.now();
    return {};
  }

  private metadata(s: StoredSecret): Json {
    const versions: Record<string, string[]> = {};
    for (const v of s.versions.values()) if (v.stages.size > 0) versions[v.id] = [...v.stages];
    return {
      ARN: s.arn,
      Name: s.name,
      ...(s.description === undefined ? {} : { Description: s.description }),
      ...(s.kmsKeyId === undefined ? {} : { KmsKeyId: s.kmsKeyId }),
      LastChangedDate: s.lastChanged,
      ...(s.deleted === undefined ? {} : { DeletedDate: s.deleted }),
      Tags: [...s.tags].map(([Key, Value]) => ({ Key, Value })),
      SecretVersionsToStages: versions,
      CreatedDate: s.created,
    };
  }

  private addVersion(secret: StoredSecret, value: unknown, token: unknown): Version {
    if (typeof value !== "string" || value.length === 0 || value.length > 65536) {
      throw new ServiceError("InvalidParameterException", "SecretString must be a string of 1 to 65536 characters.");
    }
    const id = typeof token === "string" && token.length >= 32 ? token : randomUUID();
    const previous = secret.versions.get(id);
    if (previous) {
      if (previous.secretString === value) return previous; // an idempotent retry
      throw new ServiceError("ResourceExistsException", "A version with this ClientRequestToken already exists with different content.");
    }
    for (const v of secret.versions.values()) {
      v.stages.delete("AWSPREVIOUS");
      if (v.stages.delete("AWSCURRENT")) v.stages.add("AWSPREVIOUS");
    }
    const version: Version = { id, secretString: value, stages: new Set(["AWSCURRENT"]), created: this.now() };
    secret.versions.set(id, version);
    secret.lastChanged = version.created;
    return version;
  }

  private current(secret: StoredSecret): Version | undefined {
    return [...secret.versions.values()].find((v) => v.stages.has("AWSCURRENT"));
  }

  private find(id: unknown): StoredSecret {
    if (typeof id !== "string" || id.length === 0) throw new ServiceError("ValidationException", "SecretId is required.");
    const secret = this.secrets.get(id) ?? [...this.secrets.values()].find((s) => s.arn === id);
    if (!secret) throw new ServiceError("ResourceNotFoundException", "Secrets Manager can't find the specified secret.");
    return secret;
  }

  /** A secret that is not scheduled for deletion, as value operations require. */
  private live(id: unknown): StoredSecret {
    const secret = this.find(id);
    if (secret.deleted !== undefined) {
      throw new ServiceError("InvalidRequestException", "You can't perform this operation on the secret because it was marked for deletion.");
    }
    return secret;
  }

  private validTags(tags: unknown): Array<[string, string]> {
    if (!Array.isArray(tags)) throw new ServiceError("ValidationException", "Tags must be a list.");
    if (tags.length > 50) throw new ServiceError("ValidationException", "A secret can have at most 50 tags.");
    return tags.map((t: Json) => {
      const key = t?.Key;
      const value = t?.Value ?? "";
      if (typeof key !== "string" || key.length < 1 || key.length > 128 || !TAG_PATTERN.test(key) || key.startsWith("aws:")) {
        throw new ServiceError("ValidationException", "Tag keys must be 1-128 characters of letters, numbers, spaces and _.:/=+-@, not starting with aws:.");
      }
      if (typeof value !== "string" || value.length > 256 || !TAG_PATTERN.test(value)) {
        throw new ServiceError("ValidationException", "Tag values must be up to 256 characters of letters, numbers, spaces and _.:/=+-@.");
      }
      return [key, value] as [string, string];
    });
  }

  private validFilters(filters: unknown): Array<{ key: string; values: string[] }> {
    if (!Array.isArray(filters)) throw new ServiceError("ValidationException", "Filters must be a list.");
    return filters.map((f: Json) => {
      const key = f?.Key;
      const values = f?.Values;
      if (typeof key !== "string" || !FILTER_KEYS.includes(key)) throw new ServiceError("ValidationException", "Invalid filter key.");
      if (!Array.isArray(values) || values.length < 1 || values.length > 10) throw new ServiceError("ValidationException", "A filter needs 1 to 10 values.");
      for (const v of values) {
        if (typeof v !== "string" || v.length > 512 || !FILTER_VALUE_PATTERN.test(v)) throw new ServiceError("ValidationException", "Invalid filter value.");
      }
      return { key, values: values as string[] };
    });
  }

  /** A filter matches when any of its values does; "!" negates a value. Matching is by prefix, as AWS documents. */
  private matches(s: StoredSecret, key: string, values: string[]): boolean {
    const fields = (): string[] => {
      switch (key) {
        case "name":
          return [s.name];
        case "description":
          return s.description ? [s.description.toLowerCase()] : [];
        case "tag-key":
          return [...s.tags.keys()];
        case "tag-value":
          return [...s.tags.values()];
        case "all":
          return [s.name, s.description ?? "", ...s.tags.keys(), ...s.tags.values()].map((x) => x.toLowerCase());
        default:
          return [];
      }
    };
    const caseless = key === "description" || key === "all";
    return values.some((raw) => {
      const negate = raw.startsWith("!");
      const value = caseless ? raw.slice(negate ? 1 : 0).toLowerCase() : raw.slice(negate ? 1 : 0);
      const hit = fields().some((f) => (key === "all" ? f.includes(value) : f.startsWith(value)));
      return negate ? !hit : hit;
    });
  }

  /** Epoch seconds with milliseconds: how the JSON protocol carries timestamps. */
  private now(): number {
    return Date.now() / 1000;
  }
}
