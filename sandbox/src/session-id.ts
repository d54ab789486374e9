import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { isAddress } from "./config";

/*
 * Public session ids: `<executor id>.<mac>` or `<executor id>.<mac>.<owner>`, where the owner is
 * the replica's `host:port` (base64url) and the MAC an HMAC-SHA256 over the executor id and the
 * owner, truncated to 128 bits. The key is derived from the bearer token, which every replica of
 * one service holds, so any replica can check an id before forwarding it to its owner; a caller
 * without the token can neither call nor make an id that passes. Without a token the key is this
 * process's own, so its ids pass nowhere else, which is the rule: no token, no forwarding.
 */

const KEY_LABEL = "agentyard sandbox session id v1";
const MAC_BYTES = 16;
const EXECUTOR_ID = /^[0-9a-f]{32}$/;
const MAC = /^[A-Za-z0-9_-]{22}$/;
const OWNER = /^[A-Za-z0-9_-]{1,400}$/;

export interface SessionRef {
  /** The 32-hex id the executor knows the session by. */
  readonly executorId: string;
  /** The owning replica's `host:port`; undefined when it advertises none. */
  readonly owner: string | undefined;
}

export class SessionIds {
  private readonly key: Buffer;

  constructor(token: string | undefined) {
    this.key = token === undefined ? randomBytes(32) : createHmac("sha256", token).update(KEY_LABEL).digest();
  }

  /** A fresh executor id: 128 random bits, 32 lowercase hex. */
  static newExecutorId(): string {
    return randomBytes(16).toString("hex");
  }

  mint(ref: SessionRef): string {
    const mac = this.mac(ref).toString("base64url");
    return ref.owner === undefined ? `${ref.executorId}.${mac}` : `${ref.executorId}.${mac}.${Buffer.from(ref.owner).toString("base64url")}`;
  }

  /** The session an id names, or undefined when it is malformed or its MAC does not verify. */
  parse(id: string): SessionRef | undefined {
    const [executorId, mac, encodedOwner, ...rest] = id.split(".");
    if (rest.length > 0 || !EXECUTOR_ID.test(executorId) || mac === undefined || !MAC.test(mac)) return undefined;
    if (encodedOwner !== undefined && !OWNER.test(encodedOwner)) return undefined;
    const owner = encodedOwner === undefined ? undefined : Buffer.from(encodedOwner, "base64url").toString("utf8");
    if (owner !== undefined && !isAddress(owner)) return undefined;
    const ref = { executorId, owner };
    return timingSafeEqual(Buffer.from(mac, "base64url"), this.mac(ref)) ? ref : undefined;
  }

  private mac(ref: SessionRef): Buffer {
    return createHmac("sha256", this.key)
      .update(`${ref.executorId}\n${ref.owner ?? ""}`)
      .digest()
      .subarray(0, MAC_BYTES);
  }
}
