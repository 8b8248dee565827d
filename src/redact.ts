/**
 * The one place where the run's secret values are known, and the one step that removes them from
 * text. Everything the toolkit writes (console, JSON, action outputs, summaries, comments, log
 * lines, files) passes through `redact` on its way out, whatever library produced the text: an
 * error from fetch, the AWS SDK or ethers can quote a URL or a value, and this is where it stops.
 *
 * The registry is filled where secrets are read: RPC URLs (`registerRpcUrl`, with their parts:
 * userinfo, path segments that look like keys, query values), AWS credentials from the
 * environment, and secret strings read from AWS (`registerSecret`). It is process-wide because a
 * secret read anywhere in the process must be removed from every output of the process.
 */

import { errorMessage } from './errors.js';

/** Shorter values are not registered: replacing "1" or "eth" anywhere would destroy messages. */
export const MIN_SECRET_LENGTH = 4;

/**
 * The shortest secret replaced wherever it appears, inside words too. A shorter one (an emulator's
 * `AWS_SECRET_ACCESS_KEY=test`, a four-letter RPC password) would rewrite every word holding it
 * (`attestation`), so it is replaced only where it stands whole: a whole string value of
 * structured output, or a whole token of text (not next to a letter, digit or any of
 * `_ + / = . @ : % ~ -`). Nor is it given to the runner to mask (`maskableSecrets`): the runner
 * masks substrings and drops every output that holds one.
 */
export const MIN_SUBSTRING_SECRET_LENGTH = 8;

/** What a removed value becomes in text. */
export const REDACTED = '***';

/** value -> what replaces it (a URL keeps its scheme and host; anything else becomes ***). */
const registry = new Map<string, string>();
/** Secrets from MIN_SECRET_LENGTH to MIN_SUBSTRING_SECRET_LENGTH - 1 characters: whole only. */
const shortSecrets = new Set<string>();
let pattern: RegExp | undefined;

function add(value: string | undefined, replacement = REDACTED): boolean {
  if (value === undefined) return false;
  const trimmed = value.trim();
  if (trimmed.length < MIN_SECRET_LENGTH || registry.has(trimmed) || shortSecrets.has(trimmed)) {
    return false;
  }
  if (trimmed.length < MIN_SUBSTRING_SECRET_LENGTH) shortSecrets.add(trimmed);
  else registry.set(trimmed, replacement);
  pattern = undefined;
  return true;
}

/** The values the runner may mask (`::add-mask::`): only those replaced as substrings here. */
export function maskableSecrets(values: readonly string[]): string[] {
  return values.filter((v) => v.trim().length >= MIN_SUBSTRING_SECRET_LENGTH);
}

