import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterEach, describe, expect, it } from 'vitest';
import { walletFromSecret } from '../../src/signer/hex-signer.js';
import {
  clearSecrets,
  maskableSecrets,
  MIN_SUBSTRING_SECRET_LENGTH,
  redact,
  redactData,
  redactJson,
  registerEnvironmentSecrets,
  registerRpcUrl,
  registerSecret,
  sensitivePartsOfUrl,
} from '../../src/redact.js';
import {
  basicAuthorization,
  rpcEndpoint,
  rpcUrlProblem,
  networkRpcUrlProblem,
} from '../../src/keymaster/rpc/url.js';

afterEach(() => clearSecrets());

describe('sensitivePartsOfUrl', () => {
  it('takes userinfo, key-like path segments and query values, not the host', () => {
    const parts = sensitivePartsOfUrl(
      'https://alice:s3cr%40t@rpc.example.com/v3/0123456789abcdef?apikey=qqq111&chain=eth',
    );
    expect(parts).toEqual(
      expect.arrayContaining(['alice', 's3cr%40t', 's3cr@t', '0123456789abcdef', 'qqq111']),
    );
    expect(parts.some((p) => p.includes('rpc.example.com'))).toBe(false);
    expect(parts).not.toContain('v3'); // short, and kept so messages stay readable
  });

  it('cuts a URL that does not parse into its key-like pieces', () => {
    const parts = sensitivePartsOfUrl('https://node.example.com:99999/v3/KEYkey0123456789');
    expect(parts).toContain('KEYkey0123456789');
    expect(sensitivePartsOfUrl('u:passw0rd@host.example/x/abcdefgh12')).toEqual(
      expect.arrayContaining(['u:passw0rd', 'passw0rd', 'abcdefgh12']),
    );
  });
});

describe('redact', () => {
  it('keeps scheme and host of a registered URL and removes its parts wherever they appear', () => {
    const url = 'https://alice:pa55word@rpc.example.com/v2/abcdefghijklmnopqrstuvwx';
    registerRpcUrl(url);
    const fetchError = `Request cannot be constructed from a URL that includes credentials: ${url}`;
    expect(redact(fetchError)).toBe(
      'Request cannot be constructed from a URL that includes credentials: https://rpc.example.com/…',
    );
    expect(redact(`bad password pa55word for alice`)).toBe('bad password *** for ***');
    expect(redact(new URL(url).href.replace('alice', 'bob'))).not.toContain(
      'abcdefghijklmnopqrstuvwx',
    );
    // The Basic header the transport sends is the same credential.
    const header = basicAuthorization('alice', 'pa55word');
    expect(redact(header)).toBe('Basic ***');
  });

  it('removes registered secrets and the secret variables of an environment', () => {
    registerSecret('0x' + 'ab'.repeat(32));
    registerEnvironmentSecrets({
      AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE',
      ETHEREUM_RPC_URL: 'https://eth.example.com/?key=zzz999',
      HOME: '/home/someone',
    });
    expect(
      redact(
        `key 0x${'ab'.repeat(32)} secret wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY zzz999 /home/someone AKIAEXAMPLE`,
      ),
    ).toBe('key *** secret *** *** /home/someone AKIAEXAMPLE');
  });

  it('leaves text alone when nothing is registered, and ignores values too short to be secrets', () => {
    expect(redact('https://a:b@c/')).toBe('https://a:b@c/');
    registerSecret('abc');
    expect(redact('abc abc')).toBe('abc abc');
  });
});

