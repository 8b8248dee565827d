import type { AgentConfig, HomeAgentConfig, KeyRef } from './types.js';

/**
 * Values for Nomad's `nomad-agent` helm chart (rust/helm/nomad-agent), one values file per home
 * (one release per home, as Nomad deployed it). Everything sits under the chart's `nomad:` key:
 *
 *   nomad:
 *     runEnv: staging
 *     homeChain: { name: hoodi }
 *     replicaChains: [{ name: moonbasealpha }, …]
 *     processor:                       # the agent's own section, enabled
 *       enabled: true
 *       transactionSigners:            # one per network the agent signs on
 *         - name: moonbasealpha
 *           aws: { keyId: alias/staging-hoodi-processor-signer, region: us-west-2 }
 *       attestationSigner:             # updater and watcher
 *         aws: { keyId: alias/staging-hoodi-updater-attestation, region: us-west-2 }
 *       s3Proofs: { bucket: nomadxyz-staging-proofs, region: us-west-2 }   # processor
 *
 * Development keys are hex keys, which the chart takes as `hexKey`; the toolkit never reads
 * them, so it writes `hexKeySecret: { name, region }` in its place (the chart ignores it): the
 * deployment sets `hexKey` from that secret.
 */
export interface HelmValues {
  nomad: {
    runEnv: string;
    homeChain: { name: string };
    replicaChains: Array<{ name: string }>;
  } & Record<string, unknown>;
}

type HelmKey =
  { aws: { keyId: string; region: string } } | { hexKeySecret: { name: string; region: string } };

function helmKey(key: KeyRef): HelmKey {
  return key.store === 'kms'
    ? { aws: { keyId: key.alias, region: key.region } }
    : { hexKeySecret: { name: key.secretName, region: key.region } };
}

export function helmValuesFor(config: AgentConfig, home: HomeAgentConfig): HelmValues {
  const section: Record<string, unknown> = {
    enabled: true,
    transactionSigners: home.transactionSigners.map((s) => ({
      name: s.network,
      ...helmKey(s.key),
    })),
  };
  if (home.attestationSigner) section.attestationSigner = helmKey(home.attestationSigner);
  if (home.s3Proofs) section.s3Proofs = { ...home.s3Proofs };
  return {
    nomad: {
      runEnv: config.environment,
      homeChain: { name: home.home },
      replicaChains: home.replicas.map((name) => ({ name })),
      [config.agent]: section,
    },
  };
}
