import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { IamState } from '../../src/aws/iam-state.js';
import { loadEnvironmentFile } from '../../src/config/load.js';
import { inventoryFor } from '../../src/inventory/inventory.js';
import type { Inventory, PolicyDocument } from '../../src/inventory/types.js';
import { allows, keyAccessChanges, planKeyAccess } from '../../src/plan/keys/key-access.js';
import { iamJson, iamPlanJson } from '../../src/report/iam.js';
import { reportSections } from '../../src/report/comment/sections.js';
import { iamPlanJsonSchema } from '../../src/report/plan-json.js';
import { keyAccessTable, renderKeyAccessConsole } from '../../src/report/key-access.js';

const loaded = loadEnvironmentFile(resolve(import.meta.dirname, '../../environments/staging.yaml'));
if (!loaded.ok) throw new Error('staging.yaml does not load');
const inventory: Inventory = inventoryFor(loaded.env);
const { iam, accountId } = inventory;

/** IAM as the inventory wants it: every policy with its document, attached where wanted. */
function settledState(): IamState {
  const attached: Record<string, string[]> = {};
  for (const a of iam.attachments) {
    (attached[`${a.target.kind}:${a.target.name}`] ??= []).push(a.policyArn);
  }
  return {
    users: {},
    groups: {},
    inline: {},
    policies: Object.fromEntries(
      iam.policies.map((p) => [
        p.arn,
        {
          arn: p.arn,
          name: p.name,
          tags: p.tags,
          defaultVersionId: 'v1',
          // As real IAM returns it: URL-encoded.
          document: encodeURIComponent(JSON.stringify(p.document)),
          versions: [],
        },
      ]),
    ),
    roles: {},
    oidcProvider: undefined,
    attached,
    attachedPolicyTags: {},
    accessKeys: {},
    leftovers: { users: [], groups: [], policies: [], roles: [], oidcProviders: [] },
  };
}

const doc = (...Statement: PolicyDocument['Statement']): PolicyDocument => ({
  Version: '2012-10-17',
  Statement,
});
const KEY = 'arn:aws:kms:us-west-2:210987654321:key/1';
const aliases = (alias: string) => ({ 'kms:ResourceAliases': [alias] });

describe('allows: the evaluator behind the access table', () => {
  const sign = doc({
    Effect: 'Allow',
    Action: ['kms:GetPublicKey', 'kms:Sign'],
    Resource: 'arn:aws:kms:us-west-2:210987654321:key/*',
    Condition: {
      'ForAnyValue:StringLike': { 'kms:ResourceAliases': ['alias/staging-kovan-relayer-*'] },
    },
  });

  it('matches action, resource and the alias condition', () => {
    expect(allows([sign], 'kms:Sign', KEY, aliases('alias/staging-kovan-relayer-signer'))).toBe(
      true,
    );
    expect(allows([sign], 'kms:Sign', KEY, aliases('alias/staging-goerli-relayer-signer'))).toBe(
      false,
    );
    expect(allows([sign], 'kms:Decrypt', KEY, aliases('alias/staging-kovan-relayer-signer'))).toBe(
      false,
    );
    expect(
      allows(
        [sign],
        'kms:Sign',
        'arn:aws:kms:us-west-2:999999999999:key/1',
        aliases('alias/staging-kovan-relayer-signer'),
      ),
    ).toBe(false);
  });

  it('counts wildcards, NotAction and unknown conditions as access, and lets a Deny win', () => {
    const wide = doc({ Effect: 'Allow', Action: 'kms:*', Resource: '*' });
    expect(allows([wide], 'kms:Sign', KEY, aliases('alias/x'))).toBe(true);
    const notAction = doc({ Effect: 'Allow', NotAction: 'iam:*', Resource: '*' } as never);
    expect(allows([notAction], 'kms:Sign', KEY, aliases('alias/x'))).toBe(true);
    const unknown = doc({
      Effect: 'Allow',
      Action: 'kms:Sign',
      Resource: '*',
      Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } },
    });
    expect(allows([unknown], 'kms:Sign', KEY, aliases('alias/x'))).toBe(true);
    const deny = doc({ Effect: 'Deny', Action: 'kms:Sign', Resource: '*' });
    expect(allows([wide, deny], 'kms:Sign', KEY, aliases('alias/x'))).toBe(false);
  });
});

