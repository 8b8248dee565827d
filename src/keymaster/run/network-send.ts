import { getAddress } from 'ethers';
import { formatAmount, unitsOf, type UnitsByNetwork } from '../../config/amounts.js';
import type { ResolvedKeymasterNetwork, ResolvedNetwork } from '../../config/model.js';
import type { RpcLink } from '../rpc/batch.js';
import { balancesNow, requote } from './chain-reads.js';
import { capQuote } from '../send/gas.js';
import type { RunKeymasterOptions } from './options.js';
import { sendTopUps } from '../send/send.js';
import type {
  ChainSweep,
  Decision,
  FeeQuote,
  KeymasterFailure,
  RpcErrorNote,
  TxResult,
} from '../types.js';

/** What sending on one network did: its top-ups, its failures, its failed RPC methods. */
export interface NetworkSending {
  sent: TxResult[];
  failures: KeymasterFailure[];
  rpcErrors: RpcErrorNote[];
}

/**
 * The sending step of one network: check that the signer is the bank, send the funded decisions'
 * top-ups, and report every one not mined (or cancelled) as a failure naming its wallet.
 */
export async function sendOnNetwork(input: {
  options: RunKeymasterOptions;
  network: ResolvedNetwork;
  settings: ResolvedKeymasterNetwork;
  funded: Decision[];
  before: ChainSweep & { bank: NonNullable<ChainSweep['bank']> };
  quote: FeeQuote;
  link: RpcLink;
  bankAddress: string;
  rpcTimeoutMs: number;
}): Promise<NetworkSending> {
  const { options, network, settings, funded, before, link } = input;
  const { env, logger, beforeBroadcast } = options;
  const name = network.name;
  const signer =
    typeof options.bankSigner === 'function' ? options.bankSigner(name) : options.bankSigner;
  const signerAddress = signer ? getAddress(await signer.getAddress()) : undefined;
  const nothingSent = (message: string): NetworkSending => ({
    sent: [],
    failures: [{ kind: 'signer', network: name, message }],
    rpcErrors: [],
  });
  if (!signer) return nothingSent(`no bank signer for ${name}: nothing sent`);
  if (signerAddress !== input.bankAddress) {
    return nothingSent(
      `the bank signer on ${name} is ${signerAddress}, expected ${input.bankAddress}: nothing sent`,
    );
  }
  const rpcErrors: RpcErrorNote[] = [];
  logger?.info(`${name}: sending ${funded.length} top-up(s)`);
  const sent = await sendTopUps({
    network: name,
    chainId: network.chainId,
    rpcUrl: link.url,
    signer,
    fees: capQuote(input.quote, settings.gas.maxFeePerGas),
    startNonce: before.bank.pendingNonce,
    transfers: funded.map((d) => ({
      to: d.address,
      amount: d.amount,
      ...(d.gasLimit !== undefined ? { gasLimit: d.gasLimit } : {}),
      lower: d.lower,
    })),
    rpcTimeoutMs: input.rpcTimeoutMs,
    receiptTimeoutMs: env.keymaster.receiptTimeoutSeconds * 1000,
    ...(options.pollIntervalMs !== undefined ? { pollIntervalMs: options.pollIntervalMs } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(beforeBroadcast
      ? {
          beforeBroadcast: (signed: TxResult[]) =>
            beforeBroadcast(signed, { from: input.bankAddress, decisions: funded }),
        }
      : {}),
    maxBatchSize: link.maxBatchSize,
    ...(link.noBatches ? { noBatches: true } : {}),
    replaceAfterMs: settings.gas.replaceAfterSeconds * 1000,
    requote: () => requote(link, before, network.eip1559),
    balancesOf: (addresses) => balancesNow(link, addresses),
    ...(settings.gas.maxFeePerGas !== undefined ? { maxFeePerGas: settings.gas.maxFeePerGas } : {}),
    onReplaced: (tx, previous) =>
      logger?.warn(
        tx.cancelHash === tx.hash
          ? `${name}: top-up of ${tx.to} at nonce ${tx.nonce} was not mined and its wallet no longer needs it; cancelled ${previous} by a zero-value self-transfer ${tx.hash}`
          : `${name}: top-up of ${tx.to} at nonce ${tx.nonce} was not mined and bid less than the chain asks; replaced ${previous} by ${tx.hash}`,
      ),
    onFilled: (tx, by) =>
      logger?.warn(
        by === 'resent'
          ? `${name}: the node refused the top-up of ${tx.to} at nonce ${tx.nonce}; sent it again, and it was taken`
          : by === 'self-transfer'
            ? `${name}: the node refused the top-up of ${tx.to} at nonce ${tx.nonce}; filled the nonce with the zero-value self-transfer ${tx.fillHash}`
            : by === 'replaced-self-transfer'
              ? `${name}: nonce ${tx.nonce} held a zero-value self-transfer of the bank; the top-up of ${tx.to} replaced it with bumped fees (${tx.hash})`
              : `${name}: a nonce before ${tx.nonce} could not be filled; withdrew the top-up of ${tx.to} queued behind it by the zero-value self-transfer ${tx.cancelHash}`,
      ),
    onRpcError: (method) => rpcErrors.push({ network: name, method }),
  });
  const mined = sent.filter((t) => t.status === 'mined').length;
  logger?.info(`${name}: ${mined} of ${sent.length} top-up(s) mined`);

  return { sent, failures: sendFailures(sent, name, unitsOf(env)), rpcErrors };
}

/** The top-ups of a network not mined (or cancelled), as failures naming their wallets. */
export function sendFailures(
  sent: TxResult[],
  network: string,
  units: UnitsByNetwork,
): KeymasterFailure[] {
  const failures: KeymasterFailure[] = [];
  for (const tx of sent) {
    // A cancelled top-up's wallet was funded meanwhile: nothing is wrong.
    if (tx.status === 'mined' || tx.status === 'cancelled') continue;
    const where = `top-up of ${formatAmount(tx.amount, network, units)} to ${tx.to} on ${network} (nonce ${tx.nonce}${tx.hash ? `, ${tx.hash}` : ''})`;
    failures.push({
      kind: tx.status === 'reverted' ? 'unfundable' : 'send',
      network,
      address: tx.to,
      message:
        tx.status === 'reverted'
          ? `${where} reverted: the recipient refused it (the fee was paid, the value did not move); it is unfundable, and the next run's gas estimate keeps it so until its code or settings change`
          : `${where} ${tx.status}: ${tx.error ?? ''}`.trim(),
    });
  }
  return failures;
}
