import { readFileSync, writeFileSync } from 'node:fs';
import type { AwsClients } from '../aws/clients.js';
import type { StateObjects } from '../aws/state-objects.js';
import type { ResolvedEnvironment } from '../config/model.js';
import { editThresholds } from '../config/threshold-edit.js';
import {
  changed,
  fileAmount,
  proposalMarkdown,
  proposeThresholds,
  type ThresholdProposal,
} from '../keymaster/state/threshold-proposal.js';
import { toJsonValue } from '../inventory/json.js';
import { burnJob } from './burn.js';

/**
 * `nomad-ops keymaster propose-thresholds`: the measured burn (read-only: the ledger's balances
 * snapshots), the rule of `keymaster.burn`, and with `write` the environment file edited in
 * place (comments and layout kept). The scheduled workflow opens the pull request from it.
 */

export const DEFAULT_PROPOSAL_WINDOW = '14d';

export async function proposeThresholdsJob(
  env: ResolvedEnvironment,
  clients: Pick<AwsClients, 's3'>,
  options: { since?: string; write: boolean; now?: number; objects?: StateObjects },
): Promise<{
  proposals: ThresholdProposal[];
  changed: number;
  markdown: string;
  /** The environment file with the proposed amounts (its text as read when nothing changes). */
  content: string;
  json(): string;
}> {
  const since = options.since ?? DEFAULT_PROPOSAL_WINDOW;
  const burn = await burnJob(env, clients, {
    since,
    ...(options.now !== undefined ? { now: options.now } : {}),
    ...(options.objects ? { objects: options.objects } : {}),
  });
  const proposals = proposeThresholds(env, burn.data.roles);
  const decimals = (network: string) =>
    env.networks.find((n) => n.name === network)?.nativeToken.decimals ?? 18;
  const edits = proposals.filter(changed).map((p) => ({
    network: p.network,
    role: p.role,
    lower: fileAmount(p.proposed.lower, decimals(p.network)),
    target: fileAmount(p.proposed.target, decimals(p.network)),
  }));
  const original = readFileSync(env.source, 'utf8');
  const content = edits.length > 0 ? editThresholds(original, env.source, edits) : original;
  if (options.write && edits.length > 0) writeFileSync(env.source, content);
  const units = Object.fromEntries(env.networks.map((n) => [n.name, n.nativeToken]));
  const markdown = proposalMarkdown(env.name, proposals, env.keymaster.burn, units, {
    since,
    until: burn.data.until,
  });
  return {
    proposals,
    changed: edits.length,
    markdown,
    content,
    json: () =>
      JSON.stringify(
        toJsonValue({ environment: env.name, since, changed: edits.length, proposals, markdown }),
        null,
        2,
      ),
  };
}
