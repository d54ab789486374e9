import { type DeployRule, asArray, at, label } from "./rule";

const SERVICE = "aws:ecs/service:Service";
const TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition";
const CAPACITY = "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders";

const usesSpot = (strategies: unknown) => asArray(strategies).some((s) => at(s, "capacityProvider") === "FARGATE_SPOT" && Number(at(s, "weight") ?? 0) + Number(at(s, "base") ?? 0) > 0);

/** ARM64 tasks on FARGATE_SPOT are never placed: the service waits for capacity for ever. */
export const fargateSpotArm64: DeployRule = {
  id: "fargate-spot-x86-only",
  fact: "Linux tasks with the ARM64 architecture don't support the Fargate Spot capacity provider; Fargate Spot only supports Linux tasks with the X86_64 architecture.",
  source: "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-capacity-providers.html",
  check(graph) {
    const defaults = graph.ofType(CAPACITY).some((c) => usesSpot(c.inputs.defaultCapacityProviderStrategies));
    return graph.ofType(SERVICE).flatMap((service) => {
      const strategies = service.inputs.capacityProviderStrategies;
      const spot = asArray(strategies).length > 0 ? usesSpot(strategies) : defaults;
      if (!spot) return [];
      const arm = graph.waitedFor(service.urn, (r) => r.type === TASK_DEFINITION && at(r.inputs, "runtimePlatform.cpuArchitecture") === "ARM64");
      return arm.map((task) => ({
        urn: service.urn,
        message: `${label(service)} places tasks on FARGATE_SPOT but its task definition ${task.name} is ARM64: use X86_64 with Fargate Spot, or FARGATE (cluster.fargateSpotPercent: 0) with ARM64`,
      }));
    });
  },
};
