import type { AwsClients } from '../aws/clients.js';
import type { ResolvedEnvironment } from '../config/model.js';
import { InputError, OperationError, errorMessage } from '../errors.js';
import { bankAlias } from '../inventory/names.js';
import { MANAGED_BY_TAG, MANAGED_BY_VALUE, TAG_KEYS } from '../inventory/tags.js';
import { quantity, rpcBatch, rpcCall, sleep } from '../keymaster/rpc/rpc.js';
import { keyStoreFor } from '../plan/keys/keys.js';
import { KmsSigner } from '../signer/kms-signer.js';
import { rpcUrlOf } from './orphan-balances.js';

/**
 * `nomad-ops keys drain` (issue 26 item 3): sends an orphaned key's balance, less the fee of that
 * very transfer, to the environment's bank. Run with the apply role (its `{env}-key-drain` policy
 * lets it sign only with the keys `keys.drain` declares). The order: drain first, then `keys apply
 * --prune` disables the key (a disabled key cannot sign). Nothing is sent when the transfer would
 * fail (the node's gas estimate refuses it) or when the balance does not cover its fee.
 */

export interface DrainResult {
  key: string;
  keyId: string;
  network: string;
  from: string;
  to: string;
  /** Integer wei, as decimal strings (JSON). */
  balance: string;
  /** The most the transfer may pay: gas limit × max fee per gas. */
  maxFee: string;
  amount: string;
  status: 'sent' | 'not-sent';
  txHash?: string;
  reason: string;
}

/** Pure: what may leave a wallet of `balance` when the transfer may cost up to `maxFee`. */
export function drainAmount(balance: bigint, maxFee: bigint): bigint {
  return balance > maxFee ? balance - maxFee : 0n;
}

export interface DrainOptions {
  key: string;
  to: string;
  variables?: Record<string, string | undefined>;
  /** Receipt wait (default 120 s), polled every `pollMs` (default 1 s). */
  timeoutMs?: number;
  pollMs?: number;
}

export async function drainKey(
  env: ResolvedEnvironment,
  clients: AwsClients,
  options: DrainOptions,
): Promise<DrainResult> {
  if (options.to !== 'bank') {
    throw new InputError(`--to ${options.to}: a key is drained to the bank only (--to bank)`);
  }
  if (env.keyStore !== 'kms') {
    throw new InputError(
      `${env.name} keeps hex keys in Secrets Manager: read the key with the apply role and send its balance by hand (docs/runbooks/draining-a-key.md)`,
    );
  }
  const declared = env.drains ?? [];
  const byAlias = declared.find((d) => d.alias === options.key);
  if (options.key.startsWith('alias/') && !byAlias) {
    throw new InputError(
      `${options.key} is not declared in keys.drain of ${env.source}: add its <network>/<keyName>, merge and apply, then drain`,
    );
  }
  const store = keyStoreFor(env, clients);
  if (store.kind !== 'kms') throw new OperationError('KMS key store expected');
  const info = await store.describeKey(options.key);
  if (!info) throw new InputError(`${options.key}: no such KMS key in ${env.aws.region}`);
  const tags = await store.readTags(info.keyId);
  const tagged = typeof tags === 'string' ? undefined : tags;
  const alias = tagged?.[TAG_KEYS.alias] ?? '';
  if (
    tagged?.[MANAGED_BY_TAG] !== MANAGED_BY_VALUE ||
    tagged[TAG_KEYS.environment] !== env.name ||
    !declared.some((d) => d.alias === alias)
  ) {
    throw new InputError(
      `${options.key} (key ${info.keyId}) is not a toolkit key of ${env.name} that keys.drain declares; only declared orphaned keys are drained`,
    );
  }
  if (info.keyState !== 'Enabled') {
    throw new OperationError(
      `key ${info.keyId} is ${info.keyState ?? 'unusable'} and cannot sign: cancel its deletion and enable it (\`aws kms cancel-key-deletion --key-id ${info.keyId} && aws kms enable-key --key-id ${info.keyId}\`), then drain again`,
    );
  }
  const network = tagged[TAG_KEYS.network] ?? '';
  const variables = options.variables ?? process.env;
  const url = rpcUrlOf(env, network, variables);
  if (!url.url) throw new InputError(`cannot reach ${network}: ${url.why}`);
  const signer = new KmsSigner({ kms: clients.kms, keyId: info.keyId });
  const from = await signer.getAddress();
  const bank = await store.readPublicKey(bankAlias(env.name));
  if (bank.state !== 'usable' || !bank.address) {
    throw new OperationError(`${bankAlias(env.name)} is not a usable key: run keys plan`);
  }
  return send(
    { key: alias, keyId: info.keyId, network, from, to: bank.address, url: url.url, signer },
    options,
  );
}

