import type { Change, ChangeDraft } from '../../src/plan/change.js';
import { iamPlanJson } from '../../src/report/iam.js';
import type { KeysJson } from '../../src/report/keys.js';
import type { IamPlanJson } from '../../src/report/plan-json.js';

/** Plans shaped as the provision-keys and apply-iam actions output them, for the report tests. */

const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');

export function keysPlan(
  env: string,
  count: number,
  options: { create?: number; networks?: string[] } = {},
): KeysJson {
  const networks = options.networks ?? ['hoodi', 'moonbasealpha', 'chiado', 'sepolia'];
  const names = ['updater-signer', 'updater-attestation', 'watcher-signer', 'watcher-attestation'];
  const create = options.create ?? 0;
  const keys: KeysJson['keys'] = [];
  for (let i = 0; i < count; i++) {
    const network = `${networks[i % networks.length]}${Math.floor(i / (networks.length * names.length)) || ''}`;
    const keyName = names[Math.floor(i / networks.length) % names.length]!;
    const alias = `alias/${env}-${network}-${keyName}`;
    const made = i >= count - create;
    const keyId = made ? '' : `${hex(i, 8)}-1234-5678-9abc-${hex(i, 12)}`;
    keys.push({
      alias,
      region: 'us-west-2',
      keyId,
      arn: made ? '' : `arn:aws:kms:us-west-2:210987654321:key/${keyId}`,
      description: `${env} ${network} ${keyName}`,
      address: made ? '' : `0x${hex(i, 40)}`,
      status: made ? 'create' : 'exists',
      network,
      keyName,
      purpose: keyName.endsWith('attestation') ? 'attestation' : 'signer',
      store: 'kms',
    });
  }
  return { ok: true, keys, attestation: [] };
}

/** Policy updates as IAM plans them. */
export function iamChanges(updates: string[]): Change[] {
  return updates.map((name) => ({
    kind: 'iam-policy',
    id: name,
    action: 'update',
    reason: 'document differs',
    detail: { diff: `- "kms:Sign"\n+ "kms:GetPublicKey"` },
  }));
}

/** An IAM (or bucket) plan as the apply-iam action outputs it, written by the real writer. */
export function iamPlan(updates: string[], extra: ChangeDraft<unknown>[] = []): IamPlanJson {
  return iamPlanJson({ ok: true, changes: [...iamChanges(updates), ...extra] });
}
