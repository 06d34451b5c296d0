/**
 * Keystore on AWS Secrets Manager: one secret per entry, named <prefix><id>,
 * whose SecretString is {"version":1,"kind":...,"payload":{...}}. Public
 * metadata lives in the secret's tags so `list()` never reads a secret value.
 * Encryption at rest is AWS's (KMS), so there is no master key here.
 */
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretsCommand,
  PutSecretValueCommand,
  RestoreSecretCommand,
  SecretsManagerClient,
  TagResourceCommand,
  UntagResourceCommand,
} from "@aws-sdk/client-secrets-manager";
import type { SecretListEntry } from "@aws-sdk/client-secrets-manager";
import { awsErrorName, mapAwsError } from "./aws-errors";
import { MANAGED_TAG_KEYS, metadataFromTags, metadataTags, summaryFrom } from "./aws-tags";
import { KeystoreError } from "./errors";
import type { Keystore, PutSecretInput, Secret, SecretSummary } from "./types";
import { publicMetadata, validateId, validatePut, validateSecret } from "./validation";

export interface AwsKeystoreOptions {
  region: string;
  /** Prepended to every id to form the secret name; default "mmesh/". */
  prefix?: string;
  /** A Secrets-Manager-compatible endpoint (LocalStack, a test server); default AWS's. */
  endpoint?: string | null;
  /** Static credentials; default the SDK's provider chain (env, profile, IAM role). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** KMS key for new secrets; default the account's aws/secretsmanager key. */
  kmsKeyId?: string;
  /** Delete at once instead of scheduling deletion after a recovery window; default false. */
  forceDeleteWithoutRecovery?: boolean;
  /** 7-30 days; default 7. Ignored with forceDeleteWithoutRecovery. */
  recoveryWindowInDays?: number;
  /** Attempts per request including the first (SDK retry with backoff); default 3. */
  maxAttempts?: number;
  /** Connection and response timeout per attempt; default 5000 ms. */
  timeoutMs?: number;
  /** Use this client instead of building one (its config wins over the options above). */
  client?: SecretsManagerClient;
}

const SECRET_NAME_PREFIX = /^[A-Za-z0-9/_+=.@-]{0,256}$/;
const VALUE_VERSION = 1;
const PAGE_SIZE = 100;

export class AwsKeystore implements Keystore {
  readonly backend = "aws" as const;
  readonly prefix: string;
  private readonly client: SecretsManagerClient;
  private readonly where: string;
  private readonly forceDelete: boolean;
  private readonly recoveryWindowInDays: number;
  private readonly kmsKeyId?: string;

  constructor(options: AwsKeystoreOptions) {
    if (typeof options.region !== "string" || !/^[a-z]{2}(-[a-z]+)+-\d+$/.test(options.region)) {
      throw new KeystoreError("INVALID_CONFIG", "AWS keystore needs a region such as us-east-1");
    }
    this.prefix = options.prefix ?? "mmesh/";
    if (!SECRET_NAME_PREFIX.test(this.prefix)) {
      throw new KeystoreError("INVALID_CONFIG", "AWS secrets prefix may only hold letters, digits and / _ + = . @ -");
    }
    const window = options.recoveryWindowInDays ?? 7;
    if (!Number.isInteger(window) || window < 7 || window > 30) {
      throw new KeystoreError("INVALID_CONFIG", "recoveryWindowInDays must be an integer from 7 to 30");
    }
    this.recoveryWindowInDays = window;
    this.forceDelete = options.forceDeleteWithoutRecovery ?? false;
    if (options.kmsKeyId !== undefined) this.kmsKeyId = options.kmsKeyId;
    this.where = options.endpoint ?? options.region;
    const timeout = options.timeoutMs ?? 5000;
    this.client =
      options.client ??
      new SecretsManagerClient({
        region: options.region,
        ...(options.endpoint ? { endpoint: options.endpoint } : {}),
        ...(options.credentials ? { credentials: options.credentials } : {}),
        maxAttempts: options.maxAttempts ?? 3,
        // Without throwOnRequestTimeout the SDK only logs a warning and keeps waiting on a hung server.
        requestHandler: { connectionTimeout: timeout, requestTimeout: timeout, throwOnRequestTimeout: true },
      });
  }

  async list(): Promise<SecretSummary[]> {
    const summaries: SecretSummary[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.send("list keystore entries", () =>
        this.client.send(
          new ListSecretsCommand({
            MaxResults: PAGE_SIZE,
            ...(nextToken ? { NextToken: nextToken } : {}),
            ...(this.prefix ? { Filters: [{ Key: "name", Values: [this.prefix] }] } : {}),
          }),
        ),
      );
      for (const entry of page.SecretList ?? []) {
        const summary = this.summaryOf(entry);
        if (summary) summaries.push(summary);
      }
      nextToken = page.NextToken;
    } while (nextToken);
    return summaries.sort((a, b) => a.id.localeCompare(b.id));
  }

  async get(id: string): Promise<Secret> {
    const validId = validateId(id);
    const name = this.nameOf(validId);
    let value: string | undefined;
    try {
      value = (await this.client.send(new GetSecretValueCommand({ SecretId: name }))).SecretString;
    } catch (err) {
      // InvalidRequestException here means the secret is scheduled for deletion.
      if (["ResourceNotFoundException", "InvalidRequestException"].includes(awsErrorName(err))) throw this.notFound(validId);
      throw mapAwsError(err, `get keystore entry ${validId} (secret ${name})`, this.where);
    }
    return this.parseValue(validId, value);
  }

