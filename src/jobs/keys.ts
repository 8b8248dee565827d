import type { ResolvedEnvironment } from '../config/model.js';
import { keysFor } from '../inventory/keys.js';
import { runKeys, type KeysResult } from '../plan/keys.js';
import { keysJson, renderKeysConsole, renderKeysMarkdown, type KeysJson } from '../report/keys.js';
import type { AwsClients } from '../aws/clients.js';

export interface KeysJobResult {
  result: KeysResult;
  json: KeysJson;
  console: string;
  markdown: string;
  /** Keys this run created or adopted. */
  created: number;
}

/** `keys plan|apply` for one environment: shared by the CLI and the provision-keys action. */
export async function keysJob(
  env: ResolvedEnvironment,
  clients: AwsClients,
  mode: 'plan' | 'apply',
): Promise<KeysJobResult> {
  const result = await runKeys({ env, keys: keysFor(env), clients, mode });
  return {
    result,
    json: keysJson(result),
    console: renderKeysConsole(result),
    markdown: renderKeysMarkdown(result, { title: `Keys — ${env.name} (${mode})` }),
    created: result.rows.filter((r) => r.status === 'created' || r.status === 'adopted').length,
  };
}