function decoded(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** Registers a secret value (a key read from AWS, a credential); returns whether it was new. */
export function registerSecret(value: string | undefined): boolean {
  return add(value);
}

/**
 * A path segment that probably is an API key (`/v3/<key>`, `/v2/<key>`, `/<project-id>`): long,
 * or of some length with a digit in it. `eth`, `rpc`, `v3`, `mainnet` are not.
 */
export function looksLikeKey(segment: string): boolean {
  return segment.length >= 20 || (segment.length >= 8 && /[0-9]/.test(segment));
}

/** What a URL may show in a message: scheme and host, `/…` when it has a path. */
export function displayUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname === '/' || parsed.pathname === '' ? '' : '/…'}`;
  } catch {
    return '<invalid URL>';
  }
}

/**
 * The secret parts of an RPC URL (pure): user, password and `user:password` (encoded and decoded), path segments that look like keys,
 * every query value. A URL that does not parse (a port of 99999, no scheme) is cut at every
 * delimiter and its key-like pieces are taken, so even a broken URL leaves nothing behind.
 */
export function sensitivePartsOfUrl(url: string): string[] {
  const parts = new Set<string>();
  const raw = url.trim();
  let parsed: URL | undefined;
  try {
    parsed = new URL(raw);
  } catch {
    parsed = undefined;
  }
  if (parsed) {
    for (const value of [parsed.username, parsed.password]) {
      if (value) [value, decoded(value)].forEach((v) => parts.add(v));
    }
    if (parsed.username || parsed.password) {
      const pair = `${decoded(parsed.username)}:${decoded(parsed.password)}`;
      parts.add(`${parsed.username}:${parsed.password}`);
      parts.add(pair);
      // The Basic header the transport sends is the same credential.
      parts.add(Buffer.from(pair).toString('base64'));
    }
    for (const segment of parsed.pathname.split('/')) {
      if (looksLikeKey(segment) || looksLikeKey(decoded(segment))) {
        [segment, decoded(segment)].forEach((v) => parts.add(v));
      }
    }
    for (const [, value] of parsed.searchParams) parts.add(value);
    for (const piece of parsed.search.slice(1).split('&')) {
      const value = piece.slice(piece.indexOf('=') + 1);
      if (piece.includes('=') && value) parts.add(value);
    }
    if (parsed.hash.length > 1) parts.add(parsed.hash.slice(1));
  }
  // Also cut at every delimiter: a value that does not parse, or parses as something odd
  // (`user:pass@host` reads as scheme `user:`), still leaves none of its secret pieces behind.
  // The host is no secret: it stays, so a message can say where a request went.
  const rest = raw.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  const authority = rest.slice(0, rest.search(/[/?#]|$/));
  const at = authority.lastIndexOf('@');
  if (at > 0) {
    const userinfo = authority.slice(0, at);
    parts.add(userinfo);
    userinfo.split(':').forEach((v) => parts.add(v));
  }
  for (const piece of rest.slice(authority.length).split(/[/?#&=@:]/)) {
    if (looksLikeKey(piece) || looksLikeKey(decoded(piece))) parts.add(piece);
  }
  const host = authority.slice(at + 1).replace(/:\d*$/, '');
  for (const name of [host, parsed?.hostname, parsed?.host]) if (name) parts.delete(name);
  return [...parts].filter((p) => p.trim().length >= MIN_SECRET_LENGTH);
}

/**
 * Registers an RPC URL: the whole URL becomes its scheme and host in text, each secret part
 * becomes ***. Returns the values to mask elsewhere (`core.setSecret`): the URL and its parts.
 */
export function registerRpcUrl(url: string | undefined): string[] {
  if (!url?.trim()) return [];
  const raw = url.trim();
  const shown = displayUrl(raw);
  const values = [raw];
  add(raw, shown === '<invalid URL>' ? '<invalid RPC URL>' : shown);
  try {
    const href = new URL(raw).href;
    add(href, shown);
    add(href.replace(/\/$/, ''), shown);
    if (!href.includes(raw)) values.push(href); // a mask of the raw URL already covers raw + '/'
  } catch {
    // not a URL: its parts below still cover it
  }
  for (const part of sensitivePartsOfUrl(raw)) {
    add(part);
    values.push(part);
  }
  return [...new Set(values)];
}

/**
 * Registers what the process's environment holds that must never be printed: the value of every
 * `*_RPC_URL` variable (the only names `rpcUrlEnv` may give) and the AWS secret credentials.
 * Returns the values registered, to mask elsewhere.
 */
export function registerEnvironmentSecrets(vars: Record<string, string | undefined>): string[] {
  const values: string[] = [];
  for (const [name, value] of Object.entries(vars)) {
    if (!value) continue;
    if (/_RPC_URL$/.test(name)) values.push(...registerRpcUrl(value));
    else if (name === 'AWS_SECRET_ACCESS_KEY' || name === 'AWS_SESSION_TOKEN') {
      registerSecret(value);
      values.push(value.trim());
    }
  }
  return values;
}

function escape(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Characters a short secret may not touch to count as standing whole in text. */
const TOKEN_CHAR = 'A-Za-z0-9_+/=.@:%~-';

/**
 * The text with every registered secret replaced (longest first, so a URL wins over its parts);
 * a short secret only where it stands as a whole token.
 */
export function redact(text: string): string {
  if ((registry.size === 0 && shortSecrets.size === 0) || text.length === 0) return text;
  pattern ??= new RegExp(
    [
      ...[...registry.keys()].sort((a, b) => b.length - a.length).map(escape),
      ...[...shortSecrets]
        .sort((a, b) => b.length - a.length)
        .map((v) => `(?<![${TOKEN_CHAR}])${escape(v)}(?![${TOKEN_CHAR}])`),
    ].join('|'),
    'g',
  );
  return text.replace(pattern, (match) => registry.get(match) ?? REDACTED);
}

/** One string value of structured output: *** when it is a secret, else `redact`ed. */
export function redactValue(value: string): string {
  return shortSecrets.has(value.trim()) ? REDACTED : redact(value);
}

/**
 * Structured data with every string value redacted (`redactValue`) and everything else as it
 * was: object keys, numbers, booleans, and strings that carry no secret.
 */
export function redactData<T>(data: T): T {
  if (typeof data === 'string') return redactValue(data) as T;
  if (Array.isArray(data)) return data.map((item: unknown) => redactData(item)) as T;
  if (data && typeof data === 'object') {
    return Object.fromEntries(
      Object.entries(data as Record<string, unknown>).map(([k, v]) => [k, redactData(v)]),
    ) as T;
  }
  return data;
}

/** A JSON string literal, and whether an object key (a `:` follows it). */
const JSON_STRING = /"(?:[^"\\]|\\.)*"(\s*:)?/g;

/**
 * JSON text redacted value by value: each string value that carries a secret is replaced by its
 * redacted value, re-encoded; keys, numbers and layout stay exactly as they were, so the output
 * still parses to the same shape. Text that is not JSON is `redact`ed as text.
 */
export function redactJson(text: string): string {
  try {
    JSON.parse(text);
  } catch {
    return redact(text);
  }
  return text.replace(JSON_STRING, (literal: string, key: string | undefined) => {
    if (key) return literal;
    const value = JSON.parse(literal) as string;
    const safe = redactValue(value);
    return safe === value ? literal : JSON.stringify(safe);
  });
}

/** An error (or anything thrown) as redacted text: its message, never its stack. */
export function errorText(error: unknown): string {
  return redact(errorMessage(error));
}

/** The number of registered values (for tests and diagnostics; never the values). */
export function secretCount(): number {
  return registry.size + shortSecrets.size;
}

/** Forgets every registered value: for tests that run several scenarios in one process. */
export function clearSecrets(): void {
  registry.clear();
  shortSecrets.clear();
  pattern = undefined;
}
