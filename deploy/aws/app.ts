#!/usr/bin/env node
/**
 * CDK app entry, compiled (no ts-node): `npm run synth:aws` writes the CloudFormation
 * templates to deploy/aws/cdk.out offline; `cdk deploy --app deploy/aws/cdk.out` deploys them.
 * Account and region are explicit so synthesis needs no lookups.
 */
import { App } from "aws-cdk-lib";
import { MmeshStack, parseDrawdownAlarmQuote } from "./mmesh-stack";

// The cdk CLI passes CDK_OUTDIR; run directly (npm run synth:aws, from the repository root) it is deploy/aws/cdk.out.
const app = new App({ outdir: process.env.CDK_OUTDIR ?? "deploy/aws/cdk.out" });
new MmeshStack(app, "Mmesh", {
  env: {
    account: process.env.CDK_DEFAULT_ACCOUNT ?? process.env.AWS_ACCOUNT_ID ?? "123456789012",
    region: process.env.CDK_DEFAULT_REGION ?? process.env.AWS_REGION ?? "eu-west-1",
  },
  imageRepositoryName: process.env.MMESH_IMAGE_REPOSITORY ?? "mmesh",
  imageTag: process.env.MMESH_IMAGE_TAG ?? "latest",
  telegramBotTokenSecretName: process.env.MMESH_TELEGRAM_SECRET,
  smtpUrlSecretName: process.env.MMESH_SMTP_SECRET,
  alarmEmail: process.env.MMESH_ALARM_EMAIL,
  drawdownAlarmQuote: parseDrawdownAlarmQuote(process.env.MMESH_DRAWDOWN_ALARM_QUOTE),
});
app.synth();
