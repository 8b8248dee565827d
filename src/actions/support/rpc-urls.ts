import { parseRpcUrlLines } from '../../keymaster/rpc/url.js';
import { registerRpcUrl } from '../../redact.js';
import { core } from './core.js';

/**
 * The `rpc-urls` input (the `NOMAD_RPC_URLS` secret, `NAME_RPC_URL=url` per line): each URL and
 * its secret parts are registered for redaction and masked in the runner's log before anything
 * else, then set for this action; `exportToJob` also hands them to the job's later steps (the
 * Keymaster run from the approved commit, whose action may predate this input). Returns the names.
 */
export function useRpcUrlsInput(options: { exportToJob: boolean }): string[] {
  const { vars, ignored } = parseRpcUrlLines(core.getInput('rpc-urls'));
  for (const [name, url] of Object.entries(vars)) {
    for (const value of registerRpcUrl(url)) core.setSecret(value);
    process.env[name] = url;
    if (options.exportToJob) core.exportSecret(name, url);
  }
  for (const line of ignored) {
    core.warning(`line ${line} of the rpc-urls input is not NAME_RPC_URL=url: ignored`);
  }
  return Object.keys(vars);
}
