import { randomBytes } from "node:crypto";
import { chmodSync, chownSync, mkdirSync, rmSync } from "node:fs";
import * as path from "node:path";

/**
 * Private scratch directories, one per interpreter, never reused. The parent is execute-only
 * (0711): an execution cannot list it to find another's directory, and names are 128 random bits.
 */
export class ScratchSpace {
  constructor(
    readonly root: string,
    private readonly owner: { uid: number; gid: number } | undefined,
  ) {
    mkdirSync(root, { recursive: true });
    chmodSync(root, 0o711);
  }

  create(): string {
    const dir = path.join(this.root, randomBytes(16).toString("hex"));
    mkdirSync(dir, { mode: 0o700 });
    if (this.owner) chownSync(dir, this.owner.uid, this.owner.gid);
    return dir;
  }

  remove(dir: string): void {
    rmSync(dir, { recursive: true, force: true, maxRetries: 2 });
  }
}