describe('a secret shorter than MIN_SUBSTRING_SECRET_LENGTH', () => {
  const secret = 'test';
  // As a command prints it, with a number more precise than a double (never re-serialised).
  const json = `{
  "attestation": [{ "alias": "alias/staging-kovan-watcher-attestation", "test": 1 }],
  "secret": "${secret}",
  "note": "refused ${secret} here",
  "big": 12345678901234567890
}`;

  it('is 8 characters: a four-character emulator secret is short', () => {
    expect(MIN_SUBSTRING_SECRET_LENGTH).toBe(8);
    expect(secret.length).toBeLessThan(MIN_SUBSTRING_SECRET_LENGTH);
  });

  it('is never replaced inside a word, a key or a name', () => {
    registerEnvironmentSecrets({ AWS_SECRET_ACCESS_KEY: secret });
    expect(redact('alias/staging-kovan-watcher-attestation')).toBe(
      'alias/staging-kovan-watcher-attestation',
    );
    expect(redact('latest tests: contest')).toBe('latest tests: contest');
    // Standing whole in text, it is replaced.
    expect(redact(`secret "${secret}" refused`)).toBe('secret "***" refused');
  });

  it('is replaced in JSON only where a string value carries it; keys and layout stay', () => {
    registerEnvironmentSecrets({ AWS_SECRET_ACCESS_KEY: secret });
    const safe = redactJson(json);
    expect(safe).toBe(
      json
        .replace(`"secret": "test"`, '"secret": "***"')
        .replace('refused test here', 'refused *** here'),
    );
    const parsed = JSON.parse(safe) as Record<string, unknown>;
    expect(Object.keys(parsed)).toEqual(['attestation', 'secret', 'note', 'big']);
    expect(parsed.attestation).toEqual([
      { alias: 'alias/staging-kovan-watcher-attestation', test: 1 },
    ]);
    // Numbers are not re-serialised (this one has more digits than a double keeps).
    expect(safe).toContain('12345678901234567890');
    expect(redactData({ test: secret, list: [secret, 'attestation'] })).toEqual({
      test: '***',
      list: ['***', 'attestation'],
    });
  });

  it('is not given to the runner to mask (it masks substrings and drops outputs holding one)', () => {
    const values = registerEnvironmentSecrets({
      AWS_SECRET_ACCESS_KEY: secret,
      AWS_SESSION_TOKEN: 'a-long-session-token-value',
    });
    expect(values).toContain(secret);
    expect(maskableSecrets(values)).toEqual(['a-long-session-token-value']);
  });

  it('a long secret is still replaced inside JSON values and words', () => {
    registerSecret('s3cretLongValue');
    expect(redactJson('{"s3cretLongValue": "x-s3cretLongValue-y"}')).toBe(
      '{"s3cretLongValue": "x-***-y"}',
    );
  });
});

describe('rpcEndpoint', () => {
  it('sends userinfo as a Basic header and fetches the URL without it', () => {
    expect(rpcEndpoint('https://us%40er:p%3Ass@rpc.example.com/v3/k')).toEqual({
      url: 'https://rpc.example.com/v3/k',
      headers: { authorization: `Basic ${Buffer.from('us@er:p:ss').toString('base64')}` },
    });
    expect(rpcEndpoint('http://127.0.0.1:8545')).toEqual({
      url: 'http://127.0.0.1:8545',
      headers: {},
    });
  });

  it('names what is wrong with a value that is not an http(s) URL, never the value', () => {
    const bad = [
      'https://node.example.com:99999/v3/SECRETKEY123',
      'node.example.com/v3/SECRETKEY123',
      'wss://node.example.com/v3/SECRETKEY123',
      'file:///etc/SECRETKEY123',
    ];
    for (const value of bad) {
      const problem = rpcUrlProblem(value);
      expect(problem, value).toBeDefined();
      expect(problem).not.toContain('SECRETKEY123');
      expect(() => rpcEndpoint(value)).toThrow(/the RPC URL /);
      const alpha = { name: 'alpha', rpcUrlEnv: 'ALPHA_RPC_URL' };
      const reason = networkRpcUrlProblem(value, alpha)!;
      expect(reason).toContain('ALPHA_RPC_URL');
      expect(reason).not.toContain('SECRETKEY123');
    }
    const alpha = { name: 'alpha', rpcUrlEnv: 'ALPHA_RPC_URL' };
    expect(networkRpcUrlProblem('https://ok.example.com', alpha)).toBeUndefined();
  });
});

describe('the host of an RPC URL', () => {
  it('is never taken for a secret, so messages still say where a request went', () => {
    for (const url of [
      'http://leakuser77:pw@127.0.0.1:41579/rpc',
      'https://node.example.invalid:99999/v3/mk4G7hJ2kL9pQ3',
      'https://mainnet-archive-node-01.example.com/v3/0123456789abcdef',
    ]) {
      const host = url.replace(/^.*?\/\/(?:[^@/]*@)?([^:/]+).*$/, '$1');
      expect(sensitivePartsOfUrl(url), url).not.toContain(host);
      clearSecrets();
      registerRpcUrl(url);
      expect(redact(`could not reach ${host}`)).toBe(`could not reach ${host}`);
    }
  });
});

describe('a GetSecretValue answer that is not JSON', () => {
  it('is named by its kind, never by the parser message that quotes the key', async () => {
    const parserError = Object.assign(
      new SyntaxError(`Unexpected token 'A', ..."etString":AB12CD34EF"... is not valid JSON`),
      { $metadata: {} },
    );
    const secrets = {
      send: () => Promise.reject(parserError),
    } as unknown as SecretsManagerClient;
    const thrown = (await walletFromSecret(secrets, 'nomad/development/bank/key').catch(
      (e: unknown) => e,
    )) as Error;
    expect(thrown.message).toMatch(
      /^secret nomad\/development\/bank\/key is not the expected JSON\/hex key/,
    );
    expect(thrown.message).not.toContain('AB12CD');
    expect(thrown.cause).toBeUndefined();
  });
});
