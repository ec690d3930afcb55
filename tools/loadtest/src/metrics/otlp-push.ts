import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import type { OperationOutcome } from './recorder';

/** Receives each operation's outcome while the run goes, besides the recorder. */
export interface OutcomeSink {
  record(outcome: OperationOutcome): void;
  setTargetRate(rate: number | null): void;
  shutdown(): Promise<void>;
}

/**
 * Pushes the run's metrics to an OpenTelemetry Collector (OTLP/HTTP) while it
 * goes, so Grafana shows the load beside the services it hits:
 * `loadtest.operation.duration` (s, by scenario and status class),
 * `loadtest.operations` (by scenario and outcome) and `loadtest.target_rate`.
 */
export function otlpMetricsPush(endpoint: string, runId: string, intervalMs = 5_000): OutcomeSink {
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ 'service.name': 'meridian-loadtest', 'loadtest.run_id': runId }),
    readers: [
      new PeriodicExportingMetricReader({
        exporter: new OTLPMetricExporter({ url: `${endpoint.replace(/\/+$/, '')}/v1/metrics` }),
        exportIntervalMillis: intervalMs,
      }),
    ],
  });
  const meter = provider.getMeter('@meridian/loadtest');
  const duration = meter.createHistogram('loadtest.operation.duration', {
    unit: 's',
    description: 'Operation latency from its scheduled time',
  });
  const operations = meter.createCounter('loadtest.operations', { description: 'Operations completed' });
  let targetRate: number | null = null;
  meter
    .createObservableGauge('loadtest.target_rate', {
      unit: '{operation}/s',
      description: 'Arrival rate asked for',
    })
    .addCallback((result) => {
      if (targetRate !== null) result.observe(targetRate);
    });
  return {
    record(outcome) {
      const attributes = { scenario: outcome.scenario, status_class: outcome.status };
      duration.record(Math.max(0, outcome.finishedAt - outcome.scheduledAt) / 1_000, attributes);
      operations.add(1, {
        scenario: outcome.scenario,
        outcome: outcome.failure === undefined ? 'ok' : 'failed',
        ...(outcome.failure === undefined ? {} : { failure: outcome.failure }),
      });
    },
    setTargetRate(rate) {
      targetRate = rate;
    },
    shutdown: () => provider.shutdown(),
  };
}
