/**
 * Contracted operators through the real IAM plan and apply, on moto: apply with two operators,
 * move an agent from one to the other, and check that the plan shows the move as a change of
 * who can sign, that apply converges, and — by policy simulation on the documents read back
 * from moto — that the first operator can no longer sign with that key.
 */
import {
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  type IAMClient,
  ListAttachedGroupPoliciesCommand,
  ListAttachedRolePoliciesCommand,
} from '@aws-sdk/client-iam';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadEnvironmentText } from '../../src/config/load.js';
import { inventoryFor } from '../../src/inventory/inventory.js';
import type { Inventory, PolicyDocument } from '../../src/inventory/types.js';
import { runIam } from '../../src/plan/iam/iam.js';
import { canonicalPolicy, samePolicy } from '../../src/plan/policy-document.js';
import { renderKeyAccessMarkdown } from '../../src/report/key-access.js';
import { defaultKeyPolicy, keyArnFor, simulate } from '../inventory/simulate.js';
import { accountClients } from './support.js';
import { nextAccountId, requireMotoUrl } from '../harness/emulators.js';

const url = requireMotoUrl();

const ACCOUNT = nextAccountId();
const STAGING = resolve(import.meta.dirname, '../../environments/staging.yaml');
const shipped = readFileSync(STAGING, 'utf8');

/** The shipped staging file, in the test account, with its text edited by `edit`. */
function inventoryOf(edit: (text: string) => string = (t) => t): Inventory {
  const text = edit(shipped).replace("accountId: '210987654321'", `accountId: '${ACCOUNT}'`);
  const loaded = loadEnvironmentText(text, STAGING);
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
  return inventoryFor({
    ...loaded.env,
    proofsBucket: { ...loaded.env.proofsBucket, name: `nomadxyz-staging-proofs-t${ACCOUNT}` },
  });
}

/** The processor of kovan moves from acme to blockwatch. */
const moveKovanProcessor = (text: string) =>
  text
    .replace('homes: [kovan, moonbasealpha]', 'homes: [moonbasealpha]')
    .replace('homes: [goerli, sepolia]', 'homes: [kovan, goerli, sepolia]');

const MOVED = 'alias/staging-kovan-processor-signer';

/** The default documents of the policies attached to a role or group, as moto holds them. */
async function attachedDocuments(
  iam: IAMClient,
  target: { kind: 'role' | 'group'; name: string },
): Promise<object[]> {
  const attached =
    target.kind === 'role'
      ? (await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: target.name })))
          .AttachedPolicies
      : (await iam.send(new ListAttachedGroupPoliciesCommand({ GroupName: target.name })))
          .AttachedPolicies;
  const documents: object[] = [];
  for (const p of attached ?? []) {
    const { Policy } = await iam.send(new GetPolicyCommand({ PolicyArn: p.PolicyArn }));
    const { PolicyVersion } = await iam.send(
      new GetPolicyVersionCommand({ PolicyArn: p.PolicyArn, VersionId: Policy!.DefaultVersionId }),
    );
    documents.push(canonicalPolicy(PolicyVersion!.Document!) as object);
  }
  return documents;
}

const canSign = async (principal: string, documents: object[], alias: string) =>
  simulate({
    principal,
    action: 'kms:Sign',
    resource: keyArnFor('us-west-2', ACCOUNT, alias),
    accountId: ACCOUNT,
    context: { 'kms:ResourceAliases': [alias] },
    identity: documents,
    resourcePolicy: defaultKeyPolicy(ACCOUNT),
  });

