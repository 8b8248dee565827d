import type { ResolvedEnvironment } from '../../config/model.js';
import { InputError } from '../../errors.js';
import { registerRpcUrl } from '../../redact.js';

/**
 * An RPC URL as the transport uses it. Node's fetch refuses URLs with credentials (and would quote
 * the whole URL in its error), so userinfo becomes an `Authorization: Basic` header, which is what
 * node providers that hand out `https://user:password@host/` expect.
 */

export interface RpcEndpoint {
  /** The URL without userinfo: what is fetched. */
  url: string;
  /** Request headers carrying the credentials, if the URL had any. */
  headers: Record<string, string>;
}

/** `Basic base64(user:password)` from a URL's (percent-encoded) userinfo. */
export function basicAuthorization(username: string, password: string): string {
  const decode = (value: string) => {
    try {
      return decodeURIComponent(value);
    } catch {
      return value; // a stray % is taken literally, as the provider would have to
    }
  };
  const user = decode(username);
  const pass = decode(password);
  return `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
}

/** Why a value is not a usable RPC URL, never quoting it; undefined when it is one. */
export function rpcUrlProblem(value: string): string | undefined {
  // "host:8545" parses with the scheme "host:": without "://" there is no scheme to speak of.
  if (!value.includes('://')) return 'has no scheme (like https://)';
  let parsed: URL;
  try {
    parsed = new URL(value.trim());
  } catch {
    return 'is not a URL (a scheme like https://, a host, a port of at most 65535)';
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    return `is a ${parsed.protocol.replace(/:$/, '')} URL; only http and https are supported`;
  }
  if (!parsed.hostname) return 'has no host';
  return undefined;
}

/** The URL to fetch and its headers; throws (without the value) when the URL is not http(s). */
export function rpcEndpoint(value: string): RpcEndpoint {
  const problem = rpcUrlProblem(value);
  if (problem) throw new InputError(`the RPC URL ${problem}`);
  const parsed = new URL(value.trim());
  if (!parsed.username && !parsed.password) return { url: value.trim(), headers: {} };
  const authorization = basicAuthorization(parsed.username, parsed.password);
  parsed.username = '';
  parsed.password = '';
  return { url: parsed.href, headers: { authorization } };
}

/** RPC URLs by network from the environment variables the environment file names. */
export function rpcUrlsFromEnv(
  env: ResolvedEnvironment,
  variables: Record<string, string | undefined> = process.env,
): Record<string, string | undefined> {
  return Object.fromEntries(
    env.networks.map((n) => {
      const url = variables[n.rpcUrlEnv]?.trim() || undefined;
      // Read means registered: from here on no output of the process can carry it.
      registerRpcUrl(url);
      return [n.name, url];
    }),
  );
}

/**
 * A configuration error for an RPC URL that is set but not an http(s) URL (a missing scheme,
 * say), naming the variable; undefined when fine or unset (unset is reported by the sweep). The
 * value is never quoted: it may carry an API key.
 */
export function networkRpcUrlProblem(
  url: string | undefined,
  network: { name: string; rpcUrlEnv: string },
): string | undefined {
  if (url === undefined) return undefined;
  const problem = rpcUrlProblem(url);
  // Named by its variable, never by its value: the value may carry credentials.
  return problem
    ? `${network.name}: the environment variable ${network.rpcUrlEnv} does not hold an http:// or https:// URL (it ${problem}): set it to the full URL of the JSON-RPC endpoint, like https://host/path`
    : undefined;
}

/** A variable `rpcUrlEnv` may name: upper case, ending in `_RPC_URL`. */
const RPC_URL_NAME = /^[A-Z][A-Z0-9_]*_RPC_URL$/;

/**
 * The `NAME_RPC_URL=url` lines of one secret (`NOMAD_RPC_URLS`, the keymaster action's `rpc-urls`
 * input): blank lines and `#` comments are skipped; any other line is ignored and reported by its
 * number only, since it may hold a secret. Pure.
 */
export function parseRpcUrlLines(text: string): {
  vars: Record<string, string>;
  ignored: number[];
} {
  const vars: Record<string, string> = {};
  const ignored: number[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const eq = line.indexOf('=');
    const name = eq > 0 ? line.slice(0, eq).trim() : '';
    const value = eq > 0 ? line.slice(eq + 1).trim() : '';
    if (RPC_URL_NAME.test(name) && value !== '') vars[name] = value;
    else ignored.push(index + 1);
  });
  return { vars, ignored };
}
