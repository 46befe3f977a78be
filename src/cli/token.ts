// `npm run token -- --stream NAME --play --ttl 3600`: prints a publish or play token signed with
// the node's auth.token_secret (read like the node reads it: AUTH_TOKEN_SECRET, then the conf
// directory's .env, then its flashphoner.properties). Exit 2 on a usage or configuration mistake.
import path from 'node:path';
import { signToken } from '../auth/tokens';
import { ConfigError } from '../config/errors';
import { loadConfig } from '../config/load';
import { parseTokenArgs, TOKEN_USAGE } from './tokenArgs';

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}

const args = parseTokenArgs(process.argv.slice(2), Date.now());
if (args.ok === 'help') {
  process.stdout.write(`${TOKEN_USAGE}\n`);
  process.exit(0);
}
if (!args.ok) fail(`${args.reason}\n${TOKEN_USAGE}`);

let secret: string;
try {
  secret = loadConfig(path.resolve(args.confDir)).tokenSecret;
} catch (err) {
  if (err instanceof ConfigError) fail(`configuration error: ${err.message}`);
  throw err;
}
if (!secret) fail(`auth.token_secret is not set (in ${path.resolve(args.confDir)} or AUTH_TOKEN_SECRET): no token can be signed`);

const { policy } = args;
process.stdout.write(`${signToken(policy, secret)}\n`);
const what = policy.stream !== undefined ? `stream "${policy.stream}"` : `streams starting with "${policy.prefix}"`;
process.stderr.write(`${policy.act} token for ${what}${policy.ip ? ` from ${policy.ip}` : ''}, valid until ${new Date(policy.exp * 1000).toISOString()}\n`);
