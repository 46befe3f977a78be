// The Node.js the node runs on. mediasoup 3.27 (and mediasoup-client 3.24) require Node >= 22;
// `engines` with `engine-strict` stops `npm install` on an older one, but not `node dist/index.js`
// started later by a supervisor on a machine whose Node changed. Imported first by the entry
// points, so an old Node gets this one line instead of whatever breaks first.

export const MIN_NODE_MAJOR = 22;

/** Why this Node.js cannot run the node, or undefined when it can. */
export function nodeVersionProblem(version: string = process.versions.node): string | undefined {
  const major = Number.parseInt(version.split('.')[0], 10);
  if (Number.isFinite(major) && major >= MIN_NODE_MAJOR) return undefined;
  return `cdn-relay needs Node.js ${MIN_NODE_MAJOR} or later (mediasoup 3.27 requires it); this is v${version}. See README.md, "Set-up".`;
}

const problem = nodeVersionProblem();
if (problem) {
  process.stderr.write(`${problem}\n`);
  process.exit(1);
}
