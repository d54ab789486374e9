import { readFileSync } from "node:fs";
import { advertiseAddress } from "./advertise";
import { type RuntimeConfig, RuntimeConfigError, loadConfig } from "./config";
import { createSandboxServer } from "./http";
import { Sandbox } from "./sandbox";

/** Starts the service; SIGTERM and SIGINT stop it gracefully. */
async function main(): Promise<void> {
  let config: RuntimeConfig;
  try {
    config = loadConfig(process.env, (path) => readFileSync(path, "utf8"));
    config = { ...config, advertiseAddress: await advertiseAddress(config.advertiseAddress, process.env, config.port) };
  } catch (error) {
    if (!(error instanceof RuntimeConfigError)) throw error;
    console.error(JSON.stringify({ level: "fatal", msg: error.message }));
    process.exit(2);
  }
  // The token is in memory now; nothing below needs it in the environment.
  delete process.env.SANDBOX_AUTH_TOKEN;
  const sandbox = new Sandbox(config);
  const server = createSandboxServer(sandbox);
  server.keepAliveTimeout = 65_000;
  // Bounded connections (invariant 8): beyond this many, new sockets are closed at once.
  server.maxConnections = config.maxConnections;
  server.headersTimeout = 10_000;
  server.requestTimeout = config.timeoutMs + 30_000;
  server.listen(config.port, config.host, () => {
    const address = server.address();
    const port = typeof address === "object" && address ? address.port : config.port;
    console.log(JSON.stringify({ level: "info", msg: "sandbox listening", port, maxConcurrent: config.maxConcurrent, executorSocket: config.executorSocket, maxSessions: config.maxSessions, advertiseAddress: config.advertiseAddress ?? null }));
  });

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    const sessions = sandbox.sessions.count;
    console.log(JSON.stringify({ level: "info", msg: "shutting down", signal, active: sandbox.active, sessions, graceMs: config.shutdownGraceMs }));
    // Calls to this replica's sessions still come, forwarded by other replicas on new
    // connections, until the grace period ends: it keeps listening while it holds sessions.
    if (sessions === 0) {
      server.close();
      server.closeIdleConnections();
    }
    void sandbox
      .shutdown()
      .then(
        // Answers of the last executions are written on their connections; then idle ones close.
        () =>
          new Promise<void>((resolve) => {
            server.close(() => resolve());
            setImmediate(() => server.closeIdleConnections());
            setTimeout(resolve, 2000).unref();
          }),
      )
      .then(() => {
        console.log(JSON.stringify({ level: "info", msg: "stopped" }));
        process.exit(0);
      });
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}

void main();
