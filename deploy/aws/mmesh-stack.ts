/**
 * mmesh on AWS, as the seed draws it: one ECS Fargate service per node group (the same
 * image, SERVICES chooses the group's services), NATS as an ECS service (AWS has no managed
 * NATS) reached through Cloud Map, RDS PostgreSQL, ElastiCache Redis, Amazon MQ for
 * RabbitMQ, Secrets Manager for credentials and for the keys service's keystore
 * (KEYSTORE_BACKEND=aws), CloudWatch logs, Container Insights metrics and alarms.
 *
 * Synthesizes offline (no lookups): give the stack an explicit env { account, region }.
 *   npx cdk synth --app "npx ts-node deploy/aws/app.ts"
 */
import { ArnFormat, CfnOutput, CfnParameter, Duration, Fn, RemovalPolicy, Stack, type StackProps, Token } from "aws-cdk-lib";
import * as amazonmq from "aws-cdk-lib/aws-amazonmq";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import * as cw_actions from "aws-cdk-lib/aws-cloudwatch-actions";
import * as ec2 from "aws-cdk-lib/aws-ec2";
import * as ecr from "aws-cdk-lib/aws-ecr";
import * as ecs from "aws-cdk-lib/aws-ecs";
import * as ecs_patterns from "aws-cdk-lib/aws-ecs-patterns";
import * as elasticache from "aws-cdk-lib/aws-elasticache";
import * as elbv2 from "aws-cdk-lib/aws-elasticloadbalancingv2";
import * as iam from "aws-cdk-lib/aws-iam";
import * as logs from "aws-cdk-lib/aws-logs";
import * as rds from "aws-cdk-lib/aws-rds";
import * as secretsmanager from "aws-cdk-lib/aws-secretsmanager";
import * as servicediscovery from "aws-cdk-lib/aws-servicediscovery";
import * as sns from "aws-cdk-lib/aws-sns";
import type { Construct } from "constructs";
import { EMF_NAMESPACE } from "../../lib/monitoring/cloudwatch-emf";

/**
 * Node groups and their SERVICES (names from lib/runtime/env.ts KNOWN_SERVICES).
 */
export const NODE_GROUPS = {
  gateway: ["api", "auth", "config", "keys"],
  trading: ["cex", "fee", "wallet", "liquidity", "dex", "arbitrage", "market-maker"],
  feeds: ["cex-price-feed", "subgraph", "dex-price-feed"],
  ops: ["notification", "alerting", "monitoring", "db-maintenance", "backtest"],
} as const;
export type NodeGroup = keyof typeof NODE_GROUPS;

/** The keys service's Secrets Manager prefix (AWS_SECRETS_PREFIX); the keystore lives under it. */
export const KEYSTORE_PREFIX = "mmesh/";
/** Runtime credentials live outside the keystore prefix, so the keys task role cannot read them. */
export const RUNTIME_SECRETS_PREFIX = "mmesh-runtime/";

/** Characters that would break a user:password@host URL; excluded from generated passwords. */
const URL_UNSAFE = " %+~`#$&*()|[]{}:;<>?!'/@\"\\=,^";

export interface MmeshStackProps extends StackProps {
  /** ECR repository holding the mmesh image (built from the repository's Dockerfile). */
  readonly imageRepositoryName?: string;
  readonly imageTag?: string;
  /** Names of existing Secrets Manager secrets; the channel is off when omitted. */
  readonly telegramBotTokenSecretName?: string;
  readonly smtpUrlSecretName?: string;
  /** E-mail address that receives CloudWatch alarm notifications. */
  readonly alarmEmail?: string;
  /** Desired task counts; gateway auto-scales between this and gatewayMaxCount. */
  readonly gatewayMinCount?: number;
  readonly gatewayMaxCount?: number;
  /** Business alarms: drawdown ratio (default 0.1) and feed age in seconds (default 60) that alarm. */
  readonly drawdownAlarmRatio?: number;
  /**
   * Drawdown alarms in the quote currency, for every bot (with a capital or not): a threshold per
   * quote currency, e.g. { USDT: 500, BTC: 0.01 } (app.ts reads MMESH_DRAWDOWN_ALARM_QUOTE=USDT=500,BTC=0.01).
   */
  readonly drawdownAlarmQuote?: Record<string, number>;
  readonly feedAgeAlarmSeconds?: number;
}

