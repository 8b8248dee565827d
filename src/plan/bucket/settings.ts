import type { BucketState, CorsRule } from '../../aws/s3.js';
import type { S3Step } from '../../aws/s3-steps.js';
import type { BucketSpec } from '../../inventory/types.js';
import type { ChangeDraft } from '../change.js';
import { diffLines } from '../policy-document.js';

/**
 * The bucket settings compared one by one after the bucket itself (bucket.ts): CORS, versioning
 * and default encryption. One Change each, so a reviewer sees exactly which one drifted. The
 * proofs bucket has CORS and neither of the others; the Keymaster's state bucket has no CORS
 * and is versioned and encrypted.
 */

export interface SettingDetail {
  diff?: string;
  changes?: string[];
}

type Add = (change: ChangeDraft<SettingDetail>, steps?: S3Step[]) => void;
type Existing = Extract<BucketState, { foreign: false }>;

/** CORS rules compared with methods, origins and headers as sets; rule order kept (first match wins). */
export function canonicalCors(rules: CorsRule[]): CorsRule[] {
  const set = (xs: string[] | undefined) => [...new Set(xs ?? [])].sort();
  return rules.map((r) => ({
    AllowedMethods: set(r.AllowedMethods),
    AllowedOrigins: set(r.AllowedOrigins),
    ...(r.AllowedHeaders?.length ? { AllowedHeaders: set(r.AllowedHeaders) } : {}),
    ...(r.ExposeHeaders?.length ? { ExposeHeaders: set(r.ExposeHeaders) } : {}),
    ...(r.MaxAgeSeconds !== undefined ? { MaxAgeSeconds: r.MaxAgeSeconds } : {}),
  }));
}

const corsText = (rules: CorsRule[] | undefined) =>
  rules === undefined || rules.length === 0
    ? []
    : JSON.stringify(canonicalCors(rules), null, 2).split('\n');

/** Settings of a bucket about to be created: only those it wants. */
export function planNewSettings(spec: BucketSpec, add: Add): void {
  const name = spec.name;
  const cors = canonicalCors(spec.cors);
  if (cors.length > 0) {
    add(
      {
        kind: 's3-bucket-cors',
        id: name,
        action: 'create',
        reason: 'new bucket',
        detail: { diff: diffLines([], corsText(cors)) },
      },
      [{ op: 'putBucketCors', bucket: name, rules: cors }],
    );
  }
  if (spec.versioning) {
    add({ kind: 's3-bucket-versioning', id: name, action: 'create', reason: 'new bucket' }, [
      { op: 'enableVersioning', bucket: name },
    ]);
  }
  if (spec.encryption) {
    add(
      {
        kind: 's3-bucket-encryption',
        id: name,
        action: 'create',
        reason: `new bucket: ${spec.encryption}`,
      },
      [{ op: 'putDefaultEncryption', bucket: name, algorithm: spec.encryption }],
    );
  }
}

/** Settings of an existing bucket, each compared with what is wanted. */
export function planSettings(spec: BucketSpec, state: Existing, add: Add): void {
  const name = spec.name;
  const cors = canonicalCors(spec.cors);
  const corsDiff = diffLines(corsText(state.cors), corsText(cors));
  if (corsDiff === '') {
    add({ kind: 's3-bucket-cors', id: name, action: 'exists', reason: 'CORS as wanted' });
  } else {
    add(
      {
        kind: 's3-bucket-cors',
        id: name,
        action: state.cors === undefined ? 'create' : 'update',
        reason: state.cors === undefined ? 'no CORS configuration' : 'CORS rules differ',
        detail: { diff: corsDiff },
      },
      [
        cors.length === 0
          ? { op: 'deleteBucketCors', bucket: name }
          : { op: 'putBucketCors', bucket: name, rules: cors },
      ],
    );
  }
  if (spec.versioning) {
    add(
      state.versioning === 'Enabled'
        ? { kind: 's3-bucket-versioning', id: name, action: 'exists', reason: 'versioning on' }
        : {
            kind: 's3-bucket-versioning',
            id: name,
            action: 'update',
            reason: `versioning ${state.versioning ?? 'never enabled'} → Enabled`,
          },
      state.versioning === 'Enabled' ? [] : [{ op: 'enableVersioning', bucket: name }],
    );
  }
  if (spec.encryption) {
    const ok = state.encryption === spec.encryption || state.encryption === 'aws:kms';
    add(
      ok
        ? {
            kind: 's3-bucket-encryption',
            id: name,
            action: 'exists',
            reason: `${state.encryption}`,
          }
        : {
            kind: 's3-bucket-encryption',
            id: name,
            action: 'update',
            reason: `default encryption ${state.encryption ?? 'none'} → ${spec.encryption}`,
          },
      ok ? [] : [{ op: 'putDefaultEncryption', bucket: name, algorithm: spec.encryption }],
    );
  }
}