  async put(input: PutSecretInput): Promise<SecretSummary> {
    const { secret, label, overwrite } = validatePut(input);
    const name = this.nameOf(secret.id);
    const meta = publicMetadata(secret, label);
    const tags = metadataTags(meta);
    const value = JSON.stringify({ version: VALUE_VERSION, kind: secret.kind, payload: secret.payload });
    const what = `put keystore entry ${secret.id} (secret ${name})`;
    try {
      await this.client.send(
        new CreateSecretCommand({
          Name: name,
          SecretString: value,
          Tags: tags,
          Description: `mmesh keystore entry (${secret.kind})`,
          ...(this.kmsKeyId ? { KmsKeyId: this.kmsKeyId } : {}),
        }),
      );
      const now = new Date();
      return summaryFrom(secret.id, meta, now, now);
    } catch (err) {
      const errName = awsErrorName(err);
      const exists = errName === "ResourceExistsException";
      // A deleted entry still in its recovery window keeps its name: it is gone from the
      // keystore's point of view, so a create restores it and writes over it.
      const restored = !exists && errName === "InvalidRequestException" && (await this.restoreIfDeleted(name, what));
      if (!exists && !restored) throw mapAwsError(err, what, this.where);
      if (exists && !overwrite) throw new KeystoreError("EXISTS", `Keystore entry ${secret.id} already exists; pass overwrite to replace it`);
    }
    return this.send(what, async () => {
      await this.client.send(new PutSecretValueCommand({ SecretId: name, SecretString: value }));
      await this.client.send(new TagResourceCommand({ SecretId: name, Tags: tags }));
      const stale = MANAGED_TAG_KEYS.filter((key) => !tags.some((t) => t.Key === key));
      if (stale.length > 0) await this.client.send(new UntagResourceCommand({ SecretId: name, TagKeys: stale }));
      const described = await this.client.send(new DescribeSecretCommand({ SecretId: name }));
      return summaryFrom(secret.id, meta, described.CreatedDate, described.LastChangedDate ?? new Date());
    });
  }

  async delete(id: string): Promise<void> {
    const validId = validateId(id);
    const name = this.nameOf(validId);
    try {
      await this.client.send(
        new DeleteSecretCommand(
          this.forceDelete
            ? { SecretId: name, ForceDeleteWithoutRecovery: true }
            : { SecretId: name, RecoveryWindowInDays: this.recoveryWindowInDays },
        ),
      );
    } catch (err) {
      if (["ResourceNotFoundException", "InvalidRequestException"].includes(awsErrorName(err))) throw this.notFound(validId);
      throw mapAwsError(err, `delete keystore entry ${validId} (secret ${name})`, this.where);
    }
  }

  async changeMasterKey(): Promise<void> {
    throw new KeystoreError(
      "UNSUPPORTED",
      "The AWS keystore has no master key: Secrets Manager encrypts entries with KMS, so rotate the KMS key (or set kmsKeyId) in AWS instead",
    );
  }

  async close(): Promise<void> {
    this.client.destroy();
  }

  private nameOf(id: string): string {
    return `${this.prefix}${id}`;
  }

  private notFound(id: string): KeystoreError {
    return new KeystoreError("NOT_FOUND", `No keystore entry with id ${id}`);
  }

  private summaryOf(entry: SecretListEntry): SecretSummary | null {
    const name = entry.Name ?? "";
    if (!name.startsWith(this.prefix) || entry.DeletedDate) return null;
    const id = name.slice(this.prefix.length);
    const meta = metadataFromTags(entry.Tags);
    try {
      validateId(id);
    } catch {
      return null;
    }
    return meta ? summaryFrom(id, meta, entry.CreatedDate, entry.LastChangedDate) : null;
  }

  private parseValue(id: string, value: string | undefined): Secret {
    const corrupt = (why: string) =>
      new KeystoreError("CORRUPT", `Secret ${this.nameOf(id)} in AWS Secrets Manager is not an mmesh keystore entry: ${why}`);
    if (value === undefined) throw corrupt("it has no SecretString");
    let parsed: { version?: unknown; kind?: unknown; payload?: unknown };
    try {
      parsed = JSON.parse(value);
    } catch {
      throw corrupt("its value is not JSON");
    }
    if (typeof parsed !== "object" || parsed === null || parsed.version !== VALUE_VERSION) throw corrupt("unknown value version");
    try {
      return validateSecret(id, parsed.kind, parsed.payload);
    } catch (err) {
      throw corrupt(`invalid ${err instanceof KeystoreError && err.field ? err.field : "payload"}`);
    }
  }

  /** True when `name` was scheduled for deletion and has now been restored. */
  private async restoreIfDeleted(name: string, what: string): Promise<boolean> {
    return this.send(what, async () => {
      const described = await this.client.send(new DescribeSecretCommand({ SecretId: name }));
      if (!described.DeletedDate) return false;
      await this.client.send(new RestoreSecretCommand({ SecretId: name }));
      return true;
    });
  }

  private async send<T>(what: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      throw mapAwsError(err, what, this.where);
    }
  }
}
