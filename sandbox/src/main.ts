import { readFileSync } from "node:fs";
import { RuntimeConfigError, loadConfig } from "./config";
import { createSandboxServer } from "./http";
import { Sandbox } from "./sandbox";

/** Starts the service; SIGTERM and SIGINT stop it gracefully. */
function main(): void {
  let config;
  try {
    config = loadConfig(process.env, (path) => readFileSync(path, "utf8"));
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
    console.log(JSON.stringify({ level: "info", msg: "sandbox listening", port, maxConcurrent: config.maxConcurrent, executorSocket: config.executorSocket }));
  });

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(JSON.stringify({ level: "info", msg: "shutting down", signal, active: sandbox.active, graceMs: config.shutdownGraceMs }));
    server.close();
    server.closeIdleConnections();
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

main();
