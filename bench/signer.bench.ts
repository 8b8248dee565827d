/**
 * 100 signatures of random digests, one after another, through moto behind a proxy adding 50 ms
 * per call (and KMS's 300/s Sign quota): KmsSigner beside a signer that caches the address after
 * one GetPublicKey, as the most-used published KMS signers do (Sign, then recover v by trying both).
 *
 *   npm run bench -- signer [--quick] [--runs N]
 */
import {
  CreateKeyCommand,
  GetPublicKeyCommand,
  SignCommand,
  type KMSClient,
} from '@aws-sdk/client-kms';
import { getBytes, randomBytes, recoverAddress, type Signature } from 'ethers';
import { createAwsClients } from '../src/aws/clients.js';
import { addressFromSpki } from '../src/eth/address.js';
import { ethereumSignatureFromDer } from '../src/eth/der-signature.js';
import { KmsSigner } from '../src/signer/kms-signer.js';
import { MOTO_BOOTSTRAP_CREDENTIALS, MOTO_REGION, startMoto } from '../test/harness/moto.js';
import {
  benchOptions,
  duration,
  heading,
  ratio,
  spread,
  summarize,
  table,
} from './support/common.js';
import { listCounts, startKmsBenchProxy, totalOf } from './support/kms-proxy.js';

const LATENCY_MS = 50;
const SIGNATURES = 100;

/** The published signers' way: the address fetched once and kept, then one Sign per signature. */
class CachingSigner {
  #address: Promise<string> | undefined;
  constructor(
    private readonly kms: KMSClient,
    private readonly keyId: string,
  ) {}
  address(): Promise<string> {
    return (this.#address ??= this.kms
      .send(new GetPublicKeyCommand({ KeyId: this.keyId }))
      .then(({ PublicKey }) => addressFromSpki(PublicKey!)));
  }
  async signDigest(digest: Uint8Array): Promise<Signature> {
    const address = await this.address();
    const { Signature: der } = await this.kms.send(
      new SignCommand({
        KeyId: this.keyId,
        Message: digest,
        MessageType: 'DIGEST',
        SigningAlgorithm: 'ECDSA_SHA_256',
      }),
    );
    return ethereumSignatureFromDer(digest, der!, address);
  }
}

interface Run {
  ms: number;
  counts: Record<string, number>;
}

async function main() {
  const options = benchOptions();
  const runs = options.quick ? 1 : Math.min(options.runs, 3);
  const moto = await startMoto();
  const proxy = await startKmsBenchProxy({ target: moto.url, latencyMs: LATENCY_MS });
  const { kms } = createAwsClients({
    region: MOTO_REGION,
    endpoint: proxy.url,
    credentials: MOTO_BOOTSTRAP_CREDENTIALS,
  });
  const measured: Record<'caching' | 'ours', Run[]> = { caching: [], ours: [] };
  let unloadedPerSignature: number | undefined;
  try {
    proxy.proxy.setLatency(0);
    const created = await kms.send(
      new CreateKeyCommand({ KeySpec: 'ECC_SECG_P256K1', KeyUsage: 'SIGN_VERIFY' }),
    );
    const keyId = created.KeyMetadata!.KeyId!;
    const expected = await new KmsSigner({ kms, keyId }).getAddress();
    // Warm-up (moto loads its KMS backend on first use), uncounted and without latency.
    const warm = new CachingSigner(kms, keyId);
    await warm.signDigest(getBytes(randomBytes(32)));
    const warmStarted = performance.now();
    for (let i = 0; i < 10; i++) await warm.signDigest(getBytes(randomBytes(32)));
    unloadedPerSignature = (performance.now() - warmStarted) / 10;
    proxy.proxy.setLatency(LATENCY_MS);

    const measure = async (sign: (digest: Uint8Array) => Promise<Signature>): Promise<Run> => {
      proxy.reset();
      const started = performance.now();
      for (let i = 0; i < SIGNATURES; i++) {
        const digest = getBytes(randomBytes(32));
        if (recoverAddress(digest, await sign(digest)) !== expected)
          throw new Error('bad signature');
      }
      return { ms: performance.now() - started, counts: proxy.proxy.counts() };
    };
    for (let r = 0; r < runs; r++) {
      // A new signer per run: its first signature fetches the public key, as in a fresh process.
      const ourSigner = new KmsSigner({ kms, keyId });
      const caching = new CachingSigner(kms, keyId);
      const both = [
        async () => measured.ours.push(await measure((d) => ourSigner.signDigest(d))),
        async () => measured.caching.push(await measure((d) => caching.signDigest(d))),
      ];
      for (const run of r % 2 ? both.reverse() : both) await run();
    }
  } finally {
    kms.destroy();
    await proxy.stop();
    await moto.stop();
  }

  heading(
    `KMS signer: ${SIGNATURES} signatures one after another, +${LATENCY_MS} ms per call`,
    { ...options, runs },
    '`bench/signer.bench.ts`: random digests signed in turn against moto behind a proxy adding ' +
      `${LATENCY_MS} ms per call (and the 300/s Sign quota). Without the added latency a signature took ` +
      `${duration(unloadedPerSignature ?? NaN)} in this run (moto's and the client's own time).`,
  );
  const bound = SIGNATURES * LATENCY_MS + LATENCY_MS; // a Sign per signature + one GetPublicKey
  console.log(
    table(
      [
        'signer',
        'KMS calls',
        'calls by operation',
        'wall time',
        'per signature',
        'bound',
        'ratio to bound',
      ],
      (
        [
          ['a signer caching the address (as published KMS signers do)', measured.caching],
          ['KmsSigner', measured.ours],
        ] as const
      ).map(([label, rs]) => {
        const s = summarize(rs.map((r) => r.ms));
        return [
          label,
          String(totalOf(rs.at(-1)!.counts)),
          listCounts(rs.at(-1)!.counts),
          spread(s),
          duration(s.median / SIGNATURES),
          duration(bound),
          ratio(s.median, bound),
        ];
      }),
      ['l', 'r', 'l', 'r', 'r', 'r', 'r'],
    ),
  );
  console.log(
    `\nBound: one Sign round trip per signature plus one GetPublicKey: ${SIGNATURES + 1} × ${LATENCY_MS} ms. ` +
      "Both make the same calls; what remains is each side's own CPU (DER decoding, recovering v).\n",
  );
}

await main();