interface SendInput {
  key: string;
  keyId: string;
  network: string;
  from: string;
  to: string;
  url: string;
  signer: KmsSigner;
}

async function send(input: SendInput, options: DrainOptions): Promise<DrainResult> {
  const rpc = { timeoutMs: 15_000 };
  const call = (method: string, params: unknown[]) =>
    rpcCall(input.url, { method, params }, rpc).then((v) => quantity(v, method));
  const reads = await rpcBatch(
    input.url,
    [
      { method: 'eth_chainId', params: [] },
      { method: 'eth_getBalance', params: [input.from, 'latest'] },
      { method: 'eth_getTransactionCount', params: [input.from, 'pending'] },
      { method: 'eth_getBlockByNumber', params: ['latest', false] },
      { method: 'eth_maxPriorityFeePerGas', params: [] },
    ],
    rpc,
  );
  const [chainId, balance, nonce] = reads.slice(0, 3).map((r, i) => {
    if (!r?.ok)
      throw new OperationError(
        `${input.network} RPC read ${i} failed: ${r?.message ?? 'no answer'}`,
      );
    return quantity(r.result, 'read');
  }) as [bigint, bigint, bigint];
  const block = reads[3]?.ok ? (reads[3].result as { baseFeePerGas?: string }) : {};
  const tip = reads[4]?.ok ? quantity(reads[4].result, 'eth_maxPriorityFeePerGas') : 10n ** 9n;
  const base = block.baseFeePerGas ? quantity(block.baseFeePerGas, 'baseFeePerGas') : 0n;
  const maxFeePerGas = base * 2n + tip;
  const result = (
    status: DrainResult['status'],
    amount: bigint,
    maxFee: bigint,
    reason: string,
    txHash?: string,
  ): DrainResult => ({
    key: input.key,
    keyId: input.keyId,
    network: input.network,
    from: input.from,
    to: input.to,
    balance: balance.toString(),
    maxFee: maxFee.toString(),
    amount: amount.toString(),
    status,
    ...(txHash ? { txHash } : {}),
    reason,
  });
  const first = drainAmount(balance, 21_000n * maxFeePerGas);
  if (first === 0n) {
    return result(
      'not-sent',
      0n,
      21_000n * maxFeePerGas,
      `balance ${balance} wei does not cover one transfer's fee: nothing to drain (the key counts as drained for --prune)`,
    );
  }
  let gasLimit: bigint;
  try {
    gasLimit = await call('eth_estimateGas', [
      { from: input.from, to: input.to, value: `0x${first.toString(16)}` },
    ]);
  } catch (error) {
    return result(
      'not-sent',
      0n,
      0n,
      `the transfer would fail (${errorMessage(error)}): nothing sent, no fee paid`,
    );
  }
  const maxFee = gasLimit * maxFeePerGas;
  const amount = drainAmount(balance, maxFee);
  if (amount === 0n)
    return result(
      'not-sent',
      0n,
      maxFee,
      `balance ${balance} wei does not cover the fee ${maxFee} wei: nothing sent`,
    );
  const raw = await input.signer.signTransaction({
    type: 2,
    chainId,
    nonce: Number(nonce),
    to: input.to,
    value: amount,
    gasLimit,
    maxFeePerGas,
    maxPriorityFeePerGas: tip,
  });
  const hash = (await rpcCall(
    input.url,
    { method: 'eth_sendRawTransaction', params: [raw] },
    rpc,
  )) as string;
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  while (Date.now() < deadline) {
    const receipt = (await rpcCall(
      input.url,
      { method: 'eth_getTransactionReceipt', params: [hash] },
      rpc,
    )) as { status?: string } | null;
    if (receipt) {
      if (receipt.status !== '0x1')
        throw new OperationError(`drain transaction ${hash} reverted on ${input.network}`);
      return result(
        'sent',
        amount,
        maxFee,
        `sent ${amount} wei to the bank ${input.to} (fee at most ${maxFee} wei)`,
        hash,
      );
    }
    await sleep(options.pollMs ?? 1000);
  }
  throw new OperationError(
    `drain transaction ${hash} on ${input.network} has no receipt yet: check it before draining again (a second drain of the same nonce replaces it, never pays twice)`,
  );
}
