/*
 * A file's path in a session (sandbox/SESSIONS.md): relative, `/`-separated, each part
 * [A-Za-z0-9._-]{1,128} and not `.` or `..`, at most 8 parts and 512 characters. The executor
 * checks again and opens each part without following symlinks; checking here too answers 400
 * before a body is read or a request forwarded.
 */

const PART = /^[A-Za-z0-9._-]{1,128}$/;
const MAX_PARTS = 8;
const MAX_LENGTH = 512;

/** The problem with `path`, or undefined when it is a valid session file path. */
export function pathProblem(path: string): string | undefined {
  if (path.length === 0) return "path: expected a file path such as data/input.csv, got nothing";
  if (path.length > MAX_LENGTH) return `path: expected at most ${MAX_LENGTH} characters`;
  const parts = path.split("/");
  if (parts.length > MAX_PARTS) return `path: expected at most ${MAX_PARTS} parts`;
  const bad = parts.find((part) => !PART.test(part) || part === "." || part === "..");
  if (bad !== undefined) return `path: ${JSON.stringify(bad)} is not a valid part: expected letters, digits, ".", "_" or "-", not "." or ".."`;
  return undefined;
}
