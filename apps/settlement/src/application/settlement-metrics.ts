import { Injectable } from '@nestjs/common';
import { ServiceMetrics } from '@meridian/telemetry';
import { Counter, Histogram } from 'prom-client';

/** The signals an operator (and an autoscaler) reads off the settlement worker; queue depth is collected in the queue module. */
@Injectable()
export class SettlementMetrics {
  readonly jobDuration: Histogram<'queue' | 'outcome'>;
  readonly eventLag: Histogram;
  readonly failedJobs: Counter<'queue'>;
  readonly batches: Counter<'state'>;
  readonly obligationsSettled: Counter;
  readonly instructionAttempts: Counter<'outcome'>;
  readonly instructionsCancelled: Counter;
  readonly accountRollovers: Counter;

  constructor(metrics: ServiceMetrics) {
    const registers = [metrics.registry];
    this.jobDuration = new Histogram({
      name: 'settlement_job_duration_seconds',
      help: 'Time to process a job, by queue and outcome.',
      labelNames: ['queue', 'outcome'] as const,
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30, 120],
      registers,
    });
    this.eventLag = new Histogram({
      name: 'settlement_event_to_obligation_seconds',
      help: 'From the ledger committing a transfer to its obligation being recorded.',
      buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 30, 120, 600],
      registers,
    });
    this.failedJobs = new Counter({
      name: 'settlement_jobs_failed_total',
      help: 'Jobs that failed for good (every attempt used, or unrecoverable); kept with their reason.',
      labelNames: ['queue'] as const,
      registers,
    });
    this.batches = new Counter({
      name: 'settlement_batches_total',
      help: 'Settlement batches that completed (every instruction posted or cancelled).',
      labelNames: ['state'] as const,
      registers,
    });
    this.obligationsSettled = new Counter({
      name: 'settlement_obligations_settled_total',
      help: 'Obligations settled by completed batches.',
      registers,
    });
    this.instructionAttempts = new Counter({
      name: 'settlement_instruction_attempts_total',
      help: 'Attempts to post a settlement instruction to the ledger, by outcome (posted, refused, rolled_over, unknown, conflict).',
      labelNames: ['outcome'] as const,
      registers,
    });
    this.instructionsCancelled = new Counter({
      name: 'settlement_instructions_cancelled_total',
      help: 'Settlement instructions an operator cancelled (their transfer id fenced in the ledger).',
      registers,
    });
    this.accountRollovers = new Counter({
      name: 'settlement_account_rollovers_total',
      help: "Tenants' settlement accounts that reached the 64-bit limit and rolled over to a new one.",
      registers,
    });
  }
}
