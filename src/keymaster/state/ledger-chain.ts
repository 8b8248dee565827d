import { quantity, rpcBatch, type RpcOptions } from '../rpc/rpc.js';
import type { LedgerIntent, LedgerRecord } from './ledger.js';

/**
 * A ledger transaction as its chain tells it: the transaction (from, to, value) and its receipt
 * (status, block, fee). Used to complete an intent left by a killed run, and by `ledger --verify`.
 */
export interface ChainTransfer {
  from: string;
  to: string;
  valueWei: bigint;
  status: 'mined' | 'reverted';
  block: number;
  feeWei: bigint;
}

/** The transaction and its receipt; undefined when the chain knows no mined transaction by that hash. */
export async function chainTransfer(
  url: string,
  hash: string,
  options: RpcOptions,
): Promise<ChainTransfer | undefined> {
  const [tx, receipt] = await rpcBatch(
    url,
    [
      { method: 'eth_getTransactionByHash', params: [hash] },
      { method: 'eth_getTransactionReceipt', params: [hash] },
    ],
    options,
  );
  if (!tx?.ok || !receipt?.ok) {
    throw new Error(
      `${hash}: ${(!tx?.ok ? tx?.message : receipt?.ok ? '' : receipt?.message) ?? 'no answer'}`,
    );
  }
  const t = tx.result as Record<string, unknown> | null;
  const r = receipt.result as Record<string, unknown> | null;
  if (!t || !r) return undefined;
  const gasUsed = quantity(r.gasUsed, 'gasUsed');
  const price = quantity(r.effectiveGasPrice ?? t.gasPrice, 'effectiveGasPrice');
  return {
    from: String(t.from).toLowerCase(),
    to: String(t.to).toLowerCase(),
    valueWei: quantity(t.value, 'value'),
    status: quantity(r.status, 'status') === 1n ? 'mined' : 'reverted',
    block: Number(quantity(r.blockNumber, 'blockNumber')),
    feeWei: gasUsed * price,
  };
}

/** The record of an intent whose transaction the chain has mined. */
export function recordFromChain(
  intent: LedgerIntent,
  chain: ChainTransfer,
  now: number,
): LedgerRecord {
  const self = chain.to === intent.from.toLowerCase() && chain.valueWei === 0n;
  return {
    ...intent,
    ...(self ? { to: intent.from, aliases: [], roles: [], amountWei: '0' } : {}),
    status: self ? 'cancelled' : chain.status,
    feeWei: chain.feeWei.toString(),
    block: chain.block,
    time: new Date(now).toISOString(),
  };
}

/** What differs between a record and its chain; empty when they agree. */
export function recordDifferences(
  record: LedgerRecord,
  chain: ChainTransfer | undefined,
): string[] {
  if (!chain) return ['no mined transaction with this hash on its chain'];
  const out: string[] = [];
  const check = (field: string, recorded: string | number, actual: string | number) => {
    if (String(recorded).toLowerCase() !== String(actual).toLowerCase()) {
      out.push(`${field}: recorded ${recorded}, chain ${actual}`);
    }
  };
  check('from', record.from, chain.from);
  check('to', record.to, chain.to);
  // A reverted transfer moved no value; the record keeps what was sent.
  if (chain.status !== 'reverted') check('amountWei', record.amountWei, chain.valueWei.toString());
  check('status', record.status === 'cancelled' ? 'mined' : record.status, chain.status);
  check('block', record.block, chain.block);
  check('feeWei', record.feeWei, chain.feeWei.toString());
  return out;
}
