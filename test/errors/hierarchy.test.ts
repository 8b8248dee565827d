import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Wallet, id } from 'ethers';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/errors.js';
import { subjectPrefixFor } from '../../src/config/github-subject.js';
import {
  InputError,
  NomadOpsError,
  OperationError,
  awsErrorName,
  errorMessage,
  exitCodeOf,
} from '../../src/errors.js';
import { uncompressedPointFromSpki } from '../../src/eth/address.js';
import { DerError } from '../../src/eth/der.js';
import { SignatureRecoveryError, ethereumSignatureFromDer } from '../../src/eth/der-signature.js';
import * as library from '../../src/index.js';
import { HexKeySecretError, walletFromHexKey } from '../../src/signer/hex-signer.js';
import {
  KmsSignerError,
  SignerMismatchError,
  kmsSignerError,
} from '../../src/signer/kms-errors.js';
import { derSignature } from '../eth/der-encode.js';

type ErrorClass = abstract new (...args: never[]) => Error;

/** What was thrown by `run`; fails the test if nothing was. */
function thrownBy(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('the error hierarchy', () => {
  it('gives input errors exit code 2 and operation errors exit code 1, both NomadOpsErrors', () => {
    const input = new InputError('bad flag');
    const operation = new OperationError('AWS said no');
    expect(input).toBeInstanceOf(NomadOpsError);
    expect(input).toBeInstanceOf(Error);
    expect(input).not.toBeInstanceOf(OperationError);
    expect(operation).toBeInstanceOf(NomadOpsError);
    expect(operation).not.toBeInstanceOf(InputError);
    expect([input.exitCode, exitCodeOf(input)]).toEqual([2, 2]);
    expect([operation.exitCode, exitCodeOf(operation)]).toEqual([1, 1]);
  });

  it('names each error after its class, subclasses included', () => {
    class WidgetMissing extends OperationError {}
    expect(new InputError('x').name).toBe('InputError');
    expect(new OperationError('x').name).toBe('OperationError');
    expect(new WidgetMissing('x').name).toBe('WidgetMissing');
    expect(String(new WidgetMissing('no widget'))).toBe('WidgetMissing: no widget');
  });

  it('keeps the cause it is given', () => {
    const cause = new Error('socket hang up');
    expect(new OperationError('KMS Sign failed', { cause }).cause).toBe(cause);
  });

  it('treats anything else thrown as an operation failure (exit 1)', () => {
    for (const thrown of [new Error('x'), new TypeError('x'), 'text', 42, undefined, null, {}]) {
      expect(exitCodeOf(thrown)).toBe(1);
    }
  });

  it('gives one line of message for anything thrown, Error or not', () => {
    expect(errorMessage(new InputError('no environment given'))).toBe('no environment given');
    expect(errorMessage(new RangeError('out of range'))).toBe('out of range');
    expect(errorMessage('a thrown string')).toBe('a thrown string');
    expect(errorMessage(42)).toBe('42');
    expect(errorMessage(undefined)).toBe('undefined');
    expect(errorMessage(null)).toBe('null');
    // A look-alike is not an Error: its message field is not trusted to be a string.
    expect(errorMessage({ message: 'look-alike' })).toBe('[object Object]');
  });
});

describe('awsErrorName', () => {
  it('reads the error code an SDK error carries as its name, Error or plain object', () => {
    const sdkError = Object.assign(new Error('Alias not found'), { name: 'NotFoundException' });
    expect(awsErrorName(sdkError)).toBe('NotFoundException');
    expect(awsErrorName({ name: 'NoSuchEntity', $metadata: {} })).toBe('NoSuchEntity');
    expect(awsErrorName(new TypeError('x'))).toBe('TypeError');
  });

  it('is undefined for anything without a string name', () => {
    expect(awsErrorName(undefined)).toBeUndefined();
    expect(awsErrorName('ThrottlingException')).toBeUndefined();
    expect(awsErrorName({ name: 429 })).toBeUndefined();
    expect(awsErrorName({ message: 'no name' })).toBeUndefined();
  });
});

describe('domain errors', () => {
  const someone = new Wallet(id('hierarchy test key')).address;

  // Each produced by the code that throws it, so a class that leaves its branch shows up here.
  const cases: [string, () => unknown, typeof InputError | typeof OperationError, ErrorClass][] = [
    [
      'a public key that is not DER',
      () => thrownBy(() => uncompressedPointFromSpki(new Uint8Array([0x30, 0x05]))),
      OperationError,
      DerError,
    ],
    [
      'a signature from another key',
      () => thrownBy(() => ethereumSignatureFromDer(id('digest'), derSignature(1n, 1n), someone)),
      OperationError,
      SignatureRecoveryError,
    ],
    [
      'a failed KMS call',
      () => kmsSignerError(new Error('AccessDenied'), 'alias/dev-bank', 'Sign'),
      OperationError,
      KmsSignerError,
    ],
    [
      'a secret that holds no hex key',
      () => thrownBy(() => walletFromHexKey('not a key', 'dev/bank')),
      OperationError,
      HexKeySecretError,
    ],
    [
      'a transaction from another address',
      () => new SignerMismatchError(someone, 'alias/dev-bank', '0x' + '00'.repeat(20)),
      InputError,
      SignerMismatchError,
    ],
    [
      'an OIDC subject prefix of another repository',
      () => thrownBy(() => subjectPrefixFor('nomad-xyz/ops', 'repo:someone/else')),
      InputError,
      ConfigError,
    ],
  ];

  it.each(cases.map(([what, make, branch, domain]) => ({ what, make, branch, domain })))(
    '$what: $domain.name, an $branch.name',
    ({ make, branch, domain }) => {
      const error = make();
      expect(error).toBeInstanceOf(domain);
      expect(error).toBeInstanceOf(branch);
      expect(exitCodeOf(error)).toBe(branch === InputError ? 2 : 1);
      expect((error as Error).name).toBe(domain.name);
    },
  );
});

describe('the source', () => {
  it('throws no built-in error class and reads none as bad input: validation throws InputError', () => {
    const src = path.resolve(import.meta.dirname, '../../src');
    const found = readdirSync(src, { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.ts'))
      .flatMap((file) =>
        readFileSync(path.join(src, file), 'utf8')
          .split('\n')
          .flatMap((line, i) =>
            /(throw new|instanceof) (RangeError|TypeError|SyntaxError)\b/.test(line)
              ? [`src/${file}:${i + 1}`]
              : [],
          ),
      );
    expect(found).toEqual([]);
  });
});

describe('the library', () => {
  it('exports the hierarchy from its main entry', () => {
    expect(library.NomadOpsError).toBe(NomadOpsError);
    expect(library.InputError).toBe(InputError);
    expect(library.OperationError).toBe(OperationError);
    expect(library.errorMessage).toBe(errorMessage);
    expect(library.exitCodeOf).toBe(exitCodeOf);
  });

  it('exports no error class outside the hierarchy', () => {
    const errorClasses = Object.entries(library).filter(
      ([, value]) => typeof value === 'function' && value.prototype instanceof Error,
    );
    expect(errorClasses.map(([name]) => name)).toEqual(
      expect.arrayContaining(['ConfigError', 'DerError', 'KmsSignerError', 'HexKeySecretError']),
    );
    const outside = errorClasses
      .filter(([, value]) => !((value as ErrorClass).prototype instanceof NomadOpsError))
      .map(([name]) => name)
      .filter((name) => name !== 'NomadOpsError');
    expect(outside).toEqual([]);
  });
});
