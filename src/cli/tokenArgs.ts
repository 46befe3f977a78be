// The token CLI's arguments as a policy to sign. Pure: argv and the clock in, a policy (or the
// reason it cannot be one) out.
import { isIP } from 'node:net';
import { parseArgs } from 'node:util';
import type { TokenPolicy } from '../auth/tokens';
import { parseStreamName } from '../streams/streamName';

export const TOKEN_USAGE = `usage: npm run token -- (--publish | --play) (--stream NAME | --prefix PREFIX) [--ttl SECONDS] [--valid-in SECONDS] [--ip ADDRESS] [--conf DIR]
  --publish / --play   the action the token allows
  --stream NAME        one stream name; --prefix PREFIX: every name starting with PREFIX ("" = all)
  --ttl SECONDS        lifetime, default 3600 (counted from now)
  --valid-in SECONDS   not valid before this many seconds from now (nbf); default: at once
  --ip ADDRESS         only good from this client address
  --conf DIR           configuration directory holding auth.token_secret (default: conf); the
                       AUTH_TOKEN_SECRET environment variable overrides it, as for the node
Signed with auth.token_secret, naming auth.token_key_id when set; refused when the secret has
fewer than 16 characters (the nodes refuse such a secret too).
Prints the token on stdout, what it allows on stderr.`;

export type TokenArgs = { ok: true; policy: TokenPolicy; confDir: string } | { ok: false; reason: string } | { ok: 'help' };

export function parseTokenArgs(argv: string[], now: number): TokenArgs {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        publish: { type: 'boolean' },
        play: { type: 'boolean' },
        stream: { type: 'string' },
        prefix: { type: 'string' },
        ttl: { type: 'string' },
        'valid-in': { type: 'string' },
        ip: { type: 'string' },
        conf: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    return { ok: false, reason: (err as Error).message };
  }
  if (values.help) return { ok: 'help' };
  if (Boolean(values.publish) === Boolean(values.play)) return { ok: false, reason: 'give exactly one of --publish and --play' };
  if ((values.stream === undefined) === (values.prefix === undefined)) return { ok: false, reason: 'give exactly one of --stream and --prefix' };
  const ttl = values.ttl === undefined ? 3600 : /^\d{1,9}$/.test(values.ttl) ? Number(values.ttl) : NaN;
  if (!(ttl >= 1)) return { ok: false, reason: `--ttl must be a whole number of seconds >= 1, not "${values.ttl}"` };
  const validIn = values['valid-in'] === undefined ? 0 : /^\d{1,9}$/.test(values['valid-in']) ? Number(values['valid-in']) : NaN;
  if (!(validIn >= 0) || validIn >= ttl) return { ok: false, reason: `--valid-in must be a whole number of seconds below --ttl, not "${values['valid-in']}"` };
  if (values.ip !== undefined && isIP(values.ip) === 0) return { ok: false, reason: `--ip "${values.ip}" is not an IP address` };
  const policy: TokenPolicy = { act: values.publish ? 'publish' : 'play', exp: Math.floor(now / 1000) + ttl };
  if (validIn > 0) policy.nbf = Math.floor(now / 1000) + validIn;
  if (values.stream !== undefined) {
    try {
      policy.stream = parseStreamName(values.stream);
    } catch (err) {
      return { ok: false, reason: `--stream: ${(err as Error).message}` };
    }
  } else {
    policy.prefix = values.prefix!.normalize('NFC');
  }
  if (values.ip !== undefined) policy.ip = values.ip;
  return { ok: true, policy, confDir: values.conf ?? 'conf' };
}
