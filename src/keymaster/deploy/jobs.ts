/**
 * The `job` label of the Keymaster's series in Prometheus. The service's scrape job is set by the
 * ServiceMonitor (or a plain scrape config of that name); cron runs push their groups under
 * `PUSH_JOB` and are scraped from the Pushgateway with `honor_labels: true`. Alerts tell the two
 * apart because their cadences differ.
 */
export const SERVICE_JOB = 'nomad-keymaster-service';
export const PUSH_JOB = 'nomad-keymaster';

/** The port of /metrics and /healthz (`keymaster serve --port`). */
export const METRICS_PORT = 9090;
