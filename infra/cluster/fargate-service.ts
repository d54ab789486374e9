import * as pulumi from "@pulumi/pulumi";
import * as appautoscaling from "@pulumi/aws/appautoscaling";
import * as cloudwatch from "@pulumi/aws/cloudwatch";
import * as ecs from "@pulumi/aws/ecs";
import * as iam from "@pulumi/aws/iam";
import * as servicediscovery from "@pulumi/aws/servicediscovery";
import { serviceRole } from "../iam";
import { physicalName, standardTags } from "../naming";
import { type Transform, applyTransform } from "../transform";
import { type EcsCluster, capacityStrategy } from "./ecs";
import { fargateSize } from "./fargate";

/** One HTTP service as a Fargate service: task definition, roles, logs, discovery, autoscaling. */
export interface FargateServiceSpec {
  readonly cluster: EcsCluster;
  readonly appName: string;
  readonly component: string;
  readonly image: pulumi.Input<string>;
  readonly port: number;
  /** `uid:gid`: never root. */
  readonly user: string;
  readonly cpuMillicores: number;
  readonly memoryMb: number;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly env: Record<string, pulumi.Input<string>>;
  /** Environment variables from Secrets Manager: `valueFrom` ARNs (with `:jsonKey::`). */
  readonly secrets: Record<string, pulumi.Input<string>>;
  /** Secrets the execution role may read, and the keys they are encrypted with. */
  readonly secretArns: pulumi.Input<string>[];
  readonly kmsKeyArns: pulumi.Input<string>[];
  readonly taskRoleStatements?: Array<{ Effect: "Allow" | "Deny"; Action: string[]; Resource: pulumi.Input<string>[] }>;
  /**
   * `false`: the task has no IAM role at all, so its containers get no credentials: "When you add a
   * task role to a task definition, the Amazon ECS container agent ... populates the environment
   * variable AWS_CONTAINER_CREDENTIALS_RELATIVE_URI in the container"
   * (https://docs.aws.amazon.com/AmazonECS/latest/bestpracticesguide/security-iam-roles.html);
   * without a role there is no such URI to ask 169.254.170.2 for. No ECS Exec either (it needs
   * the role's ssmmessages permissions).
   * @default true
   */
  readonly taskRole?: boolean;
  readonly securityGroupId: pulumi.Input<string>;
  readonly healthCheckCommand: string[];
  readonly arm64: boolean;
  /** Writable paths on task storage (the root filesystem is read-only). */
  readonly scratchPaths: string[];
  readonly ephemeralStorageGb?: number;
  readonly targetGroupArn?: pulumi.Input<string>;
  /** The listener rule forwarding to `targetGroupArn`: the service is created after it. */
  readonly listenerRule?: pulumi.Resource;
  /** `app/<alb>/<id>/targetgroup/<tg>/<id>`, for scaling on requests per target. */
  readonly requestCountResourceLabel?: pulumi.Input<string>;
  readonly logRetentionDays: number;
  /** The stack's region, where the log group is. */
  readonly region: string;
  readonly ecsExec: boolean;
  readonly transform?: { taskDefinition?: Transform<ecs.TaskDefinitionArgs>; service?: Transform<ecs.ServiceArgs> };
}

export interface FargateService<Role extends iam.Role | undefined = iam.Role> {
  readonly service: ecs.Service;
  readonly taskDefinition: ecs.TaskDefinition;
  readonly taskRole: Role;
  /** `<appName>.<namespace>`: the service's name in Cloud Map. */
  readonly dnsName: pulumi.Output<string>;
}

