// `npm run token -- --stream NAME --play --ttl 3600`: prints a publish or play token signed with
// the node's auth.token_secret (read like the node reads it: AUTH_TOKEN_SECRET, then the conf
// directory's .env, then its flashphoner.properties). Exit 2 on a usage or configuration mistake.
import path from 'node:path';
import { signToken, type TokenKey } from '../auth/tokens';
import { ConfigError } from '../config/errors';
import { loadConfig } from '../config/load';
import { MIN_SECRET_LENGTH } from '../config/propertiesSchema';
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

let key: TokenKey;
try {
  const config = loadConfig(path.resolve(args.confDir));
  key = { id: config.tokenKeyId, secret: config.tokenSecret };
} catch (err) {
  if (err instanceof ConfigError) fail(`configuration error: ${err.message}`);
  throw err;
}
if (!key.secret) fail(`auth.token_secret is not set (in ${path.resolve(args.confDir)} or AUTH_TOKEN_SECRET): no token can be signed`);
// A node in token mode refuses such a secret at start: a token signed with it would be guessable
// and useless anyway.
if (key.secret.length < MIN_SECRET_LENGTH) {
  fail(`auth.token_secret is too weak to sign with (${key.secret.length} characters, fewer than ${MIN_SECRET_LENGTH}); use a long random value on every node`);
}

const { policy } = args;
process.stdout.write(`${signToken(policy, key)}\n`);
const what = policy.stream !== undefined ? `stream "${policy.stream}"` : `streams starting with "${policy.prefix}"`;
process.stderr.write(
  `${policy.act} token for ${what}${policy.ip ? ` from ${policy.ip}` : ''}, valid ${policy.nbf ? `from ${new Date(policy.nbf * 1000).toISOString()} ` : ''}until ${new Date(policy.exp * 1000).toISOString()}${key.id ? `, key id "${key.id}"` : ''}\n`,
);
