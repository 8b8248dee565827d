import { getAddress } from 'ethers';
import { errorMessage, InputError } from '../../errors.js';
import { resolveAddresses } from './addresses.js';
import { balanceRows, summarizeBanks } from './banks.js';
import { runNetwork, type NetworkOutcome } from './network.js';
import type { RunKeymasterOptions } from './options.js';
import type { KeymasterFailure, KeymasterRun, RpcErrorNote } from '../types.js';

/**
 * One Keymaster run: resolve addresses, sweep every chain, decide, send (unless dry-run), sweep
 * again. Chains are independent throughout: one failing is reported and the others go on (each
 * network's steps are in network.ts, the report of wallets and banks in banks.ts).
 */
export async function runKeymaster(options: RunKeymasterOptions): Promise<KeymasterRun> {
  const { env } = options;
  const clock = options.clock ?? Date.now;
  const logger = options.logger;
  const dryRun = options.dryRun ?? false;
  const startedAt = clock();
  const failures: KeymasterFailure[] = [];
  let bankAddress = options.bankAddress;
  if (bankAddress === undefined) {
    const signer =
      typeof options.bankSigner === 'function'
        ? options.bankSigner(env.networks[0]?.name ?? '')
        : options.bankSigner;
    if (!signer) {
      throw new InputError(
        'runKeymaster needs the bank: give bankSigner, or bankAddress for a dry run.',
      );
    }
    bankAddress = await signer.getAddress();
  }
  const bank = getAddress(bankAddress);

  const wanted = options.networks ? new Set(options.networks) : undefined;
  const rows = options.rows.filter((r) => !wanted || wanted.has(r.network));
  const networkNames = [
    ...new Set([...rows.map((r) => r.network), ...Object.keys(env.keymaster.networks)]),
  ].filter((n) => !wanted || wanted.has(n));
  for (const name of wanted ?? []) {
    if (!env.networks.some((n) => n.name === name)) {
      failures.push({
        kind: 'config',
        network: name,
        message: `${name} is not a network of ${env.name}`,
      });
    }
  }
  const networks = env.networks.filter((n) => networkNames.includes(n.name));
  for (const name of new Set(rows.map((r) => r.network))) {
    if (!networks.some((n) => n.name === name)) {
      failures.push({
        kind: 'config',
        network: name,
        message: `funding rows name ${name}, which is not a network of ${env.name}`,
      });
    }
  }

  const resolution = await resolveAddresses(rows, env, options.resolveAddress);
  const { accounts } = resolution;
  failures.push(...resolution.failures);
  logger?.info(`sweeping ${accounts.length} wallet rows on ${networks.length} network(s)`);

  // Each network on its own from sweep to receipts: a slow or hanging chain delays only itself.
  const outcomes = await Promise.all(
    networks.map((network) =>
      runNetwork({
        options,
        network,
        accounts: accounts.filter((a) => a.network === network.name),
        bankAddress: bank,
        dryRun,
      }).catch((error: unknown): NetworkOutcome => {
        // runNetwork is written not to throw; should it anyway, that network fails alone.
        const reason = `${network.name}: the run failed unexpectedly: ${errorMessage(error)}`;
        logger?.warn(reason);
        return {
          before: undefined,
          decisions: [],
          plan: undefined,
          sent: [],
          after: undefined,
          failures: [{ kind: 'rpc', network: network.name, message: reason }],
          rpcErrors: [],
        };
      }),
    ),
  );
  const before = outcomes.flatMap((o) => (o.before ? [o.before] : []));
  const afterSweeps = outcomes.flatMap((o) => (o.after ? [o.after] : []));
  const decisions = outcomes.flatMap((o) => o.decisions);
  const plans = outcomes.flatMap((o) => (o.plan ? [o.plan] : []));
  const sent = outcomes.flatMap((o) => o.sent);
  failures.push(...outcomes.flatMap((o) => o.failures));
  const rpcErrors: RpcErrorNote[] = outcomes.flatMap((o) => o.rpcErrors);
  const latest = before.map((s) => afterSweeps.find((a) => a.network === s.network && a.ok) ?? s);

  const summary = summarizeBanks({ env, plans, afterSweeps, dryRun, bankAddress: bank });
  const { banks } = summary;
  failures.push(...summary.failures);
  const bankLow = banks.some((b) => b.low);

  return {
    environment: env.name,
    dryRun,
    startedAt,
    finishedAt: clock(),
    bankAddress: bank,
    before: balanceRows(decisions, before),
    decisions,
    plans,
    sent,
    after: balanceRows(decisions, latest),
    banks,
    sweeps: { before, after: afterSweeps },
    rpcErrors,
    failures,
    bankLow,
    ok: failures.length === 0 && !bankLow,
  };
}