export function createFargateService(parent: pulumi.Resource, name: string, spec: FargateServiceSpec & { taskRole?: true }): FargateService;
export function createFargateService(parent: pulumi.Resource, name: string, spec: FargateServiceSpec & { taskRole: false }): FargateService<undefined>;
export function createFargateService(parent: pulumi.Resource, name: string, spec: FargateServiceSpec): FargateService<iam.Role | undefined> {
  const child = { parent };
  const tags = standardTags(spec.component);
  const logGroup = new cloudwatch.LogGroup(`${name}-logs`, { name: `/agentyard/${physicalName("logGroup", [spec.appName])}`, retentionInDays: spec.logRetentionDays, tags }, child);

  const execution = serviceRole(parent, `${name}-execution-role`, {
    physical: `${spec.appName}-execution`,
    service: "ecs-tasks.amazonaws.com",
    component: spec.component,
    managedPolicyArns: ["arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"],
  });
  // The execution role reads exactly the secrets the task is given, to inject them at start.
  const secretsPolicy =
    spec.secretArns.length > 0
      ? new iam.RolePolicy(
          `${name}-execution-secrets`,
          {
            role: execution.role.name,
            policy: pulumi.all([pulumi.all(spec.secretArns), pulumi.all(spec.kmsKeyArns)]).apply(([secrets, keys]) =>
              JSON.stringify({
                Version: "2012-10-17",
                Statement: [
                  { Effect: "Allow", Action: ["secretsmanager:GetSecretValue"], Resource: [...new Set(secrets)] },
                  ...(keys.length ? [{ Effect: "Allow", Action: ["kms:Decrypt"], Resource: [...new Set(keys)] }] : []),
                ],
              }),
            ),
          },
          child,
        )
      : undefined;
  const withRole = spec.taskRole !== false;
  const task = withRole ? serviceRole(parent, `${name}-task-role`, { physical: `${spec.appName}-task`, service: "ecs-tasks.amazonaws.com", component: spec.component }) : undefined;
  const statements = [...(spec.taskRoleStatements ?? [])];
  if (spec.ecsExec && withRole) statements.push({ Effect: "Allow", Action: ["ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel", "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel"], Resource: ["*"] });
  if (task && statements.length) new iam.RolePolicy(`${name}-task-policy`, { role: task.role.name, policy: pulumi.output({ Version: "2012-10-17", Statement: statements }).apply((p) => JSON.stringify(p)) }, child);

  const size = fargateSize(spec.cpuMillicores, spec.memoryMb);
  const volumes = spec.scratchPaths.map((_, i) => ({ name: `scratch-${i}` }));
  const containerDefinitions = pulumi
    .all([spec.image, pulumi.output(spec.env), pulumi.output(spec.secrets), logGroup.name])
    .apply(([image, env, secrets, group]) =>
      JSON.stringify([
        {
          name: spec.appName,
          image,
          essential: true,
          user: spec.user,
          readonlyRootFilesystem: true,
          linuxParameters: { initProcessEnabled: true, capabilities: { drop: ["ALL"] } },
          portMappings: [{ name: "http", containerPort: spec.port, protocol: "tcp", appProtocol: "http" }],
          environment: Object.entries(env).sort().map(([n, value]) => ({ name: n, value })),
          secrets: Object.entries(secrets).sort().map(([n, valueFrom]) => ({ name: n, valueFrom })),
          mountPoints: spec.scratchPaths.map((containerPath, i) => ({ sourceVolume: `scratch-${i}`, containerPath, readOnly: false })),
          healthCheck: { command: spec.healthCheckCommand, interval: 15, timeout: 5, retries: 3, startPeriod: 20 },
          logConfiguration: { logDriver: "awslogs", options: { "awslogs-group": group, "awslogs-region": spec.region, "awslogs-stream-prefix": spec.appName } },
          stopTimeout: 30,
        },
      ]),
    );
  const taskDefinition = new ecs.TaskDefinition(
    ...applyTransform(
      spec.transform?.taskDefinition,
      `${name}-task`,
      {
        family: physicalName("ecsService", [spec.appName]),
        networkMode: "awsvpc",
        requiresCompatibilities: ["FARGATE"],
        cpu: String(size.cpu),
        memory: String(size.memory),
        runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture: spec.arm64 ? "ARM64" : "X86_64" },
        executionRoleArn: execution.role.arn,
        taskRoleArn: task?.role.arn,
        containerDefinitions,
        volumes,
        ephemeralStorage: spec.ephemeralStorageGb ? { sizeInGib: spec.ephemeralStorageGb } : undefined,
        tags,
      },
      { parent, dependsOn: secretsPolicy ? [secretsPolicy, ...execution.attachments] : execution.attachments },
    ),
  );

  const discovery = new servicediscovery.Service(
    `${name}-discovery`,
    {
      name: spec.appName,
      dnsConfig: { namespaceId: spec.cluster.namespaceId, dnsRecords: [{ type: "A", ttl: 10 }], routingPolicy: "MULTIVALUE" },
      healthCheckCustomConfig: { failureThreshold: 1 },
      tags,
    },
    child,
  );
  const service = new ecs.Service(
    ...applyTransform(
      spec.transform?.service,
      `${name}-service`,
      {
        name: spec.appName,
        cluster: spec.cluster.arn,
        taskDefinition: taskDefinition.arn,
        desiredCount: spec.minReplicas,
        capacityProviderStrategies: capacityStrategy(spec.cluster.settings.fargateSpotPercent),
        networkConfiguration: { subnets: spec.cluster.privateSubnetIds, securityGroups: [spec.securityGroupId], assignPublicIp: false },
        loadBalancers: spec.targetGroupArn ? [{ targetGroupArn: spec.targetGroupArn, containerName: spec.appName, containerPort: spec.port }] : undefined,
        healthCheckGracePeriodSeconds: spec.targetGroupArn ? 30 : undefined,
        deploymentCircuitBreaker: { enable: true, rollback: true },
        deploymentMinimumHealthyPercent: 100,
        deploymentMaximumPercent: 200,
        // ECS Exec needs the task role's ssmmessages permissions.
        enableExecuteCommand: spec.ecsExec && withRole,
        serviceRegistries: { registryArn: discovery.arn },
        propagateTags: "SERVICE",
        enableEcsManagedTags: true,
        waitForSteadyState: true,
        tags,
      },
      // The autoscaler owns the count once the service exists.
      // ECS refuses a target group no listener forwards to yet ("The target group ... does not have an
      // associated load balancer", https://docs.aws.amazon.com/AmazonECS/latest/developerguide/alb.html),
      // and a strategy naming capacity providers the cluster has not been given yet
      // (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CapacityProviderStrategyItem.html): wait for both.
      // The name is how operators and alarms find the service, so it stays fixed and a replacement deletes first.
      {
        parent,
        ignoreChanges: ["desiredCount"],
        dependsOn: [spec.cluster.capacityProviders, ...(spec.listenerRule ? [spec.listenerRule] : [])],
        deleteBeforeReplace: true,
      },
    ),
  );

  const target = new appautoscaling.Target(
    `${name}-scaling`,
    {
      serviceNamespace: "ecs",
      scalableDimension: "ecs:service:DesiredCount",
      resourceId: pulumi.interpolate`service/${spec.cluster.name}/${service.name}`,
      minCapacity: spec.minReplicas,
      maxCapacity: spec.maxReplicas,
      tags,
    },
    child,
  );
  const tracking = (id: string, metric: string, value: number, resourceLabel?: pulumi.Input<string>) =>
    new appautoscaling.Policy(
      `${name}-scale-${id}`,
      {
        policyType: "TargetTrackingScaling",
        resourceId: target.resourceId,
        scalableDimension: target.scalableDimension,
        serviceNamespace: target.serviceNamespace,
        targetTrackingScalingPolicyConfiguration: {
          targetValue: value,
          predefinedMetricSpecification: { predefinedMetricType: metric, resourceLabel },
          scaleInCooldown: 300,
          scaleOutCooldown: 60,
        },
      },
      child,
    );
  tracking("cpu", "ECSServiceAverageCPUUtilization", 70);
  tracking("memory", "ECSServiceAverageMemoryUtilization", 80);
  if (spec.requestCountResourceLabel) tracking("requests", "ALBRequestCountPerTarget", 1000, spec.requestCountResourceLabel);

  return { service, taskDefinition, taskRole: task?.role, dnsName: pulumi.interpolate`${spec.appName}.${spec.cluster.namespaceName}` };
}
