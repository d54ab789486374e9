// The Pulumi program (`pulumi up`). Its exports are the stack outputs.
import { program } from "./stacks/program";

const outputs = program();

export const platform = outputs.platform;
export const preset = outputs.preset;
export const region = outputs.region;
export const vpcId = outputs.vpcId;
export const privateSubnetIds = outputs.privateSubnetIds;
export const publicSubnetIds = outputs.publicSubnetIds;
export const isolatedSubnetIds = outputs.isolatedSubnetIds;
export const url = outputs.url;
export const warnings = outputs.warnings;
export const databaseHost = outputs.databaseHost;
export const cacheHost = outputs.cacheHost;
export const dataSecretArns = outputs.dataSecretArns;
export const databaseBootstrapChecksum = outputs.databaseBootstrapChecksum;
export const grafanaUrl = outputs.grafanaUrl;
export const alertTopicArn = outputs.alertTopicArn;
export const clusterName = outputs.clusterName;
export const kubeconfigCommand = outputs.kubeconfigCommand;
export const sandboxUrl = outputs.sandboxUrl;
export const sandboxImage = outputs.sandboxImage;
export const agentImage = outputs.agentImage;
export const logsCommand = outputs.logsCommand;
