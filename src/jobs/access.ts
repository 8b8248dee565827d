import type { AwsClients } from '../aws/clients.js';
import type { ResolvedEnvironment } from '../config/model.js';
import { runAccess, type AccessResult } from '../plan/access.js';
import { runBucket } from '../plan/bucket.js';
import { stateBucketFor } from '../inventory/keymaster-state.js';
import { accessJson, renderAccessConsole, renderAccessMarkdown } from '../report/access.js';
import { renderKeyAccessConsole, renderKeyAccessMarkdown } from '../report/key-access.js';
import { inventoryOf } from './environment.js';

export interface AccessJobOptions {
  mode: 'plan' | 'apply';
  prune?: boolean;
  createAccessKeys?: boolean;
  /** false in the workflows: their apply role cannot write the OIDC provider and roles. */
  bootstrap?: boolean;
  repository?: string;
}

export interface AccessJobResult {
  ok: boolean;
  result: AccessResult;
  json: string;
  console: string;
  markdown: string;
}

function render(
  title: string,
  result: AccessResult,
  prune: boolean | undefined,
): Omit<AccessJobResult, 'result'> {
  // In apply mode the changes are the plan that was applied; `after` is in the JSON.
  const options = { title, prune: prune ?? false };
  const access = result.keyAccess;
  return {
    ok: result.ok,
    json: accessJson(result),
    console:
      renderAccessConsole(result.changes, options) +
      (access ? `\n\n${renderKeyAccessConsole(access)}` : ''),
    markdown:
      renderAccessMarkdown(result.changes, options) +
      (access ? `\n\n${renderKeyAccessMarkdown(access)}` : ''),
  };
}

/** `iam plan|apply`: users, groups, policies, attachments, the GitHub OIDC provider and roles. */
export async function iamJob(
  env: ResolvedEnvironment,
  clients: AwsClients,
  options: AccessJobOptions,
): Promise<AccessJobResult> {
  const inventory = inventoryOf(env, options.repository);
  // Bad input (AccessInputError, an InputError) is found before the first AWS call.
  const result = await runAccess({
    inventory,
    clients,
    mode: options.mode,
    prune: options.prune ?? false,
    createAccessKeys: options.createAccessKeys ?? false,
    bootstrap: options.bootstrap ?? true,
  });
  return { result, ...render(`IAM — ${env.name} (${options.mode})`, result, options.prune) };
}

/** `bucket plan|apply`: the public proofs bucket, its policy, CORS, public access block, tags. */
export async function bucketJob(
  env: ResolvedEnvironment,
  clients: AwsClients,
  mode: 'plan' | 'apply',
): Promise<AccessJobResult> {
  const inventory = inventoryOf(env);
  // The proofs bucket, then the Keymaster's state bucket: one plan, one approval.
  const proofs = await runBucket({ inventory, clients, mode });
  const state = await runBucket({
    inventory: { ...inventory, bucket: stateBucketFor(env) },
    clients,
    mode,
  });
  const result = {
    changes: [...proofs.changes, ...state.changes],
    ...(proofs.after || state.after
      ? { after: [...(proofs.after ?? []), ...(state.after ?? [])] }
      : {}),
    ok: proofs.ok && state.ok,
  };
  return { result, ...render(`Buckets — ${env.name} (${mode})`, result, false) };
}
