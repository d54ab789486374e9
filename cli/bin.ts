#!/usr/bin/env node
// `agentyard plan <stack> [options]`: the offline plan of a Pulumi project's stack (cli/main.ts).
// First: what the SDK loads only to serialize closures loads only if used (a plan never does).
import "./plan/lazy-sdk-modules";
import { usage } from "./args";
import { plan, timing } from "./main";

const [command, ...rest] = process.argv.slice(2);
const help = `usage: agentyard <command>\n\ncommands:\n  plan <stack>  the offline plan of a stack of the Pulumi project here (agentyard plan -h)\n\n${usage()}\n`;

async function run(): Promise<number> {
  if (command === "plan") return plan(rest);
  if (command === undefined || command === "-h" || command === "--help" || command === "help") {
    (command === undefined ? process.stderr : process.stdout).write(help);
    return command === undefined ? 2 : 0;
  }
  process.stderr.write(`unknown command ${command}; the commands are: plan\n\n${help}`);
  return 2;
}

// process.exitCode, never process.exit(): exiting right after a large write to a pipe drops what
// the pipe has not taken yet (a --json plan cut at 64 KiB). The process ends when stdout drains.
run().then(
  (code) => {
    process.exitCode = code;
    if (process.env.AGENTYARD_PLAN_TIMING) {
      const cpu = process.cpuUsage();
      process.stderr.write(`agentyard-timing ${JSON.stringify({ ...timing, processMs: performance.now(), processCpuMs: (cpu.user + cpu.system) / 1000 })}\n`);
    }
  },
  (error: unknown) => {
    process.stderr.write(`agentyard failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