describe('operators on moto', () => {
  it('apply with two operators, move an agent: the plan shows it, apply converges, access follows', async () => {
    const { clients } = await accountClients(url, ACCOUNT);
    const before = inventoryOf();

    // 1. First apply (an administrator's: operator roles are bootstrap resources).
    const first = await runIam({ inventory: before, clients, mode: 'apply' });
    expect(first.ok).toBe(true);
    expect(first.after!.filter((c) => c.action !== 'exists')).toEqual([]);
    const acmeRole = before.iam.operatorRoles!.find((r) => r.operator === 'acme')!;
    const { Role } = await clients.iam.send(new GetRoleCommand({ RoleName: acmeRole.name }));
    expect(samePolicy(Role!.AssumeRolePolicyDocument!, acmeRole.trustPolicy)).toBe(true);
    // Everyone holds what the file says: no access change left.
    const settled = await runIam({ inventory: before, clients, mode: 'plan' });
    expect(settled.keyAccess!.map((p) => [p.party, p.granted.length, p.revoked.length])).toEqual([
      ['acme', 0, 0],
      ['blockwatch', 0, 0],
      ['core team', 0, 0],
    ]);
    const acmeCaller = `arn:aws:sts::${ACCOUNT}:assumed-role/${acmeRole.name}/agent`;
    const acmeDocs = await attachedDocuments(clients.iam, { kind: 'role', name: acmeRole.name });
    expect(await canSign(acmeCaller, acmeDocs, MOVED)).toBe('Allowed');

    // 2. The move, planned.
    const after = inventoryOf(moveKovanProcessor);
    const plan = await runIam({ inventory: after, clients, mode: 'plan' });
    expect(plan.ok).toBe(true);
    const updates = plan.changes
      .filter((c) => c.action !== 'exists')
      .map((c) => `${c.action} ${c.kind} ${c.id}`);
    expect(updates).toEqual([
      'update iam-policy staging-operator-acme-signer',
      'update iam-policy staging-operator-blockwatch-signer',
    ]);
    const moves = plan
      .keyAccess!.filter((p) => p.granted.length + p.revoked.length > 0)
      .map((p) => ({ party: p.party, granted: p.granted, revoked: p.revoked }));
    expect(moves).toEqual([
      { party: 'acme', granted: [], revoked: [MOVED] },
      { party: 'blockwatch', granted: [MOVED], revoked: [] },
    ]);
    const markdown = renderKeyAccessMarkdown(plan.keyAccess!);
    expect(markdown).toContain(
      `| acme | role ${acmeRole.name} | ${MOVED} | − can no longer sign |`,
    );
    expect(markdown).toContain(
      `| blockwatch | group staging-operator-blockwatch | ${MOVED} | + can sign |`,
    );

    // 3. Apply converges, without administrator rights (only policy documents change).
    const applied = await runIam({
      inventory: after,
      clients,
      mode: 'apply',
      bootstrap: false,
    });
    expect(applied.ok).toBe(true);
    expect(applied.after!.filter((c) => c.action !== 'exists')).toEqual([]);
    const again = await runIam({ inventory: after, clients, mode: 'plan' });
    expect(again.keyAccess!.every((p) => p.granted.length + p.revoked.length === 0)).toBe(true);

    // 4. Read back from moto and simulate: acme lost the key, blockwatch has it, and acme kept
    //    the rest of its agents.
    const acmeNow = await attachedDocuments(clients.iam, { kind: 'role', name: acmeRole.name });
    expect(await canSign(acmeCaller, acmeNow, MOVED)).toBe('ImplicitlyDenied');
    expect(await canSign(acmeCaller, acmeNow, 'alias/staging-moonbasealpha-processor-signer')).toBe(
      'Allowed',
    );
    expect(await canSign(acmeCaller, acmeNow, 'alias/staging-kovan-relayer-signer')).toBe(
      'Allowed',
    );
    const blockwatchUser = `arn:aws:iam::${ACCOUNT}:user/nomad-operator-staging-blockwatch`;
    const blockwatchNow = await attachedDocuments(clients.iam, {
      kind: 'group',
      name: 'staging-operator-blockwatch',
    });
    expect(await canSign(blockwatchUser, blockwatchNow, MOVED)).toBe('Allowed');
    expect(blockwatchNow.map((d) => (d as PolicyDocument).Statement.length)).toEqual([3]);

    // 5. Offboarding: acme leaves the file, its agents go to the core team. The plan lists it
    //    as removed with every key it loses; an administrator's prune deletes its role.
    const gone = inventoryOf((text) =>
      moveKovanProcessor(text)
        .replace(/ {2}- name: acme\n[\s\S]*?(?= {2}- name: blockwatch)/, '')
        .replace(
          '    - role: kathy\n',
          '    - role: kathy\n    - role: relayer\n    - role: processor\n      homes: [moonbasealpha]\n',
        ),
    );
    expect(gone.iam.operatorRoles).toBeUndefined();
    const offboard = await runIam({ inventory: gone, clients, mode: 'plan' });
    const acmeGone = offboard.keyAccess!.find((p) => p.party === 'acme')!;
    expect(acmeGone.removed).toBe(true);
    expect(acmeGone.revoked.sort()).toEqual(
      [
        'alias/staging-kovan-relayer-signer',
        'alias/staging-moonbasealpha-relayer-signer',
        'alias/staging-goerli-relayer-signer',
        'alias/staging-sepolia-relayer-signer',
        'alias/staging-moonbasealpha-processor-signer',
      ].sort(),
    );
    expect(
      offboard.changes.filter((c) => c.action === 'remove').map((c) => `${c.kind} ${c.id}`),
    ).toEqual(
      expect.arrayContaining([
        `iam-role ${acmeRole.name}`,
        'iam-policy staging-operator-acme-signer',
      ]),
    );
    const pruned = await runIam({ inventory: gone, clients, mode: 'apply', prune: true });
    expect(pruned.ok).toBe(true);
    await expect(
      clients.iam.send(new GetRoleCommand({ RoleName: acmeRole.name })),
    ).rejects.toMatchObject({ name: 'NoSuchEntityException' });
    const final = await runIam({ inventory: gone, clients, mode: 'plan' });
    expect(final.keyAccess!.map((p) => p.party)).toEqual(['blockwatch', 'core team']);
    expect(final.keyAccess!.every((p) => p.granted.length + p.revoked.length === 0)).toBe(true);
  }, 240_000);
});