/** "USDT=500,BTC=0.01" → { USDT: 500, BTC: 0.01 } (MMESH_DRAWDOWN_ALARM_QUOTE); unset or empty: none. */
export function parseDrawdownAlarmQuote(text: string | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const item of (text ?? "").split(",").map((s) => s.trim()).filter(Boolean)) {
    const m = /^([A-Za-z0-9]{1,16})=(\d+(?:\.\d+)?)$/.exec(item);
    if (!m || !(Number(m[2]) > 0)) throw new Error(`MMESH_DRAWDOWN_ALARM_QUOTE: expected CURRENCY=amount above 0 (e.g. USDT=500,BTC=0.01), got "${item}"`);
    out[m[1]] = Number(m[2]);
  }
  return out;
}

export class MmeshStack extends Stack {
  readonly cluster: ecs.Cluster;
  readonly services: Record<NodeGroup, ecs.FargateService>;
  readonly alarms: cloudwatch.Alarm[] = [];

  /**
   * Two explicit zones (<region>a, <region>b) when the region is known, so synthesis does not
   * look the zones up in the account (no availability-zones context, works offline).
   */
  override get availabilityZones(): string[] {
    return Token.isUnresolved(this.region) ? super.availabilityZones : [`${this.region}a`, `${this.region}b`];
  }

  constructor(scope: Construct, id: string, props: MmeshStackProps = {}) {
    super(scope, id, props);

    // ------------------------------------------------------------------ network
    const vpc = new ec2.Vpc(this, "Vpc", {
      maxAzs: 2,
      natGateways: 1,
      subnetConfiguration: [
        { name: "public", subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
        { name: "app", subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 22 },
        { name: "data", subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
      ],
    });
    const dataSubnets = { subnetType: ec2.SubnetType.PRIVATE_ISOLATED };
    const appSg = new ec2.SecurityGroup(this, "AppSg", { vpc, description: "mmesh nodes", allowAllOutbound: true });
    const natsSg = new ec2.SecurityGroup(this, "NatsSg", { vpc, description: "NATS transporter", allowAllOutbound: true });
    const dbSg = new ec2.SecurityGroup(this, "DbSg", { vpc, description: "PostgreSQL", allowAllOutbound: false });
    const redisSg = new ec2.SecurityGroup(this, "RedisSg", { vpc, description: "Redis cacher", allowAllOutbound: false });
    const mqSg = new ec2.SecurityGroup(this, "MqSg", { vpc, description: "RabbitMQ durable bus", allowAllOutbound: false });
    natsSg.addIngressRule(appSg, ec2.Port.tcp(4222), "mmesh nodes to NATS");
    dbSg.addIngressRule(appSg, ec2.Port.tcp(5432), "mmesh nodes to PostgreSQL");
    redisSg.addIngressRule(appSg, ec2.Port.tcp(6379), "mmesh nodes to Redis");
    mqSg.addIngressRule(appSg, ec2.Port.tcp(5671), "mmesh nodes to AMQPS");

    // ------------------------------------------------------------------ secrets
    const runtimeSecret = (name: string, description: string, length = 48) =>
      new secretsmanager.Secret(this, name, {
        secretName: `${RUNTIME_SECRETS_PREFIX}${name.replace(/[A-Z]/g, (c, i) => (i ? "-" : "") + c.toLowerCase())}`,
        description,
        generateSecretString: { passwordLength: length, excludePunctuation: true },
      });
    const jwtSecret = runtimeSecret("JwtSecret", "mmesh JWT_SECRET (signs access tokens)", 64);
    const masterKey = runtimeSecret("MasterKey", "mmesh MASTER_KEY", 48);
    const adminPassword = runtimeSecret("AdminPassword", "mmesh first admin's password", 24);
    const mqCredentials = new secretsmanager.Secret(this, "MqCredentials", {
      secretName: `${RUNTIME_SECRETS_PREFIX}amazon-mq`,
      description: "Amazon MQ (RabbitMQ) user of the mmesh nodes",
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ username: "mmesh" }),
        generateStringKey: "password",
        passwordLength: 32,
        excludeCharacters: URL_UNSAFE,
      },
    });

