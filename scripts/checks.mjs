// The static checks `npm test` runs before jest, side by side rather than one after another:
// ESLint with type information takes about a minute on its own and uses one core, while
// Prettier, the type check and the build can use the other, so `npm test` waits for the slowest
// lane instead of the sum (about a minute less on a 2-core machine). Each lane is a list of npm
// scripts run in order; a lane's output is printed whole when it ends (never interleaved), and
// the run fails if any script fails. Usage: node scripts/checks.mjs "lint" "format:check" "typecheck build:client build"
import { spawn } from 'node:child_process';

const lanes = process.argv.slice(2).map((lane) => lane.split(/\s+/).filter(Boolean));
if (lanes.length === 0) {
  console.error('usage: node scripts/checks.mjs "script [script...]" ["script..."]...');
  process.exit(2);
}

/** Runs one npm script, resolving with its exit code and everything it printed. */
function run(script) {
  return new Promise((resolve) => {
    const child = spawn('npm', ['run', '--silent', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', (err) => resolve({ code: 1, output: `${output}${err.message}\n` }));
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 1 : 0), output }));
  });
}

async function runLane(scripts) {
  for (const script of scripts) {
    const started = Date.now();
    const { code, output } = await run(script);
    const took = ((Date.now() - started) / 1000).toFixed(1);
    process.stdout.write(
      `${output}${output && !output.endsWith('\n') ? '\n' : ''}checks: ${script} ${code === 0 ? 'passed' : `FAILED (exit ${code})`} in ${took} s\n`,
    );
    if (code !== 0) return false;
  }
  return true;
}

const results = await Promise.all(lanes.map(runLane));
process.exit(results.every(Boolean) ? 0 : 1);
