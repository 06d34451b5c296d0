#!/usr/bin/env node
/**
 * CDK app entry: `npx cdk synth --app "npx ts-node deploy/aws/app.ts"` (or deploy).
 * Account and region are explicit so synthesis needs no lookups.
 */
import { App } from "aws-cdk-lib";
import { MmeshStack } from "./mmesh-stack";

const app = new App();
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
});