    // ------------------------------------------------------------------ data stores
    const db = new rds.DatabaseInstance(this, "Postgres", {
      engine: rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_16 }),
      instanceType: ec2.InstanceType.of(ec2.InstanceClass.T4G, ec2.InstanceSize.MEDIUM),
      vpc,
      vpcSubnets: dataSubnets,
      securityGroups: [dbSg],
      databaseName: "mmesh",
      credentials: rds.Credentials.fromGeneratedSecret("mmesh", {
        secretName: `${RUNTIME_SECRETS_PREFIX}postgres`,
        excludeCharacters: URL_UNSAFE,
      }),
      multiAz: true,
      storageEncrypted: true,
      allocatedStorage: 50,
      maxAllocatedStorage: 200,
      backupRetention: Duration.days(7),
      deletionProtection: true,
      removalPolicy: RemovalPolicy.SNAPSHOT,
      cloudwatchLogsExports: ["postgresql"],
      cloudwatchLogsRetention: logs.RetentionDays.ONE_MONTH,
    });

    const redisSubnets = new elasticache.CfnSubnetGroup(this, "RedisSubnets", {
      description: "mmesh Redis",
      subnetIds: vpc.selectSubnets(dataSubnets).subnetIds,
    });
    const redis = new elasticache.CfnReplicationGroup(this, "Redis", {
      replicationGroupDescription: "mmesh cacher",
      engine: "redis",
      engineVersion: "7.1",
      cacheNodeType: "cache.t4g.small",
      numCacheClusters: 2,
      automaticFailoverEnabled: true,
      multiAzEnabled: true,
      atRestEncryptionEnabled: true,
      transitEncryptionEnabled: true,
      cacheSubnetGroupName: redisSubnets.ref,
      securityGroupIds: [redisSg.securityGroupId],
    });

    const mq = new amazonmq.CfnBroker(this, "RabbitMq", {
      brokerName: "mmesh-bus",
      engineType: "RABBITMQ",
      engineVersion: "3.13",
      autoMinorVersionUpgrade: true,
      hostInstanceType: "mq.m5.large",
      deploymentMode: "CLUSTER_MULTI_AZ",
      publiclyAccessible: false,
      subnetIds: vpc.selectSubnets({ subnetType: ec2.SubnetType.PRIVATE_ISOLATED }).subnetIds,
      securityGroups: [mqSg.securityGroupId],
      logs: { general: true },
      users: [{
        username: "mmesh",
        // A CloudFormation dynamic reference ({{resolve:secretsmanager:...}}), not the value.
        password: mqCredentials.secretValueFromJson("password").unsafeUnwrap(),
      }],
    });

    // ------------------------------------------------------------------ cluster + NATS
    this.cluster = new ecs.Cluster(this, "Cluster", {
      vpc,
      clusterName: "mmesh",
      containerInsightsV2: ecs.ContainerInsights.ENABLED,
      defaultCloudMapNamespace: { name: "mmesh.local", type: servicediscovery.NamespaceType.DNS_PRIVATE, vpc },
    });

    const natsLogs = new logs.LogGroup(this, "NatsLogs", { logGroupName: "/mmesh/nats", retention: logs.RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY });
    const natsTask = new ecs.FargateTaskDefinition(this, "NatsTask", { cpu: 256, memoryLimitMiB: 512 });
    natsTask.addContainer("nats", {
      image: ecs.ContainerImage.fromRegistry("nats:2.10-alpine"),
      command: ["--http_port", "8222"],
      portMappings: [{ containerPort: 4222, name: "client" }, { containerPort: 8222, name: "monitor" }],
      logging: ecs.LogDrivers.awsLogs({ logGroup: natsLogs, streamPrefix: "nats" }),
      healthCheck: { command: ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8222/healthz"], interval: Duration.seconds(15), timeout: Duration.seconds(5), retries: 3 },
    });
    const nats = new ecs.FargateService(this, "Nats", {
      cluster: this.cluster,
      serviceName: "mmesh-nats",
      taskDefinition: natsTask,
      desiredCount: 1,
      securityGroups: [natsSg],
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      cloudMapOptions: { name: "nats", dnsRecordType: servicediscovery.DnsRecordType.A, dnsTtl: Duration.seconds(10) },
      circuitBreaker: { rollback: true },
    });

    // ------------------------------------------------------------------ mmesh node groups
    const repository = ecr.Repository.fromRepositoryName(this, "ImageRepo", props.imageRepositoryName ?? "mmesh");
    const image = ecs.ContainerImage.fromEcrRepository(repository, props.imageTag ?? "latest");
    const cacherUrl = Fn.join("", ["rediss://", redis.attrPrimaryEndPointAddress, ":", redis.attrPrimaryEndPointPort]);
    // amqps://b-....mq.<region>.amazonaws.com:5671 -> host:port; the user and password are put in front at start.
    const mqHostPort = Fn.select(1, Fn.split("://", Fn.select(0, mq.attrAmqpEndpoints)));

    const commonEnv: Record<string, string> = {
      NAMESPACE: "mmesh",
      LOG_LEVEL: "info",
      TRANSPORTER: "nats://nats.mmesh.local:4222",
      CACHER: cacherUrl,
      METRICS_PORT: "3030",
      DATA_DIR: "/var/lib/mmesh",
      DB_HOST: db.dbInstanceEndpointAddress,
      DB_PORT: db.dbInstanceEndpointPort,
      MQ_HOSTPORT: mqHostPort,
    };
    const commonSecrets: Record<string, ecs.Secret> = {
      DB_USERNAME: ecs.Secret.fromSecretsManager(db.secret!, "username"),
      DB_PASSWORD: ecs.Secret.fromSecretsManager(db.secret!, "password"),
      MQ_USERNAME: ecs.Secret.fromSecretsManager(mqCredentials, "username"),
      MQ_PASSWORD: ecs.Secret.fromSecretsManager(mqCredentials, "password"),
    };
    // DATABASE_URL and AMQP_URL are assembled in the container from the injected secrets, so
    // neither password appears in the task definition. Generated passwords are URL-safe.
    // RDS PostgreSQL 16 forces TLS; sslmode=no-verify encrypts without checking the RDS CA
    // (not in Node's bundle). Mount the RDS CA bundle to verify it.
    const entryPoint = ["/bin/sh", "-c"];
    const command = [
      'export DATABASE_URL="postgres://$DB_USERNAME:$DB_PASSWORD@$DB_HOST:$DB_PORT/mmesh?sslmode=no-verify" ' +
        'AMQP_URL="amqps://$MQ_USERNAME:$MQ_PASSWORD@$MQ_HOSTPORT"; ' +
        "unset DB_PASSWORD MQ_PASSWORD; exec node dist/bin/mmesh.js",
    ];

    const optionalSecret = (id: string, name: string | undefined) =>
      name ? ecs.Secret.fromSecretsManager(secretsmanager.Secret.fromSecretNameV2(this, id, name)) : undefined;
    const telegram = optionalSecret("TelegramBotToken", props.telegramBotTokenSecretName);
    const smtp = optionalSecret("SmtpUrl", props.smtpUrlSecretName);

    // One chain for trading and feeds (dex-price-feed watches what dex/wallet/liquidity use); asked at deploy.
    const rpcUrl = new CfnParameter(this, "RpcUrl", { type: "String", description: "EVM JSON-RPC endpoint shared by the trading and feeds groups (RPC_URL)", allowedPattern: "^(https?|wss?)://\\S+$" }).valueAsString;
    const groupEnv: Record<NodeGroup, Record<string, string>> = {
      gateway: { API_HOST: "0.0.0.0", API_PORT: "3000", KEYSTORE_BACKEND: "aws", AWS_REGION: this.region, AWS_SECRETS_PREFIX: KEYSTORE_PREFIX },
      trading: { RPC_URL: rpcUrl },
      feeds: { RPC_URL: rpcUrl },
      // Business metrics to CloudWatch as EMF log lines (lib/monitoring/cloudwatch-emf.ts); alarms below.
      ops: { CLOUDWATCH_EMF: "on" },
    };
    const groupSecrets: Record<NodeGroup, Record<string, ecs.Secret>> = {
      gateway: {
        JWT_SECRET: ecs.Secret.fromSecretsManager(jwtSecret),
        MASTER_KEY: ecs.Secret.fromSecretsManager(masterKey),
        ADMIN_PASSWORD: ecs.Secret.fromSecretsManager(adminPassword),
      },
      trading: {},
      feeds: {},
      ops: {
        ...(telegram ? { TELEGRAM_BOT_TOKEN: telegram } : {}),
        ...(smtp ? { SMTP_URL: smtp } : {}),
      },
    };

    const metricsCheck = "fetch('http://127.0.0.1:3030/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))";
    const healthCheck = "fetch('http://127.0.0.1:3000/api/v1/ready').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))";

    const taskFor = (group: NodeGroup, cpu: number, memoryLimitMiB: number) => {
      const logGroup = new logs.LogGroup(this, `${group}Logs`, {
        logGroupName: `/mmesh/${group}`,
        retention: logs.RetentionDays.ONE_MONTH,
        removalPolicy: RemovalPolicy.DESTROY,
      });
      const task = new ecs.FargateTaskDefinition(this, `${group}Task`, {
        cpu,
        memoryLimitMiB,
        runtimePlatform: { cpuArchitecture: ecs.CpuArchitecture.X86_64, operatingSystemFamily: ecs.OperatingSystemFamily.LINUX },
      });
      task.addContainer("mmesh", {
        image,
        entryPoint,
        command,
        user: "10001",
        environment: { ...commonEnv, ...groupEnv[group], SERVICES: NODE_GROUPS[group].join(",") },
        secrets: { ...commonSecrets, ...groupSecrets[group] },
        portMappings: [
          ...(group === "gateway" ? [{ containerPort: 3000, name: "http" }] : []),
          { containerPort: 3030, name: "metrics" },
        ],
        logging: ecs.LogDrivers.awsLogs({ logGroup, streamPrefix: group }),
        healthCheck: {
          command: ["CMD", "node", "-e", group === "gateway" ? healthCheck : metricsCheck],
          interval: Duration.seconds(15),
          timeout: Duration.seconds(5),
          retries: 3,
          startPeriod: Duration.seconds(60),
        },
        stopTimeout: Duration.seconds(30),
      });
      return task;
    };

    // Gateway: behind an ALB, scaled on CPU. Its task role is the only one with Secrets Manager access.
    const gatewayTask = taskFor("gateway", 1024, 2048);
    gatewayTask.addToTaskRolePolicy(new iam.PolicyStatement({
      sid: "KeystoreSecrets",
      actions: [
        "secretsmanager:CreateSecret",
        "secretsmanager:DescribeSecret",
        "secretsmanager:GetSecretValue",
        "secretsmanager:PutSecretValue",
        "secretsmanager:DeleteSecret",
        "secretsmanager:RestoreSecret",
        "secretsmanager:TagResource",
        "secretsmanager:UntagResource",
      ],
      resources: [this.formatArn({ service: "secretsmanager", resource: "secret", resourceName: `${KEYSTORE_PREFIX}*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME })],
    }));
    // ListSecrets has no resource-level permissions in IAM (only "*"); it returns names and
    // tags, never values. The backend filters it by the prefix.
    gatewayTask.addToTaskRolePolicy(new iam.PolicyStatement({
      sid: "KeystoreList",
      actions: ["secretsmanager:ListSecrets"],
      resources: ["*"],
    }));

    const gateway = new ecs_patterns.ApplicationLoadBalancedFargateService(this, "Gateway", {
      cluster: this.cluster,
      serviceName: "mmesh-gateway",
      taskDefinition: gatewayTask,
      desiredCount: props.gatewayMinCount ?? 2,
      publicLoadBalancer: true,
      listenerPort: 80,
      securityGroups: [appSg],
      taskSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      circuitBreaker: { rollback: true },
      healthCheckGracePeriod: Duration.seconds(90),
    });
    gateway.targetGroup.configureHealthCheck({ path: "/api/v1/ready", healthyHttpCodes: "200", interval: Duration.seconds(15) });
    const scaling = gateway.service.autoScaleTaskCount({ minCapacity: props.gatewayMinCount ?? 2, maxCapacity: props.gatewayMaxCount ?? 6 });
    scaling.scaleOnCpuUtilization("Cpu", { targetUtilizationPercent: 70 });
    gateway.service.node.addDependency(nats);

    const internal = (group: Exclude<NodeGroup, "gateway">, cpu: number, memory: number) => {
      const service = new ecs.FargateService(this, `${group[0].toUpperCase()}${group.slice(1)}`, {
        cluster: this.cluster,
        serviceName: `mmesh-${group}`,
        taskDefinition: taskFor(group, cpu, memory),
        desiredCount: 1,
        // One task at a time: wallet nonces, order reconcile, feed subscriptions and alert dedupe are per process.
        minHealthyPercent: 0,
        maxHealthyPercent: 100,
        securityGroups: [appSg],
        vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
        circuitBreaker: { rollback: true },
      });
      service.node.addDependency(nats);
      return service;
    };
    this.services = {
      gateway: gateway.service,
      trading: internal("trading", 1024, 2048),
      feeds: internal("feeds", 512, 1024),
      ops: internal("ops", 512, 1024),
    };

    // ------------------------------------------------------------------ alarms
    const topic = new sns.Topic(this, "Alarms", { displayName: "mmesh alarms" });
    if (props.alarmEmail) new sns.Subscription(this, "AlarmEmail", { topic, protocol: sns.SubscriptionProtocol.EMAIL, endpoint: props.alarmEmail });
    const alarm = (id: string, metric: cloudwatch.IMetric, threshold: number, description: string, periods = 3) => {
      const a = new cloudwatch.Alarm(this, id, {
        metric,
        threshold,
        evaluationPeriods: periods,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });
      a.addAlarmAction(new cw_actions.SnsAction(topic));
      this.alarms.push(a);
      return a;
    };
    alarm("Gateway5xx", gateway.loadBalancer.metrics.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, { period: Duration.minutes(1), statistic: "Sum" }), 10, "gateway answers 5xx");
    alarm("GatewayUnhealthyHosts", gateway.targetGroup.metrics.unhealthyHostCount({ period: Duration.minutes(1) }), 1, "gateway tasks failing /api/v1/ready");
    for (const [group, service] of Object.entries(this.services)) {
      alarm(`${group}Cpu`, service.metricCpuUtilization({ period: Duration.minutes(5) }), 85, `${group} CPU above 85%`);
      alarm(`${group}Memory`, service.metricMemoryUtilization({ period: Duration.minutes(5) }), 90, `${group} memory above 90%`);
    }
    alarm("NatsCpu", nats.metricCpuUtilization({ period: Duration.minutes(5) }), 85, "NATS CPU above 85%");
    alarm("PostgresCpu", db.metricCPUUtilization({ period: Duration.minutes(5) }), 85, "RDS CPU above 85%");
    // Free storage is a "less than" alarm.
    const lowStorage = new cloudwatch.Alarm(this, "PostgresLowStorage", {
      metric: db.metricFreeStorageSpace({ period: Duration.minutes(5), statistic: "Minimum" }),
      threshold: 5 * 1024 ** 3,
      evaluationPeriods: 2,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      alarmDescription: "RDS free storage below 5 GiB",
    });
    lowStorage.addAlarmAction(new cw_actions.SnsAction(topic));
    this.alarms.push(lowStorage);
    // mmesh business metrics (EMF lines of the ops group's monitoring service).
    const business = (metricName: string, statistic: string, dimensionsMap?: Record<string, string>) =>
      new cloudwatch.Metric({ namespace: EMF_NAMESPACE, metricName, statistic, dimensionsMap, period: Duration.minutes(1) });
    alarm("KillSwitchEngaged", business("KillSwitchEngaged", "Maximum"), 1, "mmesh kill switch engaged: every bot stopped", 1);
    alarm("Drawdown", business("MaxDrawdownRatio", "Maximum"), props.drawdownAlarmRatio ?? 0.1, "a bot's drawdown from its equity peak is high", 1);
    for (const [quote, threshold] of Object.entries(props.drawdownAlarmQuote ?? {})) {
      if (!/^[A-Za-z0-9]{1,16}$/.test(quote) || !(threshold > 0)) throw new Error(`drawdownAlarmQuote: expected a currency code and a threshold above 0, got ${quote}=${threshold}`);
      alarm(`DrawdownQuote${quote}`, business("MaxDrawdownQuote", "Maximum", { Quote: quote }), threshold, `a bot quoting in ${quote} is ${threshold} ${quote} or more below its PnL peak`, 1);
    }
    alarm("FeedAge", business("MaxFeedAgeSeconds", "Maximum"), props.feedAgeAlarmSeconds ?? 60, "a market's price feed is stale", 3);
    alarm("UserStreamDown", business("UserStreamsDown", "Maximum"), 1, "a venue's user-data stream is down (fills arrive only by the REST catch-up)", 2);
    alarm("RedisCpu", new cloudwatch.Metric({ namespace: "AWS/ElastiCache", metricName: "EngineCPUUtilization", dimensionsMap: { ReplicationGroupId: redis.ref }, period: Duration.minutes(5) }), 80, "Redis engine CPU above 80%");
    alarm("MqMemory", new cloudwatch.Metric({ namespace: "AWS/AmazonMQ", metricName: "RabbitMQMemUsed", dimensionsMap: { Broker: "mmesh-bus" }, period: Duration.minutes(5) }), 0.8 * 8 * 1024 ** 3, "RabbitMQ memory high");

    new CfnOutput(this, "ApiUrl", { value: `http://${gateway.loadBalancer.loadBalancerDnsName}/api/v1` });
    new CfnOutput(this, "KeystorePrefix", { value: KEYSTORE_PREFIX });
  }
}
