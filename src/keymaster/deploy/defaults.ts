import { APP_NAME } from './labels.js';

/**
 * Defaults of `keymaster manifests` and `keymaster alerts`, apart from the modules that render the
 * objects so the CLI can show them in `--help` without loading the Kubernetes models.
 */

export const DEFAULT_NAMESPACE = 'nomad-keymaster';
export const DEFAULT_RPC_SECRET = `${APP_NAME}-rpc`;
/** Seconds between scheduled runs: `.github/workflows/keymaster.yml` runs twice an hour. */
export const DEFAULT_SCHEDULE_SECONDS = 1800;
