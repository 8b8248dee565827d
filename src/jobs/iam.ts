import type { AwsClients } from '../aws/clients.js';
import type { ResolvedEnvironment } from '../config/model.js';
import { prepareIam, type IamResult } from '../plan/iam/iam.js';
import { prepareBucket } from '../plan/bucket/bucket.js';
import type { ApplyResult, PlanResult } from '../plan/reconcile.js';
import { stateBucketFor } from '../inventory/keymaster-state.js';
import { iamJson, renderIamConsole, renderIamMarkdown } from '../report/iam.js';
import { renderKeyAccessConsole, renderKeyAccessMarkdown } from '../report/key-access.js';
import { inventoryOf } from './environment.js';

export interface IamJobOptions {
  mode: 'plan' | 'apply';
  prune?: boolean;
  createAccessKeys?: boolean;
  /** false in the workflows: their apply role cannot write the OIDC provider and roles. */
  bootstrap?: boolean;
  repository?: string;
}

export interface IamJobResult {
  ok: boolean;
  result: IamResult;
  json: string;
  console: string;
  markdown: string;
}

function render(
  title: string,
  result: IamResult,
  prune: boolean | undefined,
): Omit<IamJobResult, 'result'> {
  // In apply mode the changes are the plan that was applied; `after` is in the JSON.
  const options = { title, prune: prune ?? false };
  const access = result.keyAccess;
  return {
    ok: result.ok,
    json: iamJson(result),
    console:
      renderIamConsole(result.changes, options) +
      (access ? `\n\n${renderKeyAccessConsole(access)}` : ''),
    markdown:
      renderIamMarkdown(result.changes, options) +
      (access ? `\n\n${renderKeyAccessMarkdown(access)}` : ''),
  };
}

/** An access job read once, and the apply of exactly that plan. */
export interface PreparedIamJob {
  plan: IamJobResult;
  apply(): Promise<IamJobResult>;
}

function prepared(
  title: string,
  prune: boolean | undefined,
  access: { plan: IamResult; apply(): Promise<IamResult> },
): PreparedIamJob {
  return {
    plan: { result: access.plan, ...render(`${title} (plan)`, access.plan, prune) },
    apply: async () => {
      const result = await access.apply();
      return { result, ...render(`${title} (apply)`, result, prune) };
    },
  };
}

/** Reads IAM once and plans: users, groups, policies, attachments, the OIDC provider and roles. */
export async function prepareIamJob(
  env: ResolvedEnvironment,
  clients: AwsClients,
  options: Omit<IamJobOptions, 'mode'>,
): Promise<PreparedIamJob> {
  const inventory = inventoryOf(env, options.repository);
  // Bad input (IamInputError, an InputError) is found before the first AWS call.
  const access = await prepareIam({
    inventory,
    clients,
    prune: options.prune ?? false,
    createAccessKeys: options.createAccessKeys ?? false,
    bootstrap: options.bootstrap ?? true,
  });
  return prepared(`IAM — ${env.name}`, options.prune, access);
}

/** `iam plan|apply`: users, groups, policies, attachments, the GitHub OIDC provider and roles. */
export async function iamJob(
  env: ResolvedEnvironment,
  clients: AwsClients,
  options: IamJobOptions,
): Promise<IamJobResult> {
  const job = await prepareIamJob(env, clients, options);
  return options.mode === 'plan' ? job.plan : job.apply();
}

/**
 * Reads the public proofs bucket and the Keymaster's state bucket once and plans: their policies,
 * CORS, public access blocks, versioning, encryption, tags.
 */
export async function prepareBucketJob(
  env: ResolvedEnvironment,
  clients: AwsClients,
): Promise<PreparedIamJob> {
  const inventory = inventoryOf(env);
  // The proofs bucket, then the Keymaster's state bucket: one read each, one plan, one approval.
  const proofs = await prepareBucket({ inventory, clients });
  const state = await prepareBucket({
    inventory: { ...inventory, bucket: stateBucketFor(env) },
    clients,
  });
  return prepared(`Buckets — ${env.name}`, false, {
    plan: bothBuckets(proofs.plan, state.plan),
    apply: async () => bothBuckets(await proofs.apply(), await state.apply()),
  });
}

/** Two buckets' results as one section: the proofs bucket's rows, then the state bucket's. */
function bothBuckets<
  R extends PlanResult<C> | ApplyResult<C>,
  C extends IamResult['changes'][number],
>(proofs: R, state: R): R {
  return {
    ...proofs,
    changes: [...proofs.changes, ...state.changes],
    ...(proofs.mode === 'apply' && state.mode === 'apply'
      ? {
          after: [...proofs.after, ...state.after],
          applied: [...proofs.applied, ...state.applied],
          failed: [...proofs.failed, ...state.failed],
        }
      : {}),
    ok: proofs.ok && state.ok,
  };
}

/** `bucket plan|apply`: the public proofs bucket, its policy, CORS, public access block, tags. */
export async function bucketJob(
  env: ResolvedEnvironment,
  clients: AwsClients,
  mode: 'plan' | 'apply',
): Promise<IamJobResult> {
  const job = await prepareBucketJob(env, clients);
  return mode === 'plan' ? job.plan : job.apply();
}
