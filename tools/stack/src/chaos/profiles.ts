import {
  type Fault,
  killReplica,
  postgresConnectionCut,
  postgresLatency,
  redisRestart,
  rollingRestart,
  serviceConnectionCut,
  serviceLatency,
  terminatePostgresBackends,
} from './faults';

export interface ChaosProfile {
  /** Arrivals per second of the open-model load, for the whole run. */
  rate: number;
  replicas: number;
  faults: Fault[];
}

const APPS = ['api', 'ledger', 'settlement'];

/**
 * short: what the test command runs (a rolling restart and a SIGKILL of each
 * app, a Redis restart, PostgreSQL's connections terminated); full: every fault, at a higher rate (`./meridian chaos --profile full`,
 * whose table goes into docs/operations/chaos.md).
 */
const SHORT_FAULTS: Fault[] = [
  ...APPS.map(rollingRestart),
  ...APPS.map(killReplica),
  redisRestart(),
  terminatePostgresBackends(),
];

export const PROFILES: Record<string, ChaosProfile> = {
  short: { rate: 30, replicas: 2, faults: SHORT_FAULTS },
  full: {
    rate: 60,
    replicas: 2,
    faults: [
      ...SHORT_FAULTS,
      postgresLatency(20),
      postgresConnectionCut(),
      serviceLatency('ledger'),
      serviceConnectionCut('ledger'),
      serviceConnectionCut('api'),
    ],
  },
};
