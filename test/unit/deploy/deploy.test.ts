/**
 * Deploy files, validated offline (no Docker engine, no cluster, no AWS account):
 * - docker-compose.yml against the Compose specification schema (dclint's copy), its
 *   depends_on graph, health checks, and every mmesh node's environment against what
 *   lib/runtime/env.ts reads (and through readEnv itself);
 * - Prometheus scrape config and the Grafana dashboard against the nodes and metric names;
 * - the Dockerfile's stages, user, CMD and health check;
 * - k8s/ manifests through kubernetes-models' validators (ESM-only, so in a child node
 *   process) plus explicit structure checks the validators do not make;
 * - the AWS CDK app, synthesized offline and tested with aws-cdk-lib/assertions.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import Ajv from "ajv";
import addFormats from "ajv-formats";
import YAML from "yaml";
import { App } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import { EnvError, KNOWN_SERVICES, readEnv } from "../../../lib/runtime/env";
import { requireClusterSettings } from "../../../lib/runtime/cluster-settings";
import { KEYSTORE_PREFIX, MmeshStack, NODE_GROUPS, parseDrawdownAlarmQuote } from "../../../deploy/aws/mmesh-stack";
import { BUSINESS_METRICS, DB_METRICS } from "../../../lib/monitoring/business-metrics";
import { exposedName } from "../../../lib/alerting/selector";

const ROOT = path.resolve(__dirname, "../../..");
const read = (file: string) => fs.readFileSync(path.join(ROOT, file), "utf8");

type Obj = Record<string, any>;

/** Every variable name lib/runtime/env.ts reads. */
function envNamesReadByCode(): Set<string> {
  const source = read("lib/runtime/env.ts");
  const names = new Set<string>();
  const patterns = [/\btext\(env, "([A-Z0-9_]+)"/g, /\bport\(env, "([A-Z0-9_]+)"/g, /\bpositiveInt\(env, "([A-Z0-9_]+)"/g, /\bonOff\(env, "([A-Z0-9_]+)"/g, /\bEnvError\("([A-Z0-9_]+)"/g];
  for (const re of patterns) for (const m of source.matchAll(re)) names.add(m[1]);
  return names;
}
const READ = envNamesReadByCode();
const KNOWN = new Set<string>(KNOWN_SERVICES);
/** Values that must come from outside the file (env file, Secret, Secrets Manager). */
const SECRET_VARS = ["MASTER_KEY", "JWT_SECRET", "ADMIN_PASSWORD", "TELEGRAM_BOT_TOKEN", "SMTP_URL", "METRICS_TOKEN"];
/** Group name -> services, as docker-compose.yml, k8s/ and the CDK app must all draw them. */
const GROUPS: Record<string, string[]> = Object.fromEntries(Object.entries(NODE_GROUPS).map(([g, s]) => [g, [...s]]));

const SAMPLES: Record<string, string> = {
  POSTGRES_PASSWORD: "pg-secret",
  RABBITMQ_PASSWORD: "mq-secret",
  GRAFANA_ADMIN_PASSWORD: "grafana-secret",
  JWT_SECRET: "j".repeat(40),
  MASTER_KEY: "m".repeat(16),
  METRICS_TOKEN: "t".repeat(32),
};
/** Resolves Compose ${VAR}, ${VAR:-default}, ${VAR:?error} with sample secrets. */
function interpolate(value: string): string {
  return value.replace(/\$\{([A-Z0-9_]+)(?:(:?[-?])([^}]*))?\}/g, (_m, name: string, op?: string, arg?: string) => {
    if (name in SAMPLES) return SAMPLES[name];
    if (op?.endsWith("-")) return arg ?? "";
    if (op?.endsWith("?")) throw new Error(`no sample for required ${name}`);
    return "";
  });
}
const isInterpolation = (v: unknown) => typeof v === "string" && /^\$\{[A-Z0-9_]+(:?[-?][^}]*)?\}$/.test(v);

describe("docker-compose.yml", () => {
  const compose: Obj = YAML.parse(read("docker-compose.yml"), { merge: true });
  const services: Obj = compose.services;
  const nodes = Object.entries(services).filter(([, s]) => s.environment?.SERVICES !== undefined);
  const INFRA = ["nats", "rabbitmq", "redis", "postgres"];

  it("is valid against the Compose specification schema", () => {
    // Ajv's default dialect is draft-07; the schema names it by an https URL Ajv does not know.
    const { $schema, ...schema } = JSON.parse(read("node_modules/dclint/schemas/compose.schema.json"));
    expect($schema).toMatch(/draft-07/);
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(ajv);
    const validate = ajv.compile(schema);
    const ok = validate(compose);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  it("runs the infrastructure, observability and the four node groups", () => {
    for (const name of [...INFRA, "prometheus", "grafana"]) expect(services[name]).toBeDefined();
    expect(nodes.map(([n]) => n).sort()).toEqual(Object.keys(GROUPS).sort());
  });

  it("has every depends_on target defined, and waits for healthy infrastructure", () => {
    for (const [name, s] of Object.entries(services)) {
      const deps = Array.isArray(s.depends_on) ? Object.fromEntries(s.depends_on.map((d: string) => [d, {}])) : (s.depends_on ?? {});
      for (const [target, spec] of Object.entries<Obj>(deps)) {
        expect({ name, target, defined: target in services }).toEqual({ name, target, defined: true });
        expect(target).not.toBe(name);
        if (spec.condition === "service_healthy") expect(services[target].healthcheck).toBeDefined();
      }
    }
    for (const [name, s] of nodes) {
      for (const infra of INFRA) expect({ name, infra, condition: s.depends_on?.[infra]?.condition }).toEqual({ name, infra, condition: "service_healthy" });
    }
  });

  it("gives every service a restart policy and a health check", () => {
    for (const [name, s] of Object.entries(services)) {
      expect({ name, restart: s.restart }).toEqual({ name, restart: "unless-stopped" });
      expect({ name, test: Array.isArray(s.healthcheck?.test) }).toEqual({ name, test: true });
    }
    const gateway = services.gateway.healthcheck.test.join(" ");
    expect(gateway).toMatch(/^CMD node -e fetch\('http:\/\/127\.0\.0\.1:3000\/api\/v1\/ready'\)/);
    for (const [name, s] of nodes.filter(([n]) => n !== "gateway")) {
      // /health of the metrics port: /metrics itself needs the token.
      expect({ name, test: s.healthcheck.test.join(" ") }).toEqual({ name, test: expect.stringContaining("fetch('http://127.0.0.1:3030/health')") });
    }
  });

  it("publishes ports on the host's loopback only, unless the operator sets MMESH_PUBLISH_HOST", () => {
    const published = Object.entries(services).flatMap(([name, s]) => (s.ports ?? []).map((p: unknown) => ({ name, port: String(p) })));
    expect(published.map((p) => p.name)).toEqual(expect.arrayContaining(["gateway", "prometheus", "grafana"]));
    for (const { name, port } of published) {
      expect({ name, port, loopback: /^(127\.0\.0\.1|\$\{MMESH_PUBLISH_HOST:-127\.0\.0\.1\}):\d+:\d+$/.test(port) }).toEqual({ name, port, loopback: true });
    }
    expect(services.gateway.ports).toEqual(["${MMESH_PUBLISH_HOST:-127.0.0.1}:3000:3000"]);
    // No node publishes its metrics port.
    for (const [name, s] of nodes) expect({ name, metrics: (s.ports ?? []).some((p: unknown) => String(p).endsWith(":3030")) }).toEqual({ name, metrics: false });
  });

  it("puts every node's /metrics behind METRICS_TOKEN, which Prometheus gets as a secret", () => {
    for (const [name, s] of nodes) {
      expect({ name, host: s.environment.METRICS_HOST, token: s.environment.METRICS_TOKEN }).toEqual({ name, host: "0.0.0.0", token: expect.stringMatching(/^\$\{METRICS_TOKEN:\?[^}]+\}$/) });
    }
    expect(compose.secrets.metrics_token).toEqual({ environment: "METRICS_TOKEN" });
    expect(services.prometheus.secrets).toEqual(["metrics_token"]);
  });

  it("runs one image with SERVICES choosing each node's services, covering every known service once", () => {
    const images = new Set(nodes.map(([, s]) => s.image));
    expect([...images]).toEqual(["mmesh:latest"]);
    expect(nodes.filter(([, s]) => s.build).map(([n]) => n)).toEqual(["gateway"]);
    const seen: string[] = [];
    for (const [name, s] of nodes) {
      const list = String(s.environment.SERVICES).split(",");
      for (const svc of list) expect({ name, svc, known: KNOWN.has(svc) }).toEqual({ name, svc, known: true });
      expect(list).toEqual(GROUPS[name]);
      seen.push(...list);
    }
    expect([...seen].sort()).toEqual([...KNOWN_SERVICES].sort());
  });

  it("sets only variables the code reads, and the ones a distributed node needs", () => {
    for (const [name, s] of nodes) {
      const env: Obj = s.environment;
      for (const key of Object.keys(env)) expect({ name, key, read: READ.has(key) }).toEqual({ name, key, read: true });
      for (const key of ["SERVICES", "NAMESPACE", "TRANSPORTER", "CACHER", "DATABASE_URL", "AMQP_URL", "METRICS_PORT"]) {
        expect({ name, key, present: key in env }).toEqual({ name, key, present: true });
      }
      // A pinned node id would make two replicas of a group stop each other (test/integration/node-ids.test.ts).
      expect({ name, NODE_ID: env.NODE_ID }).toEqual({ name, NODE_ID: undefined });
      expect(env.TRANSPORTER).toBe("nats://nats:4222");
      expect(env.CACHER).toBe("redis://redis:6379");
      expect(env.METRICS_PORT).toBe("3030");
      expect(env.DATABASE_URL).toMatch(/^postgres:\/\/mmesh:\$\{POSTGRES_PASSWORD[^}]*\}@postgres:5432\/mmesh$/);
      expect(env.AMQP_URL).toMatch(/^amqp:\/\/mmesh:\$\{RABBITMQ_PASSWORD[^}]*\}@rabbitmq:5672$/);
    }
    const gw = services.gateway.environment;
    expect(gw.API_HOST).toBe("0.0.0.0");
    for (const key of ["JWT_SECRET", "MASTER_KEY", "ADMIN_PASSWORD"]) expect(key in gw).toBe(true);
    for (const key of ["TELEGRAM_BOT_TOKEN", "SMTP_URL"]) expect(key in services.ops.environment).toBe(true);
  });

  it("takes every secret from the env file, never a literal", () => {
    const envExample = read("deploy/compose.env.example");
    for (const [name, s] of Object.entries(services)) {
      for (const [key, value] of Object.entries<unknown>(s.environment ?? {})) {
        if (SECRET_VARS.includes(key) || /PASS(WORD)?$/.test(key)) {
          expect({ name, key, fromEnvFile: isInterpolation(value) }).toEqual({ name, key, fromEnvFile: true });
        }
        for (const m of String(value).matchAll(/\$\{([A-Z0-9_]+)/g)) {
          expect({ name, variable: m[1], documented: new RegExp(`^${m[1]}=`, "m").test(envExample) }).toEqual({ name, variable: m[1], documented: true });
        }
      }
    }
    expect(fs.readFileSync(path.join(ROOT, ".gitignore"), "utf8")).toMatch(/^\.env$/m);
    expect(read(".dockerignore")).toMatch(/^\.env$/m);
  });

  it("gives each node an environment readEnv accepts, running exactly its group", () => {
    for (const [name, s] of nodes) {
      const env = Object.fromEntries(Object.entries<unknown>(s.environment).map(([k, v]) => [k, interpolate(String(v))]));
      const parsed = readEnv(env);
      expect(parsed.services).toEqual(GROUPS[name]);
      expect(parsed.transporter).toBe("nats://nats:4222");
      expect(parsed.cacher).toEqual({ type: "Redis", url: "redis://redis:6379" });
      expect(parsed.database.dialect).toBe("postgres");
      expect(parsed.amqpUrl).toMatch(/^amqp:\/\//);
      expect(parsed.metricsPort).toBe(3030);
      expect(parsed.metricsToken).toBe(SAMPLES.METRICS_TOKEN);
      if (name === "gateway") expect(parsed.apiHost).toBe("0.0.0.0");
      // Every shared setting its services need is there: the node does not refuse to start.
      expect(() => requireClusterSettings(parsed, env)).not.toThrow();
    }
  });

  it("runs one chain that trading and feeds share (RPC_URL and the deployment description)", () => {
    const chain = services.chain;
    expect(chain.image).toBe("mmesh:latest");
    expect(chain.command).toEqual(["node", "dist/bin/chain.js"]);
    expect(chain.environment.CHAIN_HOST).toBe("0.0.0.0");
    expect(chain.volumes).toEqual(["chain-data:/var/lib/mmesh/chain"]);
    for (const name of ["trading", "feeds"]) {
      const s = services[name];
      expect(interpolate(s.environment.RPC_URL)).toBe(`http://chain:${chain.environment.CHAIN_PORT}`);
      expect(s.volumes).toContain("chain-data:/var/lib/mmesh/chain:ro");
      expect(s.depends_on.chain.condition).toBe("service_healthy");
    }
    expect(compose.volumes).toHaveProperty("chain-data");
  });
});

describe("Prometheus and Grafana", () => {
  const compose: Obj = YAML.parse(read("docker-compose.yml"), { merge: true });
  const nodes = Object.entries<Obj>(compose.services).filter(([, s]) => s.environment?.SERVICES !== undefined);
  const prom: Obj = YAML.parse(read("deploy/prometheus/prometheus.yml"));

  it("scrapes every mmesh node's metrics port", () => {
    const targets = new Set<string>();
    for (const job of prom.scrape_configs as Obj[]) {
      expect(job.metrics_path ?? "/metrics").toBe("/metrics");
      for (const sd of job.dns_sd_configs ?? []) for (const n of sd.names) targets.add(`${n}:${sd.port}`);
      for (const sc of job.static_configs ?? []) for (const t of sc.targets) targets.add(t);
    }
    for (const [name, s] of nodes) expect(targets.has(`${name}:${s.environment.METRICS_PORT}`)).toBe(true);
  });

  it("sends the metrics token (the compose secret's file) on every mmesh scrape", () => {
    const mmeshJobs = (prom.scrape_configs as Obj[]).filter((j) => j.job_name.startsWith("mmesh-"));
    expect(mmeshJobs.length).toBe(nodes.length);
    for (const job of mmeshJobs) expect({ job: job.job_name, authorization: job.authorization }).toEqual({ job: job.job_name, authorization: { type: "Bearer", credentials_file: "/run/secrets/metrics_token" } });
  });

  it("mounts the config and provisioning where the containers read them", () => {
    expect(compose.services.prometheus.volumes).toContain("./deploy/prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro");
    const provider = YAML.parse(read("deploy/grafana/provisioning/dashboards/mmesh.yml")).providers[0];
    expect(compose.services.grafana.volumes).toContain(`./deploy/grafana/dashboards:${provider.options.path}:ro`);
    expect(compose.services.grafana.volumes).toContain("./deploy/grafana/provisioning:/etc/grafana/provisioning:ro");
    const datasource = YAML.parse(read("deploy/grafana/provisioning/datasources/prometheus.yml")).datasources[0];
    expect(datasource.url).toBe("http://prometheus:9090");
  });

  const dashboard = JSON.parse(read("deploy/grafana/dashboards/mmesh.json"));
  const businessDoc: { description: string; metrics: Record<string, { type: string; labels: string[] }> } = JSON.parse(read("deploy/grafana/business-metrics.json"));
  const business = new Set(Object.keys(businessDoc.metrics));
  /** What the code registers, as /metrics shows it: Prometheus name → definition. */
  const registered = new Map([...BUSINESS_METRICS, ...DB_METRICS].map((d) => [exposedName(d.name), d]));
  const targets = (): Obj[] => dashboard.panels.filter((p: Obj) => p.type !== "row").flatMap((p: Obj) => p.targets);
  const metricNames = (expr: string) => [...expr.matchAll(/\b((?:moleculer|mmesh|process|os)_[a-z0-9_]+)/g)].map((m) => m[1]);
  const baseName = (name: string) => name.replace(/_(bucket|sum|count)$/, "");

  it("has a dashboard over PnL, inventory, latency, feeds and alerts using metric names that exist", () => {
    const rows = dashboard.panels.filter((p: Obj) => p.type === "row").map((p: Obj) => p.title);
    expect(rows).toEqual(["PnL", "Inventory", "Latency", "Feeds", "Alerts"]);
    const datasource = YAML.parse(read("deploy/grafana/provisioning/datasources/prometheus.yml")).datasources[0];
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const METRIC: Record<string, unknown> = require("moleculer").METRIC;
    const moleculerNames = new Set(Object.values(METRIC).filter((v): v is string => typeof v === "string" && v.includes(".")).map((v) => v.replace(/[.-]/g, "_")));
    expect([...business].every((n) => n.startsWith("mmesh_"))).toBe(true);
    // The business metrics the alerting service documents are among them.
    for (const m of read("lib/alerting/selector.ts").matchAll(/\b(mmesh_[a-z_]+)/g)) expect(business.has(m[1])).toBe(true);
    const used = new Set<string>();
    for (const panel of dashboard.panels.filter((p: Obj) => p.type !== "row")) {
      expect(panel.datasource.uid).toBe(datasource.uid);
      expect(panel.targets.length).toBeGreaterThan(0);
      for (const t of panel.targets) for (const name of metricNames(String(t.expr))) used.add(name);
    }
    expect(moleculerNames.has("moleculer_request_total")).toBe(true);
    for (const name of used) {
      const base = baseName(name);
      expect({ name, exists: moleculerNames.has(name) || moleculerNames.has(base) || business.has(base) }).toEqual({ name, exists: true });
    }
    // business-metrics.json lists exactly the mmesh metrics the dashboard uses.
    expect([...business].sort()).toEqual([...new Set([...used].filter((n) => n.startsWith("mmesh_")).map(baseName))].sort());
    expect(businessDoc.description).not.toMatch(/not written yet|stay empty/i);
  });

  it("lists in business-metrics.json only metrics the code registers, with their type and labels", () => {
    for (const [name, doc] of Object.entries(businessDoc.metrics)) {
      const def = registered.get(name);
      expect({ name, registered: def !== undefined }).toEqual({ name, registered: true });
      expect({ name, type: def!.type, labels: [...def!.labelNames].sort() }).toEqual({ name, type: doc.type, labels: [...doc.labels].sort() });
    }
  });

  it("groups, filters and names dashboard series only by labels their metrics carry", () => {
    // The Prometheus reporter adds these to every series (moleculer.config.ts defaultLabels); histograms have `le`.
    const always = ["namespace", "nodeID", "le"];
    for (const t of targets()) {
      const expr = String(t.expr);
      const names = metricNames(expr).map(baseName).filter((n) => n.startsWith("mmesh_"));
      if (names.length === 0) continue;
      const carried = new Set([...always, ...names.flatMap((n) => businessDoc.metrics[n]?.labels ?? [])]);
      const grouped = [...expr.matchAll(/\bby \(([^)]*)\)/g)].flatMap((m) => m[1].split(",").map((l) => l.trim()));
      const matched = [...expr.matchAll(/mmesh_[a-z0-9_]+\{([^}]*)\}/g)].flatMap((m) => [...m[1].matchAll(/([a-zA-Z_]+)\s*[=!~]/g)].map((x) => x[1]));
      for (const label of [...grouped, ...matched]) expect({ expr, label, carried: carried.has(label) }).toEqual({ expr, label, carried: true });
      // A legend names labels the query's result keeps: the grouping labels when it aggregates.
      const outer = /^\s*(?:sum|max|min|avg)\s+by\s+\(([^)]*)\)/.exec(expr) ?? /^\s*histogram_quantile\([^,]+,\s*sum\s+by\s+\(([^)]*)\)/.exec(expr);
      const kept = outer ? new Set(outer[1].split(",").map((l) => l.trim())) : /^\s*(?:sum|max|min|avg)\(/.test(expr) ? new Set<string>() : carried;
      for (const m of String(t.legendFormat ?? "").matchAll(/\{\{\s*([a-zA-Z_]+)\s*\}\}/g)) expect({ expr, legend: m[1], kept: kept.has(m[1]) }).toEqual({ expr, legend: m[1], kept: true });
    }
  });
});

describe("Grafana dashboard with monitoring replicas", () => {
  it("adds up business metrics only after taking one value per series, so two ops replicas do not double them", () => {
    // Every monitoring replica exports the same mmesh_* series (label nodeID apart): a sum straight
    // over them counts each bot once per replica. Quantiles are unaffected (every bucket doubles).
    const dashboard = JSON.parse(read("deploy/grafana/dashboards/mmesh.json"));
    const exprs: string[] = dashboard.panels.flatMap((p: Obj) => (p.targets ?? []).map((t: Obj) => String(t.expr)));
    const doubled = exprs.filter((e) => !/^\s*histogram_quantile\(/.test(e) && /\bsum(?:\s+by\s*\([^)]*\))?\s*\(\s*(?:(?:rate|increase)\(\s*)?mmesh_[a-z0-9_]+/.test(e));
    expect(doubled).toEqual([]);
    expect(exprs.some((e) => /sum\(max by \(bot, exchange, symbol\) \(mmesh_pnl/.test(e))).toBe(true);
  });
});

describe("Dockerfile", () => {
  const dockerfile = read("Dockerfile");
  const lines = dockerfile.split("\n").map((l) => l.trim());

  it("has pg_dump of the major version compose's PostgreSQL runs, for db-maintenance backups", () => {
    const compose: Obj = YAML.parse(read("docker-compose.yml"), { merge: true });
    const major = /^postgres:(\d+)/.exec(compose.services.postgres.image)![1];
    const runtime = dockerfile.slice(dockerfile.indexOf("AS runtime"));
    expect(runtime).toMatch(new RegExp(`apt-get install [^\\n]*postgresql-client-${major}\\b`));
    expect(runtime).toMatch(/apt\.postgresql\.org\.sh -y/);
  });

  it("builds on node:22-slim in two stages and prunes dev dependencies", () => {
    expect(lines.filter((l) => l.startsWith("FROM "))).toEqual(["FROM node:22-slim AS build", "FROM node:22-slim AS runtime"]);
    expect(dockerfile).toMatch(/RUN npm ci\b/);
    expect(dockerfile).toMatch(/npm run build/);
    expect(dockerfile).toMatch(/npm prune --omit=dev/);
    expect(dockerfile).toMatch(/COPY --from=build .*\/app\/node_modules/);
    expect(dockerfile).toMatch(/COPY --from=build .*\/app\/dist/);
  });

  it("runs as a non-root user with the mmesh entry point and a health check", () => {
    const runtime = dockerfile.slice(dockerfile.indexOf("AS runtime"));
    const user = /^USER (\S+)/m.exec(runtime);
    expect(user).not.toBeNull();
    expect(["root", "0"]).not.toContain(user![1]);
    expect(lines[lines.length - 2] === "" ? lines[lines.length - 3] : lines.filter((l) => l.startsWith("CMD")).pop()).toBe('CMD ["node", "dist/bin/mmesh.js"]');
    expect(runtime).toMatch(/HEALTHCHECK [^\n]*\\\n\s*CMD \["node", "-e", "fetch\(/);
    expect(fs.existsSync(path.join(ROOT, "bin/mmesh.ts"))).toBe(true);
  });

  it("copies everything tsconfig compiles, and .dockerignore keeps it in the context", () => {
    const include: string[] = JSON.parse(read("tsconfig.json")).include;
    const copied = [...dockerfile.matchAll(/^COPY (?!--)(.+) \.\/?\S*$/gm)].flatMap((m) => m[1].split(/\s+/));
    for (const pattern of include) {
      const top = pattern.split("/")[0];
      expect({ pattern, copied: copied.includes(top) }).toEqual({ pattern, copied: true });
    }
    // The deploy test compiles the CDK app, so the build stage needs deploy/aws too.
    expect(copied).toContain("deploy/aws");
    // npm run build also builds the operator console (dist/console, served at /).
    expect(JSON.parse(read("package.json")).scripts.build).toContain("build:console");
    expect(copied).toContain("console");
    const ignore = read(".dockerignore").split("\n").map((l) => l.trim());
    expect(ignore).toContain("node_modules");
    expect(ignore).toContain("!deploy/aws");
    for (const pattern of include) expect(ignore).not.toContain(pattern.split("/")[0]);
    expect(ignore).not.toContain("console");
  });
});

describe("k8s manifests", () => {
  const docs: Obj[] = fs.readdirSync(path.join(ROOT, "k8s")).filter((f) => f.endsWith(".yaml")).sort()
    .flatMap((f) => YAML.parseAllDocuments(read(`k8s/${f}`)).map((d) => d.toJS() as Obj)).filter(Boolean);
  const ofKind = (kind: string) => docs.filter((d) => d.kind === kind);
  const isChain = (d: Obj) => d.metadata.labels["app.kubernetes.io/component"] === "chain";
  /** The mmesh node groups (the chain is its own Deployment). */
  const deployments = ofKind("Deployment").filter((d) => !isChain(d));
  const chainDeployment = ofKind("Deployment").find(isChain);
  const configMap = ofKind("ConfigMap")[0];
  const secret = ofKind("Secret")[0];

  it("are valid against the Kubernetes schemas (kubernetes-models)", () => {
    const script = `
      import * as apps from "kubernetes-models/apps/v1";
      import * as core from "kubernetes-models/v1";
      import * as autoscaling from "kubernetes-models/autoscaling/v2";
      const models = { "apps/v1": apps, "v1": core, "autoscaling/v2": autoscaling };
      let input = ""; for await (const chunk of process.stdin) input += chunk;
      const out = JSON.parse(input).map((d) => {
        const Model = models[d.apiVersion]?.[d.kind];
        if (!Model) return d.apiVersion + " " + d.kind + ": no model";
        try { new Model(d).validate(); return null; } catch (e) { return d.kind + "/" + d.metadata?.name + ": " + e.message; }
      });
      process.stdout.write(JSON.stringify(out));`;
    const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], { cwd: ROOT, input: JSON.stringify(docs), encoding: "utf8" });
    expect(JSON.parse(out).filter(Boolean)).toEqual([]);
    expect(docs.map((d) => d.kind).sort()).toEqual(expect.arrayContaining(["ConfigMap", "Deployment", "HorizontalPodAutoscaler", "Namespace", "Secret", "Service"]));
  });

  it("have one Deployment per node group, SERVICES covering every known service", () => {
    const seen: string[] = [];
    for (const d of deployments) {
      const group = d.metadata.name.replace(/^mmesh-/, "");
      const container = d.spec.template.spec.containers[0];
      const services = String(container.env.find((e: Obj) => e.name === "SERVICES").value).split(",");
      for (const svc of services) expect(KNOWN.has(svc)).toBe(true);
      expect(services).toEqual(GROUPS[group]);
      seen.push(...services);
    }
    expect(seen.sort()).toEqual([...KNOWN_SERVICES].sort());
  });

  it("probe the health route (gateway) or the metrics port, and carry scrape annotations", () => {
    for (const d of deployments) {
      const pod = d.spec.template;
      const c = pod.spec.containers[0];
      const gateway = d.metadata.name === "mmesh-gateway";
      for (const probe of ["readinessProbe", "livenessProbe"]) {
        const gatewayPath = probe === "readinessProbe" ? "/api/v1/ready" : "/api/v1/health";
        expect(c[probe].httpGet).toEqual({ path: gateway ? gatewayPath : "/health", port: gateway ? "http" : "metrics" });
      }
      if (gateway) expect(c.startupProbe.httpGet.path).toBe("/api/v1/ready");
      const portOf = (n: string) => c.ports.find((p: Obj) => p.name === n)?.containerPort;
      expect(portOf("metrics")).toBe(3030);
      if (gateway) expect(portOf("http")).toBe(3000);
      expect(pod.metadata.annotations).toEqual({ "prometheus.io/scrape": "true", "prometheus.io/port": "3030", "prometheus.io/path": "/metrics" });
      expect(pod.spec.securityContext.runAsNonRoot).toBe(true);
      expect(d.spec.selector.matchLabels).toEqual(Object.fromEntries(Object.entries<string>(pod.metadata.labels).filter(([k]) => k in d.spec.selector.matchLabels)));
      const service = ofKind("Service").find((s) => s.metadata.name === d.metadata.name);
      expect(service?.spec.selector).toEqual(d.spec.selector.matchLabels);
    }
  });

  it("take secrets through secretKeyRef and keep them out of the ConfigMap", () => {
    const secretKeys = new Set(Object.keys(secret.stringData ?? secret.data ?? {}));
    expect(Object.values(secret.stringData ?? {}).every((v) => v === "")).toBe(true);
    for (const key of Object.keys(configMap.data)) {
      expect({ key, read: READ.has(key) }).toEqual({ key, read: true });
      expect([...SECRET_VARS, "DATABASE_URL", "AMQP_URL"]).not.toContain(key);
    }
    for (const value of Object.values<string>(configMap.data)) expect(value).not.toMatch(/:\/\/[^/\s]*:[^@\s]+@/);
    for (const d of deployments) {
      const c = d.spec.template.spec.containers[0];
      expect(c.envFrom).toEqual([{ configMapRef: { name: configMap.metadata.name } }]);
      for (const e of c.env) {
        expect({ name: e.name, read: READ.has(e.name) }).toEqual({ name: e.name, read: true });
        if ([...SECRET_VARS, "DATABASE_URL", "AMQP_URL", "SUBGRAPH_API_KEY"].includes(e.name)) {
          expect(e.value).toBeUndefined();
          expect(e.valueFrom.secretKeyRef.name).toBe(secret.metadata.name);
          expect(secretKeys.has(e.valueFrom.secretKeyRef.key)).toBe(true);
        }
      }
      // A node gets a working environment from the ConfigMap plus its Secret values.
      const env: Record<string, string> = { ...configMap.data, NODE_ID: "pod-1", DATABASE_URL: "postgres://mmesh:x@postgres:5432/mmesh", AMQP_URL: "amqp://mmesh:x@rabbitmq:5672", ...SAMPLES };
      for (const e of c.env) if (e.value !== undefined) env[e.name] = e.value;
      delete env.ADMIN_PASSWORD;
      expect(readEnv(env).services).toEqual(GROUPS[d.metadata.name.replace(/^mmesh-/, "")]);
    }
    expect(configMap.data.METRICS_HOST).toBe("0.0.0.0");
    for (const d of deployments) {
      const token = d.spec.template.spec.containers[0].env.find((e: Obj) => e.name === "METRICS_TOKEN");
      expect({ deployment: d.metadata.name, from: token?.valueFrom?.secretKeyRef?.key }).toEqual({ deployment: d.metadata.name, from: "METRICS_TOKEN" });
    }
    const gatewayEnv = deployments.find((d) => d.metadata.name === "mmesh-gateway")!.spec.template.spec.containers[0].env.map((e: Obj) => e.name);
    expect(gatewayEnv).toEqual(expect.arrayContaining(["JWT_SECRET", "MASTER_KEY", "API_HOST"]));
  });

  it("as shipped (empty Secret) make every group that needs a secret refuse to start naming the setting; filled, start", () => {
    const podEnv = (d: Obj, secretValue: (key: string) => string, extra: Record<string, string> = {}) => {
      const env: Record<string, string> = { ...configMap.data, NODE_ID: "pod-1", ...extra };
      for (const e of d.spec.template.spec.containers[0].env) env[e.name] = e.value ?? (e.valueFrom?.secretKeyRef ? secretValue(e.valueFrom.secretKeyRef.key) : "pod-1");
      return env;
    };
    const refusal = (env: Record<string, string>): unknown => {
      try {
        requireClusterSettings(readEnv(env), env);
        return null;
      } catch (err) {
        return err;
      }
    };
    const refusedAsShipped: string[] = [];
    for (const d of deployments) {
      const shipped = podEnv(d, (key) => secret.stringData[key]);
      const refused = refusal(shipped);
      if (refused !== null) {
        expect({ name: d.metadata.name, refused: refused instanceof EnvError }).toEqual({ name: d.metadata.name, refused: true });
        expect((refused as EnvError).message).toMatch(/^Invalid environment variable (DATABASE_URL|AMQP_URL|JWT_SECRET|MASTER_KEY): required/);
        refusedAsShipped.push(d.metadata.name);
      }
      const filled = podEnv(d, (key) => ({ DATABASE_URL: "postgres://mmesh:x@postgres:5432/mmesh", AMQP_URL: "amqp://mmesh:x@rabbitmq:5672", ...SAMPLES })[key] ?? "");
      expect(refusal(filled)).toBeNull();
      // Without the shared chain (RPC_URL emptied), its users refuse instead of each starting its own.
      const noChain = refusal({ ...filled, RPC_URL: "" });
      const usesChain = ["mmesh-trading", "mmesh-feeds"].includes(d.metadata.name);
      expect({ name: d.metadata.name, refused: noChain instanceof EnvError && /^Invalid environment variable RPC_URL: required/.test(noChain.message) }).toEqual({ name: d.metadata.name, refused: usesChain });
    }
    // feeds needs no secret (market data and the chain only); every other group does.
    expect(refusedAsShipped.sort()).toEqual(deployments.map((d) => d.metadata.name).filter((n) => n !== "mmesh-feeds").sort());
  });

  it("run one chain that trading and feeds share, as compose does (RPC_URL and the deployment description)", () => {
    const composeChain = (YAML.parse(read("docker-compose.yml"), { merge: true }) as Obj).services.chain;
    expect(chainDeployment).toBeDefined();
    const d = chainDeployment!;
    expect(d.spec.replicas).toBe(1);
    expect(d.spec.strategy.type).toBe("Recreate");
    const c = d.spec.template.spec.containers[0];
    expect(c.image).toBe(composeChain.image);
    expect(c.command).toEqual(composeChain.command);
    const env = Object.fromEntries(c.env.map((e: Obj) => [e.name, e.value]));
    expect(env.CHAIN_HOST).toBe("0.0.0.0");
    expect(env.CHAIN_PORT).toBe(composeChain.environment.CHAIN_PORT);
    const rpcPort = c.ports.find((p: Obj) => p.name === "rpc").containerPort;
    expect(String(rpcPort)).toBe(env.CHAIN_PORT);
    // Ready once the description is served (after Uniswap is deployed and seeded).
    expect(c.readinessProbe.httpGet).toEqual({ path: "/deployment.json", port: "rpc" });
    expect(c.securityContext.readOnlyRootFilesystem).toBe(true);
    expect(c.volumeMounts.map((m: Obj) => m.mountPath)).toContain(env.DATA_DIR);
    // Its Service is what the ConfigMap points every chain user at.
    const service = ofKind("Service").find((s) => s.spec.selector?.["app.kubernetes.io/component"] === "chain")!;
    expect(service.spec.selector).toEqual(d.spec.selector.matchLabels);
    const port = service.spec.ports.find((p: Obj) => p.targetPort === "rpc").port;
    expect(configMap.data.RPC_URL).toBe(`http://${service.metadata.name}:${port}`);
    expect(configMap.data.CHAIN_DEPLOYMENT_URL).toBe(`${configMap.data.RPC_URL}/deployment.json`);
    // Every pod whose services need a chain reads both from the ConfigMap (none starts its own chain).
    const chainUsers = ["arbitrage", "dex", "dex-price-feed", "liquidity", "wallet"];
    const users = deployments.filter((x) => String(x.spec.template.spec.containers[0].env.find((e: Obj) => e.name === "SERVICES").value).split(",").some((svc) => chainUsers.includes(svc)));
    expect(users.map((x) => x.metadata.name).sort()).toEqual(["mmesh-feeds", "mmesh-trading"]);
    for (const u of users) {
      const podEnv: Record<string, string> = { ...configMap.data, NODE_ID: "pod-1" };
      for (const e of u.spec.template.spec.containers[0].env) if (e.value !== undefined) podEnv[e.name] = e.value;
      const parsed = readEnv(podEnv);
      expect({ name: u.metadata.name, rpcUrl: parsed.rpcUrl, deployment: parsed.chainDeploymentUrl }).toEqual({ name: u.metadata.name, rpcUrl: configMap.data.RPC_URL, deployment: configMap.data.CHAIN_DEPLOYMENT_URL });
    }
    // Nothing autoscales the chain.
    expect(ofKind("HorizontalPodAutoscaler").map((h) => h.spec.scaleTargetRef.name)).not.toContain(d.metadata.name);
  });

  it("autoscale only stateless groups, targeting existing Deployments", () => {
    const hpas = ofKind("HorizontalPodAutoscaler");
    expect(hpas.length).toBeGreaterThan(0);
    for (const h of hpas) {
      const target = deployments.find((d) => d.metadata.name === h.spec.scaleTargetRef.name);
      expect(target).toBeDefined();
      expect(h.spec.scaleTargetRef.kind).toBe("Deployment");
      expect(h.metadata.namespace).toBe(target!.metadata.namespace);
      expect(h.spec.minReplicas).toBeGreaterThanOrEqual(1);
    }
    expect(hpas.map((h) => h.spec.scaleTargetRef.name)).toEqual(["mmesh-gateway"]);
  });
});

describe("README: scaling each group", () => {
  const readme = read("README.md");
  const from = readme.indexOf("#### Scaling each group");
  const section = readme.slice(from, readme.indexOf("\n## ", from));
  const rows = new Map(
    section.split("\n").filter((l) => /^\| [a-z]+ \(/.test(l) && !l.startsWith("| group (")).map((l) => {
      const cells = l.split("|").slice(1, -1).map((c) => c.trim());
      return [cells[0].split(" ")[0], { compose: cells[2], k8s: cells[3], aws: cells[4] }] as const;
    }),
  );
  const k8sDocs: Obj[] = fs.readdirSync(path.join(ROOT, "k8s")).filter((f) => f.endsWith(".yaml")).flatMap((f) => YAML.parseAllDocuments(read(`k8s/${f}`)).map((d) => d.toJS() as Obj)).filter(Boolean);

  it("has a row for every node group and the chain, saying how to scale it in compose, k8s and AWS", () => {
    expect([...rows.keys()].sort()).toEqual([...Object.keys(GROUPS), "chain"].sort());
    for (const [group, how] of rows) for (const [where, text] of Object.entries(how)) expect({ group, where, said: text.length > 0 }).toEqual({ group, where, said: true });
  });

  it("agrees with the k8s manifests: what it keeps at 1 ships with 1 replica and no HPA; the gateway autoscales", () => {
    const hpaTargets = k8sDocs.filter((d) => d.kind === "HorizontalPodAutoscaler").map((h) => h.spec.scaleTargetRef.name);
    for (const [group, how] of rows) {
      const deployment = k8sDocs.find((d) => d.kind === "Deployment" && d.metadata.name === `mmesh-${group}`)!;
      expect({ group, deployment: deployment !== undefined }).toEqual({ group, deployment: true });
      if (/^keep 1/.test(how.k8s)) {
        expect({ group, replicas: deployment.spec.replicas, hpa: hpaTargets.includes(deployment.metadata.name) }).toEqual({ group, replicas: 1, hpa: false });
      }
    }
    expect(rows.get("gateway")!.k8s).toMatch(/HPA/);
    expect(hpaTargets).toEqual(["mmesh-gateway"]);
    // ops says how to run two, with the command that does it.
    expect(rows.get("ops")!.compose).toContain("--scale ops=2");
    expect(rows.get("ops")!.k8s).toContain("scale deploy/mmesh-ops --replicas=2");
  });
});

describe("AWS CDK app", () => {
  let template: Template;
  let missingContext: unknown;
  beforeAll(() => {
    const app = new App();
    const stack = new MmeshStack(app, "MmeshTest", {
      env: { account: "123456789012", region: "eu-west-1" },
      telegramBotTokenSecretName: "mmesh-runtime/telegram-bot-token",
      smtpUrlSecretName: "mmesh-runtime/smtp-url",
      alarmEmail: "ops@example.com",
      drawdownAlarmQuote: parseDrawdownAlarmQuote("USDT=500, BTC=0.01"),
    });
    template = Template.fromStack(stack);
    missingContext = app.synth().manifest.missing;
  }, 60_000);

  const containers = (): Obj[] => Object.values(template.findResources("AWS::ECS::TaskDefinition")).flatMap((t: Obj) => t.Properties.ContainerDefinitions);
  const mmeshContainers = () => containers().filter((c) => (c.Environment ?? []).some((e: Obj) => e.Name === "SERVICES"));

  it("synthesizes offline, without lookups", () => {
    expect(missingContext).toBeUndefined();
  });

  it("runs one Fargate service per node group plus NATS", () => {
    const services = Object.values(template.findResources("AWS::ECS::Service")) as Obj[];
    expect(services.length).toBe(Object.keys(GROUPS).length + 1);
    for (const s of services) expect(s.Properties.LaunchType).toBe("FARGATE");
    expect(services.map((s) => s.Properties.ServiceName).sort()).toEqual(["mmesh-feeds", "mmesh-gateway", "mmesh-nats", "mmesh-ops", "mmesh-trading"]);
    const nats = containers().find((c) => String(c.Image).startsWith("nats:"));
    expect(nats?.PortMappings).toEqual(expect.arrayContaining([expect.objectContaining({ ContainerPort: 4222 })]));
    template.hasResourceProperties("AWS::ServiceDiscovery::Service", { Name: "nats" });
    template.resourceCountIs("AWS::ElasticLoadBalancingV2::LoadBalancer", 1);
    template.hasResourceProperties("AWS::ElasticLoadBalancingV2::TargetGroup", { HealthCheckPath: "/api/v1/ready" });
  });

  it("gives each group its SERVICES, the code's variables only, and secrets from Secrets Manager", () => {
    const helper = new Set(["DB_HOST", "DB_PORT", "DB_USERNAME", "DB_PASSWORD", "MQ_HOSTPORT", "MQ_USERNAME", "MQ_PASSWORD"]);
    const seen: string[] = [];
    for (const c of mmeshContainers()) {
      const env = Object.fromEntries((c.Environment as Obj[]).map((e) => [e.Name, e.Value]));
      const secrets = Object.fromEntries((c.Secrets ?? []).map((s: Obj) => [s.Name, s.ValueFrom]));
      const services = String(env.SERVICES).split(",");
      for (const s of services) expect(KNOWN.has(s)).toBe(true);
      seen.push(...services);
      for (const name of [...Object.keys(env), ...Object.keys(secrets)]) {
        expect({ name, read: READ.has(name) || helper.has(name) }).toEqual({ name, read: true });
      }
      for (const name of [...SECRET_VARS, "DB_PASSWORD", "MQ_PASSWORD", "DATABASE_URL", "AMQP_URL"]) expect(env[name]).toBeUndefined();
      expect(Object.keys(secrets)).toEqual(expect.arrayContaining(["DB_PASSWORD", "MQ_PASSWORD"]));
      expect(env.TRANSPORTER).toBe("nats://nats.mmesh.local:4222");
      expect(env.METRICS_PORT).toBe("3030");
      expect(c.Command.join(" ")).toMatch(/DATABASE_URL="postgres:\/\/.*AMQP_URL="amqps:\/\/.*exec node dist\/bin\/mmesh\.js/);
      expect(c.LogConfiguration.LogDriver).toBe("awslogs");
      expect(c.HealthCheck.Command.join(" ")).toMatch(services.includes("api") ? /\/api\/v1\/ready/ : /:3030\/health/);
      // Tasks of a group are replicas: a pinned node id would make them stop each other.
      expect(env.NODE_ID).toBeUndefined();
      if (services.includes("dex") || services.includes("dex-price-feed")) expect(env.RPC_URL).toEqual({ Ref: "RpcUrl" });
      if (services.includes("keys")) {
        expect(env).toMatchObject({ KEYSTORE_BACKEND: "aws", AWS_REGION: "eu-west-1", AWS_SECRETS_PREFIX: KEYSTORE_PREFIX, API_HOST: "0.0.0.0" });
        expect(Object.keys(secrets)).toEqual(expect.arrayContaining(["JWT_SECRET", "MASTER_KEY", "ADMIN_PASSWORD"]));
      }
      if (services.includes("notification")) expect(Object.keys(secrets)).toEqual(expect.arrayContaining(["TELEGRAM_BOT_TOKEN", "SMTP_URL"]));
    }
    expect(seen.sort()).toEqual([...KNOWN_SERVICES].sort());
  });

  it("has RDS PostgreSQL, ElastiCache Redis and Amazon MQ for RabbitMQ", () => {
    template.hasResourceProperties("AWS::RDS::DBInstance", { Engine: "postgres", StorageEncrypted: true, PubliclyAccessible: Match.anyValue() })
    template.hasResourceProperties("AWS::RDS::DBInstance", { PubliclyAccessible: false });
    template.hasResourceProperties("AWS::ElastiCache::ReplicationGroup", { Engine: "redis", TransitEncryptionEnabled: true });
    template.hasResourceProperties("AWS::AmazonMQ::Broker", { EngineType: "RABBITMQ", PubliclyAccessible: false });
    const broker = Object.values(template.findResources("AWS::AmazonMQ::Broker"))[0] as Obj;
    expect(JSON.stringify(broker.Properties.Users[0].Password)).toMatch(/resolve:secretsmanager/);
  });

  it("limits Secrets Manager access to the keystore prefix (least privilege)", () => {
    const statements = (Object.values(template.findResources("AWS::IAM::Policy")) as Obj[])
      .flatMap((p) => p.Properties.PolicyDocument.Statement as Obj[]);
    const sm = statements.filter((s) => [s.Action].flat().some((a: string) => a.startsWith("secretsmanager:")));
    expect(sm.length).toBeGreaterThan(0);
    for (const s of sm) {
      const actions = [s.Action].flat() as string[];
      expect(actions.some((a) => a.includes("*"))).toBe(false);
      const resources = [s.Resource].flat();
      if (resources.includes("*")) {
        // IAM has no resource-level permission for ListSecrets (names and tags only, no values).
        expect(actions).toEqual(["secretsmanager:ListSecrets"]);
      }
    }
    const keystore = sm.find((s) => s.Sid === "KeystoreSecrets");
    expect(JSON.stringify(keystore?.Resource)).toContain(`:secret:${KEYSTORE_PREFIX}*`);
    expect([keystore!.Action].flat()).toEqual(expect.arrayContaining(["secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue", "secretsmanager:CreateSecret"]));
    // Exactly one policy (the gateway task role's) carries the keystore statements.
    expect(sm.filter((s) => s.Sid === "KeystoreSecrets" || s.Sid === "KeystoreList").length).toBe(2);
    // Runtime credentials are outside the keystore prefix, so the keys role cannot read them.
    for (const s of Object.values(template.findResources("AWS::SecretsManager::Secret")) as Obj[]) {
      expect(String(s.Properties.Name)).not.toMatch(new RegExp(`^${KEYSTORE_PREFIX}`));
    }
  });

  it("keeps logs with a retention and alarms on 5xx, CPU and memory", () => {
    const groups = Object.values(template.findResources("AWS::Logs::LogGroup")) as Obj[];
    expect(groups.length).toBeGreaterThanOrEqual(Object.keys(GROUPS).length + 1);
    for (const g of groups) expect(g.Properties.RetentionInDays).toBeGreaterThan(0);
    const alarms = Object.values(template.findResources("AWS::CloudWatch::Alarm")) as Obj[];
    const names = alarms.map((a) => a.Properties.MetricName);
    expect(names).toEqual(expect.arrayContaining(["HTTPCode_Target_5XX_Count", "CPUUtilization", "MemoryUtilization", "UnHealthyHostCount", "FreeStorageSpace"]));
    for (const a of alarms) expect(a.Properties.AlarmActions?.length).toBeGreaterThan(0);
    template.hasResourceProperties("AWS::ECS::Cluster", { ClusterSettings: [{ Name: "containerInsights", Value: "enabled" }] });
  });

  it("alarms on business metrics the ops group writes as CloudWatch EMF: kill switch, drawdown, feed age, user stream", () => {
    const ops = mmeshContainers().find((c) => (c.Environment as Obj[]).some((e) => e.Name === "SERVICES" && String(e.Value).includes("monitoring")))!;
    expect((ops.Environment as Obj[]).find((e) => e.Name === "CLOUDWATCH_EMF")?.Value).toBe("on");
    expect(readEnv({ CLOUDWATCH_EMF: "on" }).cloudWatchEmf).toBe(true);
    const alarms = Object.values(template.findResources("AWS::CloudWatch::Alarm")) as Obj[];
    const business = alarms.filter((a) => a.Properties.Namespace === "mmesh").map((a) => [a.Properties.MetricName, a.Properties.Dimensions ?? []]);
    expect(business).toEqual(expect.arrayContaining([
      ["KillSwitchEngaged", []],
      ["MaxDrawdownRatio", []],
      ["MaxFeedAgeSeconds", []],
      ["UserStreamsDown", []],
      ["MaxDrawdownQuote", [{ Name: "Quote", Value: "USDT" }]],
      ["MaxDrawdownQuote", [{ Name: "Quote", Value: "BTC" }]],
    ]));
    const usdt = alarms.find((a) => a.Properties.MetricName === "MaxDrawdownQuote" && (a.Properties.Dimensions as Obj[])[0].Value === "USDT")!;
    expect(usdt.Properties).toMatchObject({ Threshold: 500, ComparisonOperator: "GreaterThanOrEqualToThreshold" });
  });

  it("reads per-currency drawdown thresholds from MMESH_DRAWDOWN_ALARM_QUOTE, naming a bad one", () => {
    expect(parseDrawdownAlarmQuote(undefined)).toEqual({});
    expect(parseDrawdownAlarmQuote("USDT=500,BTC=0.01")).toEqual({ USDT: 500, BTC: 0.01 });
    for (const bad of ["USDT", "USDT=-1", "USDT=0", "US DT=5", "USDT=1e3"]) expect(() => parseDrawdownAlarmQuote(bad)).toThrow(/MMESH_DRAWDOWN_ALARM_QUOTE.*CURRENCY=amount/);
  });
});
