import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import type { PlanDocument } from "./diff";
import { type PulumiProject, StackFileError } from "./stack-file";

function git(args: string[], cwd: string): string {
  const run = spawnSync("git", args, { cwd, encoding: "utf8" });
  if (run.status !== 0) throw new StackFileError(`--diff-ref: git ${args.join(" ")} failed: ${(run.stderr || run.stdout || String(run.error)).trim()}`);
  return run.stdout.trim();
}

/**
 * The plan of `stack` at a git ref: the ref checked out in a temporary worktree, its program
 * planned by this CLI in a child process (the SDK's state is per process) as `--json`, and the
 * worktree removed. The worktree borrows this checkout's node_modules, so a ref whose
 * dependencies differ is planned with today's (the pull-request workflow installs each side instead).
 */
export function planAtRef(ref: string, project: PulumiProject, stack: string, options: { readonly preview: boolean; readonly cost: boolean }): PlanDocument {
  const root = git(["rev-parse", "--show-toplevel"], project.dir);
  const commit = git(["rev-parse", "--verify", `${ref}^{commit}`], root);
  const scratch = mkdtempSync(path.join(tmpdir(), "agentyard-plan-ref-"));
  const tree = path.join(scratch, "tree");
  git(["worktree", "add", "--detach", "--quiet", tree, commit], root);
  try {
    for (let dir = project.dir; ; dir = path.dirname(dir)) {
      const modules = path.join(dir, "node_modules");
      const twin = path.join(tree, path.relative(root, dir), "node_modules");
      if (existsSync(modules) && !existsSync(twin) && existsSync(path.dirname(twin))) symlinkSync(modules, twin, "dir");
      if (dir === root || path.dirname(dir) === dir) break;
    }
    // The same entry this process was started by (the bin, its launcher, or tsx), on the ref's tree.
    const args = [...process.execArgv, process.argv[1], "plan", stack, "--json", "--cwd", path.join(tree, path.relative(root, project.dir))];
    if (options.preview) args.push("--preview");
    if (options.cost) args.push("--cost");
    const env = { ...process.env };
    delete env.AGENTYARD_STACKS_DIR;
    const run = spawnSync(process.execPath, args, { encoding: "utf8", maxBuffer: 1 << 30, env });
    if (run.status !== 0) throw new StackFileError(`--diff-ref ${ref}: planning ${stack} at ${commit.slice(0, 12)} failed:\n${run.stderr.trim()}`);
    return JSON.parse(run.stdout) as PlanDocument;
  } finally {
    spawnSync("git", ["worktree", "remove", "--force", tree], { cwd: root });
    rmSync(scratch, { recursive: true, force: true });
  }
}
