import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { dump } from "js-yaml";
import { appAlertGroup } from "../infra/monitoring/app-metrics";
import { ALERT_GROUPS, renderRulesYaml } from "../infra/monitoring/rules";
import { skipUnlessInstalled } from "./tools";

const skipPromtool = skipUnlessInstalled("promtool", "--version", "apt-get install prometheus");

// Seed 003 (cartrita) labels the status `status_code` and counts its own database connections.
const CARTRITA = appAlertGroup("cartrita", { statusLabel: "status_code", dbConnections: { gauge: "db_connections_active", max: 80 } });

/** Its series: 0.2 server errors a second, 0.1 failed executions a second, 90 connections, 1.5 GiB resident. */
const CARTRITA_SERIES = [
  { series: 'http_requests_total{job="cartrita",route="/api/chat",status_code="500"}', values: "0+12x20" },
  { series: 'agent_executions_total{job="cartrita",agent_name="writer",status="error"}', values: "0+6x20" },
  { series: 'db_connections_active{job="cartrita"}', values: "90x20" },
  { series: 'process_resident_memory_bytes{job="cartrita",instance="a"}', values: "1610612736x20" },
];

function promtoolTest(dir: string, name: string, rules: string, tests: unknown): string {
  writeFileSync(path.join(dir, `${name}.yml`), rules);
  writeFileSync(path.join(dir, `${name}.test.yml`), dump({ rule_files: [`${name}.yml`], evaluation_interval: "1m", tests }));
  return execFileSync("promtool", ["test", "rules", `${name}.test.yml`], { cwd: dir, encoding: "utf8" });
}

describe("alerts on an app's own metric names and labels, unit-tested by promtool", { skip: skipPromtool }, () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), "agentyard-app-rules-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("fires cartrita's HighErrorRate, AgentExecutionFailures, DatabaseConnectionHigh and HighMemoryUsage on its status_code series", () => {
    const expect = (alertname: string, severity: string, extra: Record<string, string> = {}) => ({ eval_time: "15m", alertname, exp_alerts: [{ exp_labels: { severity, job: "cartrita", ...extra } }] });
    const out = promtoolTest(dir, "cartrita", renderRulesYaml([CARTRITA], { annotations: false }), [
      {
        interval: "1m",
        input_series: CARTRITA_SERIES,
        alert_rule_test: [
          expect("HighErrorRate", "critical"),
          expect("AgentExecutionFailures", "critical"),
          expect("DatabaseConnectionHigh", "warning"),
          expect("HighMemoryUsage", "warning", { instance: "a" }),
        ],
      },
    ]);
    assert.match(out, /SUCCESS/);
  });

  it("stays silent for another job's series: each app's group is scoped to its scrape job", () => {
    const other = CARTRITA_SERIES.map((s) => ({ ...s, series: s.series.replace('job="cartrita"', 'job="other"') }));
    const out = promtoolTest(dir, "scoped", renderRulesYaml([CARTRITA], { annotations: false }), [
      { interval: "1m", input_series: other, alert_rule_test: ["HighErrorRate", "AgentExecutionFailures", "DatabaseConnectionHigh"].map((alertname) => ({ eval_time: "15m", alertname, exp_alerts: [] })) },
    ]);
    assert.match(out, /SUCCESS/);
  });

  it("shows why: the shipped HighErrorRate, written for `code`, never fires on status_code", () => {
    const out = promtoolTest(dir, "shipped", renderRulesYaml(ALERT_GROUPS, { annotations: false }), [
      { interval: "1m", input_series: CARTRITA_SERIES.slice(0, 1), alert_rule_test: [{ eval_time: "15m", alertname: "HighErrorRate", exp_alerts: [] }] },
    ]);
    assert.match(out, /SUCCESS/);
  });

  it("passes `promtool check rules` with its annotations, and refuses a label that is not a Prometheus name", () => {
    writeFileSync(path.join(dir, "checked.yml"), renderRulesYaml([CARTRITA]));
    assert.match(execFileSync("promtool", ["check", "rules", path.join(dir, "checked.yml")], { encoding: "utf8" }), /SUCCESS: 5 rules found/);
    assert.throws(() => appAlertGroup("x", { statusLabel: "status-code" }), /status-code is not a Prometheus label name/);
  });
});
