// Temporary directories of a test file, removed together when the file ends (call
// removeTempDirs() from an afterAll declared after the hooks that stop what uses them).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const dirs = new Set<string>();

/** A new directory under the system temp dir, named `<prefix>XXXXXX`. */
export function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  dirs.add(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  dirs.clear();
}
