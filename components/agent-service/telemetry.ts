import type * as pulumi from "@pulumi/pulumi";

/**
 * The OpenTelemetry SDK's standard environment, so an agent that exports OTLP finds the
 * collector with no code of ours: endpoint, protocol (OTLP/HTTP on 4318, the SDKs' default
 * protocol), service name and deployment environment:
 * https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/
 * https://opentelemetry.io/docs/specs/otel/protocol/exporter/
 */
export function telemetryEnv(serviceName: string, otlpEndpoint: pulumi.Input<string> | undefined, environment: string): Record<string, pulumi.Input<string>> {
  if (otlpEndpoint === undefined) return {};
  return {
    OTEL_EXPORTER_OTLP_ENDPOINT: otlpEndpoint,
    OTEL_EXPORTER_OTLP_PROTOCOL: "http/protobuf",
    OTEL_SERVICE_NAME: serviceName,
    OTEL_RESOURCE_ATTRIBUTES: `deployment.environment=${environment}`,
  };
}
