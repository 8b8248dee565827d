import { describe, expect, it } from 'vitest';
import {
  PolicyDocumentError,
  canonicalPolicy,
  diffPolicies,
  parsePolicyDocument,
  renderPolicy,
  samePolicy,
} from '../../src/plan/policy-document.js';

const signer = {
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'Sign',
      Effect: 'Allow',
      Action: ['kms:Sign', 'kms:GetPublicKey'],
      Resource: 'arn:aws:kms:us-west-2:210987654321:key/*',
      Condition: {
        'ForAnyValue:StringLike': { 'kms:ResourceAliases': 'alias/staging-*-processor-*' },
      },
    },
    { Sid: 'List', Effect: 'Allow', Action: 'kms:ListAliases', Resource: '*' },
  ],
};

describe('parsePolicyDocument', () => {
  it('reads the URL-encoded text real IAM returns and the plain text moto returns alike', () => {
    const plain = JSON.stringify(signer);
    const encoded = encodeURIComponent(plain);
    expect(encoded.startsWith('%7B')).toBe(true);
    expect(parsePolicyDocument(encoded)).toEqual(parsePolicyDocument(plain));
    expect(parsePolicyDocument(plain)).toEqual(signer);
  });

  it('does not URL-decode a plain document that happens to contain a percent sign', () => {
    const doc = {
      Version: '2012-10-17',
      Statement: [{ Sid: 'a%20b', Effect: 'Allow', Action: 'x:Y', Resource: '*' }],
    };
    const parsed = parsePolicyDocument(JSON.stringify(doc)) as {
      Statement: Array<{ Sid: string }>;
    };
    expect(parsed.Statement[0]!.Sid).toBe('a%20b');
  });

  it('says what is wrong with text that is not a document', () => {
    expect(() => parsePolicyDocument('{"Version": ')).toThrow(PolicyDocumentError);
    expect(() => parsePolicyDocument('%E0%A4%A')).toThrow(/neither JSON nor URL-encoded/);
    expect(() => canonicalPolicy('[1,2]')).toThrow(/must be a JSON object/);
    expect(() => canonicalPolicy({ Statement: [{ Effect: 'Allow', Action: 3 }] })).toThrow(
      /Action must hold strings/,
    );
  });
});

describe('samePolicy', () => {
  it('ignores key order, statement order, item order, duplicates and single-item arrays', () => {
    const reshuffled = {
      Statement: [
        {
          Resource: ['*'],
          Action: ['kms:ListAliases', 'kms:ListAliases'],
          Effect: 'Allow',
          Sid: 'List',
        },
        {
          Condition: {
            'ForAnyValue:StringLike': { 'kms:ResourceAliases': ['alias/staging-*-processor-*'] },
          },
          Resource: ['arn:aws:kms:us-west-2:210987654321:key/*'],
          Effect: 'Allow',
          Action: ['kms:GetPublicKey', 'kms:Sign'],
          Sid: 'Sign',
        },
      ],
      Version: '2012-10-17',
    };
    expect(samePolicy(signer, reshuffled)).toBe(true);
    expect(samePolicy(JSON.stringify(signer), encodeURIComponent(JSON.stringify(reshuffled)))).toBe(
      true,
    );
  });

  it('treats a lone Statement object like a one-element array and principal lists as sets', () => {
    const one = {
      Version: '2012-10-17',
      Statement: {
        Effect: 'Allow',
        Principal: { AWS: 'arn:aws:iam::1:root' },
        Action: 's3:GetObject',
        Resource: '*',
      },
    };
    const many = {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: ['arn:aws:iam::1:root'] },
          Action: ['s3:GetObject'],
          Resource: ['*'],
        },
      ],
    };
    expect(samePolicy(one, many)).toBe(true);
  });

  it('compares condition values as strings and as sets', () => {
    const a = {
      Statement: [
        {
          Effect: 'Deny',
          Action: '*',
          Resource: '*',
          Condition: { Bool: { 'aws:SecureTransport': false } },
        },
      ],
    };
    const b = {
      Statement: [
        {
          Effect: 'Deny',
          Action: '*',
          Resource: '*',
          Condition: { Bool: { 'aws:SecureTransport': ['false'] } },
        },
      ],
    };
    expect(samePolicy(a, b)).toBe(true);
  });

  it('sees every change that matters', () => {
    const withCondition = (pattern: string) => ({
      ...signer,
      Statement: [
        {
          ...signer.Statement[0]!,
          Condition: { 'ForAnyValue:StringLike': { 'kms:ResourceAliases': pattern } },
        },
        signer.Statement[1]!,
      ],
    });
    expect(samePolicy(signer, withCondition('alias/staging-processor*'))).toBe(false);
    expect(samePolicy(signer, { ...signer, Statement: [signer.Statement[0]!] })).toBe(false);
    expect(
      samePolicy(signer, {
        ...signer,
        Statement: [{ ...signer.Statement[1]!, Effect: 'Deny' }, signer.Statement[0]!],
      }),
    ).toBe(false);
    expect(
      samePolicy(signer, {
        ...signer,
        Statement: [{ ...signer.Statement[1]!, Sid: 'Other' }, signer.Statement[0]!],
      }),
    ).toBe(false);
    const { Version: _v, ...noVersion } = signer;
    expect(samePolicy(signer, noVersion)).toBe(false);
    const star = {
      Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: '*' }],
    };
    const aws = {
      Statement: [
        { Effect: 'Allow', Principal: { AWS: '*' }, Action: 's3:GetObject', Resource: '*' },
      ],
    };
    expect(samePolicy(star, aws)).toBe(false);
  });
});

describe('renderPolicy and diffPolicies', () => {
  it('renders keys in reading order: Version, Statement; Sid, Effect, Action, Resource, Condition', () => {
    const text = renderPolicy(JSON.stringify(signer));
    const at = (s: string) => text.indexOf(s);
    expect(at('"Version"')).toBeLessThan(at('"Statement"'));
    expect(at('"Sid": "List"')).toBeLessThan(at('"Effect"'));
    expect(at('"Action"')).toBeLessThan(at('"Resource"'));
  });

  it('is empty for equal documents however they are written', () => {
    expect(diffPolicies(encodeURIComponent(JSON.stringify(signer)), signer)).toBe('');
  });

  it('shows the changed lines with - and + and a little context', () => {
    const drifted = JSON.parse(JSON.stringify(signer)) as typeof signer;
    drifted.Statement[0]!.Action = ['kms:Sign', 'kms:GetPublicKey', 'kms:Decrypt'];
    const diff = diffPolicies(drifted, signer);
    const lines = diff.split('\n');
    expect(lines.filter((l) => l.startsWith('- '))).toEqual(['-         "kms:Decrypt",']);
    expect(lines.filter((l) => l.startsWith('+ '))).toEqual([]);
    expect(diff).toContain('  …');
    expect(lines.length).toBeLessThan(renderPolicy(signer).split('\n').length);
  });

  it('shows a whole new document as additions', () => {
    const diff = diffPolicies(undefined, signer);
    expect(diff.split('\n').every((l) => l.startsWith('+ '))).toBe(true);
    expect(diff.split('\n')).toHaveLength(renderPolicy(signer).split('\n').length);
  });
});
