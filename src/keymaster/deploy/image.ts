import { InputError } from '../../errors.js';

/**
 * Which container images `keymaster manifests` puts in the Deployment, and the Prometheus labels
 * it puts on the ServiceMonitor and PrometheusRule. Pure: text in, value or problem out.
 *
 * The image rule: a tag alone (`:0.1.0`, `:latest`) can be moved to other bytes after review, so
 * only a reference pinned by digest, `registry/name[:tag]@sha256:<64 hex>`, says which image
 * runs with the Keymaster role. The tag may stay beside the digest for readers; the digest is
 * what the node pulls.
 */

const DIGEST = /^sha256:[0-9a-f]{64}$/;
/** registry/path segments as the distribution spec allows them, an optional tag. */
const NAME =
  /^[a-z0-9]+(?:[._-][a-z0-9]+|__)*(?::[0-9]+)?(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;

/** Why the reference cannot be vouched for, or undefined when it is pinned by digest. */
export function imageProblem(reference: string): string | undefined {
  const how =
    'pin it by digest, e.g. ghcr.io/nomad-xyz/nomad-agent-ops:0.1.0@sha256:… (the image workflow prints it; or `docker buildx imagetools inspect <image>:<tag>`)';
  const at = reference.indexOf('@');
  const nameAndTag = at < 0 ? reference : reference.slice(0, at);
  const slash = nameAndTag.lastIndexOf('/');
  const colon = nameAndTag.lastIndexOf(':');
  const hasTag = colon > slash;
  const name = hasTag ? nameAndTag.slice(0, colon) : nameAndTag;
  const tag = hasTag ? nameAndTag.slice(colon + 1) : undefined;
  if (!NAME.test(name) || (tag !== undefined && !TAG.test(tag))) {
    return `the image ${JSON.stringify(reference)} is not an image reference: ${how}`;
  }
  if (at < 0) {
    return `the image ${JSON.stringify(reference)} has no digest, so ${tag === undefined || tag === 'latest' ? 'it means whatever latest is when a node pulls' : `the tag ${tag} could be moved to another image`}: ${how}`;
  }
  if (!DIGEST.test(reference.slice(at + 1))) {
    return `the image ${JSON.stringify(reference)} has no sha256 digest of 64 lower-case hex digits after @: ${how}`;
  }
  return undefined;
}

/** The default: the label kube-prometheus-stack's Prometheus selects ServiceMonitors and rules by. */
export const DEFAULT_PROMETHEUS_LABELS = 'release=kube-prometheus-stack';

const LABEL_KEY =
  /^(?:[a-z0-9]([-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^(?:[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

/**
 * `key=value,key=value` as Kubernetes labels; an empty text is no label. Throws an InputError
 * naming the pair that is not a label.
 */
export function parsePrometheusLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const pair of text.split(',').map((p) => p.trim())) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const [key, value] = eq < 0 ? [pair, undefined] : [pair.slice(0, eq), pair.slice(eq + 1)];
    if (value === undefined || !LABEL_KEY.test(key) || !LABEL_VALUE.test(value)) {
      throw new InputError(
        `--prometheus-labels: ${JSON.stringify(pair)} is not key=value with a Kubernetes label key and value (letters, digits, '-', '_', '.', at most 63; a key may have a DNS prefix/)`,
      );
    }
    if (/^(app\.kubernetes\.io|nomad\.xyz)\//.test(key)) {
      throw new InputError(
        `--prometheus-labels: ${key} is one of the labels the toolkit sets itself: choose another key`,
      );
    }
    labels[key] = value;
  }
  return labels;
}
