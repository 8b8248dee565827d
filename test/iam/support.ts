import { resolve } from 'node:path';
import {
  GetGroupCommand,
  GetOpenIDConnectProviderCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  type IAMClient,
  ListAttachedGroupPoliciesCommand,
  ListAttachedRolePoliciesCommand,
  ListPolicyTagsCommand,
  ListUserTagsCommand,
} from '@aws-sdk/client-iam';
import {
  GetBucketCorsCommand,
  GetBucketLocationCommand,
  GetBucketPolicyCommand,
  GetBucketTaggingCommand,
  GetPublicAccessBlockCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { InitializeMiddleware, MetadataBearer } from '@smithy/types';
import { type AwsClients, createAwsClients } from '../../src/aws/clients.js';
import { loadEnvironmentFile } from '../../src/config/load.js';
import { inventoryFor } from '../../src/inventory/inventory.js';
import type { Inventory } from '../../src/inventory/types.js';
import { canonicalPolicy } from '../../src/plan/policy-document.js';
import { bucketSuffix } from '../harness/emulators.js';
import { motoCredentials } from '../harness/moto.js';

/**
 * An environment file (staging by default), moved into `accountId`, without its operators. Bucket names are global (in moto too),
 * so each account gets its own.
 */
export function stagingInventory(accountId: string, environment = 'staging'): Inventory {
  const file = resolve(import.meta.dirname, `../../environments/${environment}.yaml`);
  const loaded = loadEnvironmentFile(file);
  if (!loaded.ok) throw new Error(`${file} does not load: ${JSON.stringify(loaded.problems)}`);
  // The core team's shape of IAM (one signer group for every agent), which these tests are
  // about; contracted operators have their own tests (operators.test.ts).
  const { operators: _operators, coreTeam: _coreTeam, ...env } = loaded.env;
  return inventoryFor({
    ...env,
    aws: { ...loaded.env.aws, accountId },
    proofsBucket: {
      ...loaded.env.proofsBucket,
      name: `nomadxyz-${environment}-proofs-${bucketSuffix(accountId)}`,
    },
  });
}

/** Names of the commands sent through the recorded clients, and a switch that fails writes. */
export interface WriteRecorder {
  writes: string[];
  /** After this many more writes, every write throws (a crash half-way). */
  failAfter(n: number | undefined): void;
}

type RecordingStack = {
  add(
    middleware: InitializeMiddleware<object, MetadataBearer>,
    options: { step: 'initialize'; name: string },
  ): void;
};

const READ = /^(Get|List|Head|Describe)/;

export class InjectedCrash extends Error {
  override name = 'InjectedCrash';
}

/** Clients acting in `accountId` on moto, with every non-read command recorded. */
export async function accountClients(
  url: string,
  accountId: string,
  region = 'us-west-2',
): Promise<{ clients: AwsClients; recorder: WriteRecorder }> {
  const credentials = await motoCredentials(url, accountId);
  const clients = createAwsClients({ region, endpoint: url, credentials, maxAttempts: 2 });
  const writes: string[] = [];
  let budget: number | undefined;
  for (const client of [clients.iam, clients.s3, clients.secrets, clients.kms]) {
    (client.middlewareStack as unknown as RecordingStack).add(
      (next, context) => async (args) => {
        const name = context.commandName ?? '?';
        if (!READ.test(name)) {
          if (budget !== undefined) {
            if (budget <= 0) throw new InjectedCrash(`injected crash before ${name}`);
            budget--;
          }
          writes.push(name);
        }
        return next(args);
      },
      { step: 'initialize', name: 'recordWrites' },
    );
  }
  return {
    clients,
    recorder: {
      writes,
      failAfter: (n) => {
        budget = n;
      },
    },
  };
}

/**
 * What the account holds for the inventory, read with plain SDK calls (not the code under test)
 * and with the account id replaced, so two accounts can be compared.
 */
export async function snapshot(iam: IAMClient, s3: S3Client, inv: Inventory): Promise<unknown> {
  const anon = (x: unknown) =>
    JSON.parse(JSON.stringify(x).replaceAll(inv.accountId, 'ACCOUNT')) as unknown;
  const out: Record<string, unknown> = {};
  for (const u of inv.iam.users) {
    out[`user ${u.name}`] = (await iam.send(new ListUserTagsCommand({ UserName: u.name }))).Tags;
  }
  for (const g of inv.iam.groups) {
    const r = await iam.send(new GetGroupCommand({ GroupName: g.name }));
    const attached = await iam.send(new ListAttachedGroupPoliciesCommand({ GroupName: g.name }));
    out[`group ${g.name}`] = {
      path: r.Group?.Path,
      members: (r.Users ?? []).map((x) => x.UserName).sort(),
      attached: (attached.AttachedPolicies ?? []).map((p) => p.PolicyName).sort(),
    };
  }
  for (const p of inv.iam.policies) {
    const { Policy } = await iam.send(new GetPolicyCommand({ PolicyArn: p.arn }));
    const { PolicyVersion } = await iam.send(
      new GetPolicyVersionCommand({ PolicyArn: p.arn, VersionId: Policy?.DefaultVersionId }),
    );
    const tags = (await iam.send(new ListPolicyTagsCommand({ PolicyArn: p.arn }))).Tags;
    out[`policy ${p.name}`] = { document: canonicalPolicy(PolicyVersion?.Document ?? ''), tags };
  }
  for (const r of [...(inv.iam.github?.roles ?? []), ...(inv.iam.operatorRoles ?? [])]) {
    const { Role } = await iam.send(new GetRoleCommand({ RoleName: r.name }));
    const attached = await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: r.name }));
    out[`role ${r.name}`] = {
      trust: canonicalPolicy(Role?.AssumeRolePolicyDocument ?? ''),
      maxSession: Role?.MaxSessionDuration,
      attached: (attached.AttachedPolicies ?? []).map((p) => p.PolicyName).sort(),
    };
  }
  if (inv.iam.github) {
    const p = await iam.send(
      new GetOpenIDConnectProviderCommand({
        OpenIDConnectProviderArn: inv.iam.github.provider.arn,
      }),
    );
    out['oidc'] = { url: p.Url, clientIds: p.ClientIDList, thumbprints: p.ThumbprintList };
  }
  const b = inv.bucket.name;
  out['bucket'] = {
    location: (await s3.send(new GetBucketLocationCommand({ Bucket: b }))).LocationConstraint,
    tags: (await s3.send(new GetBucketTaggingCommand({ Bucket: b }))).TagSet,
    block: (await s3.send(new GetPublicAccessBlockCommand({ Bucket: b })))
      .PublicAccessBlockConfiguration,
    policy: canonicalPolicy(
      (await s3.send(new GetBucketPolicyCommand({ Bucket: b }))).Policy ?? '',
    ),
    cors: (await s3.send(new GetBucketCorsCommand({ Bucket: b }))).CORSRules,
  };
  return anon(out);
}