describe('planKeyAccess', () => {
  it('reports no change when IAM holds what the file wants', () => {
    const access = planKeyAccess(iam, accountId, settledState())!;
    expect(access.map((a) => a.party)).toEqual(['acme', 'blockwatch', 'core team']);
    expect(keyAccessChanges(access)).toBe(false);
    for (const party of access) expect(party.now.sort()).toEqual([...party.wanted].sort());
  });

  it('shows what a party gains and loses, read from the documents attached to it', () => {
    const state = settledState();
    // The signer group still carries a relayer policy from before operators (a leftover).
    const legacy = 'arn:aws:iam::210987654321:policy/staging-relayer-signer';
    state.attached['group:staging-signer']!.push(legacy);
    state.leftovers.policies.push({
      policy: {
        arn: legacy,
        name: 'staging-relayer-signer',
        tags: {},
        defaultVersionId: 'v1',
        document: JSON.stringify(
          doc({
            Effect: 'Allow',
            Action: ['kms:GetPublicKey', 'kms:Sign'],
            Resource: 'arn:aws:kms:us-west-2:210987654321:key/*',
            Condition: {
              'ForAnyValue:StringLike': { 'kms:ResourceAliases': ['alias/staging-*-relayer-*'] },
            },
          }),
        ),
        versions: [],
      },
      entities: [{ kind: 'group', name: 'staging-signer' }],
    });
    // acme's role does not carry its policy yet.
    delete state.attached['role:nomad-ops-staging-operator-acme'];
    const access = planKeyAccess(iam, accountId, state)!;
    const acme = access.find((a) => a.party === 'acme')!;
    expect(acme.now).toEqual([]);
    expect(acme.granted.sort()).toEqual([...acme.wanted].sort());
    expect(acme.uploadsProofs).toEqual({ now: false, wanted: true });
    const core = access.find((a) => a.party === 'core team')!;
    expect(core.revoked).toEqual([
      'alias/staging-kovan-relayer-signer',
      'alias/staging-moonbasealpha-relayer-signer',
      'alias/staging-goerli-relayer-signer',
      'alias/staging-sepolia-relayer-signer',
    ]);
    expect(core.granted).toEqual([]);
    const rows = keyAccessTable(access).rows;
    expect(rows).toContainEqual([
      'core team',
      'group staging-signer',
      'alias/staging-kovan-relayer-signer',
      '− can no longer sign',
    ]);
    expect(rows).toContainEqual([
      'acme',
      'role nomad-ops-staging-operator-acme',
      'proofs bucket',
      '+ can upload proofs',
    ]);
    expect(renderKeyAccessConsole(access)).toContain('Unchanged: blockwatch (');
  });

  it('lists an operator removed from the file, from its leftover policy', () => {
    const state = settledState();
    state.leftovers.policies.push({
      policy: {
        arn: 'arn:aws:iam::210987654321:policy/staging-operator-gone-signer',
        name: 'staging-operator-gone-signer',
        tags: { 'nomad:operator': 'gone' },
        defaultVersionId: 'v1',
        document: JSON.stringify(
          doc({
            Effect: 'Allow',
            Action: 'kms:Sign',
            Resource: 'arn:aws:kms:us-west-2:210987654321:key/*',
            Condition: {
              'ForAnyValue:StringLike': {
                'kms:ResourceAliases': ['alias/staging-kovan-updater-*'],
              },
            },
          }),
        ),
        versions: [],
      },
      entities: [],
    });
    const gone = planKeyAccess(iam, accountId, state)!.find((a) => a.party === 'gone')!;
    expect(gone).toMatchObject({
      removed: true,
      wanted: [],
      revoked: ['alias/staging-kovan-updater-signer', 'alias/staging-kovan-updater-attestation'],
    });
    // Without operators in the file and without leftovers there is no table at all.
    const { keyAccess: _none, ...plain } = iam;
    expect(planKeyAccess(plain, accountId, settledState())).toBeUndefined();
  });

  it('becomes a section of the pull-request comment from the IAM plan JSON', () => {
    const access = planKeyAccess(iam, accountId, settledState())!;
    access[0]!.revoked = ['alias/staging-kovan-relayer-signer'];
    const sections = reportSections({
      // Through the JSON the action outputs and the schema the report action reads it with.
      iam: iamPlanJsonSchema.parse(
        JSON.parse(iamJson({ ok: true, changes: [], keyAccess: access })),
      ),
    });
    const section = sections.find((s) => s.title === 'Who can sign, by operator')!;
    expect(section.body).toContain(
      '| acme | role nomad-ops-staging-operator-acme | alias/staging-kovan-relayer-signer | − can no longer sign |',
    );
    expect(
      reportSections({ iam: iamPlanJson({ ok: true, changes: [] }) }).map((s) => s.title),
    ).not.toContain('Who can sign, by operator');
  });
});
