import { Gauge, Registry, type PrometheusContentType } from 'prom-client';
import { errorMessage } from '../../errors.js';
import { PushgatewayError } from './metrics.js';

/**
 * Whether the Keymaster pays approved settings, as Prometheus gauges (DESIGN §6, issue 25):
 * `nomad_keymaster_settings_approved` (the service: 1 while its settings are the recorded ones)
 * and `nomad_keymaster_pending_settings` with `…_age_seconds` (the workflow: a merged funding
 * change waits for approval, and since when). One series per environment, no other label.
 */
export class ApprovalMetrics {
  readonly settingsApproved: Gauge<'environment'>;
  readonly pending: Gauge<'environment'>;
  readonly pendingAge: Gauge<'environment'>;

  /** `registry`: the service's own (scraped with the rest), or a fresh one to push. */
  constructor(
    readonly environment: string,
    readonly registry = new Registry<PrometheusContentType>(),
  ) {
    const registers = [registry];
    this.settingsApproved = new Gauge({
      name: 'nomad_keymaster_settings_approved',
      help: '1 while the funding settings the Keymaster runs with are the ones the bank records as approved (it sends only then), else 0.',
      labelNames: ['environment'],
      registers,
    });
    this.pending = new Gauge({
      name: 'nomad_keymaster_pending_settings',
      help: '1 while a merged funding change awaits approval (the approved settings are still paid), else 0.',
      labelNames: ['environment'],
      registers,
    });
    this.pendingAge = new Gauge({
      name: 'nomad_keymaster_pending_settings_age_seconds',
      help: 'Age of the oldest merged commit of the funding change awaiting approval (0 when none).',
      labelNames: ['environment'],
      registers,
    });
  }

  observeApproved(approved: boolean): void {
    this.settingsApproved.set({ environment: this.environment }, approved ? 1 : 0);
  }

  observePending(pending: { ageSeconds: number } | null): void {
    this.pending.set({ environment: this.environment }, pending ? 1 : 0);
    this.pendingAge.set({ environment: this.environment }, pending?.ageSeconds ?? 0);
  }

  /**
   * PUTs the pending gauges to a Pushgateway as the group `{job, environment}` (the Keymaster's
   * own groups add `network`, so neither replaces the other).
   */
  async push(url: string, jobName = 'nomad-keymaster'): Promise<void> {
    const target = `${url.replace(/\/+$/, '')}/metrics/job/${encodeURIComponent(jobName)}/environment/${encodeURIComponent(this.environment)}`;
    const body = (await this.registry.metrics())
      .split('\n')
      .filter((l) => !l.includes('nomad_keymaster_settings_approved'))
      .join('\n');
    try {
      const response = await fetch(target, {
        method: 'PUT',
        headers: { 'content-type': this.registry.contentType },
        body,
        signal: AbortSignal.timeout(10_000),
      });
      if (!response.ok) {
        throw new Error(`HTTP ${response.status} ${(await response.text()).slice(0, 200)}`);
      }
    } catch (error) {
      throw new PushgatewayError(
        `pushing the approval metrics to the Pushgateway failed: ${errorMessage(error)}`,
      );
    }
  }
}
