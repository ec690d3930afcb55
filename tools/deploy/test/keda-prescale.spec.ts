import { CronExpressionParser } from 'cron-parser';
import { renderChart } from '../src/kubernetes/helm';
import { kubeconform } from '../src/kubernetes/kubeconform';
import { componentObjects, type KubeObject } from '../src/kubernetes/manifests';

interface Trigger {
  type: string;
  metadata: Record<string, string>;
}

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
/** A Monday, 00:00 UTC: the week every schedule is checked over. */
const WEEK = Date.UTC(2027, 0, 4);

const scaledObject = (objects: KubeObject[]) => componentObjects(objects, 'ScaledObject', 'settlement')[0]!;
const triggersOf = (objects: KubeObject[]) => scaledObject(objects).spec!.triggers as Trigger[];
const cronTriggers = (objects: KubeObject[]) =>
  triggersOf(objects).filter((trigger) => trigger.type === 'cron');
const cutoffCron = (objects: KubeObject[]) =>
  componentObjects(objects, 'ConfigMap', 'settlement')[0]!.data!.SETTLEMENT_CUTOFF_CRON!;

/** Production's values with another cut-off schedule (JSON, so commas pass through --set). */
const withCutoffs = (cron: string, set: string[] = []) =>
  renderChart('values-production.yaml', set, [
    `services.settlement.config.SETTLEMENT_CUTOFF_CRON=${JSON.stringify(cron)}`,
  ]);

/** When a cron fires from one instant until before another, UTC, as BullMQ reads SETTLEMENT_CUTOFF_CRON (cron-parser, seconds first when 6 fields). */
function firings(cron: string, from: number, to: number): number[] {
  const expression = CronExpressionParser.parse(cron, {
    currentDate: new Date(from - 1),
    endDate: new Date(to - 1),
    tz: 'UTC',
  });
  const times: number[] = [];
  while (expression.hasNext()) times.push(expression.next().getTime());
  return times;
}

/** The first of sorted times after an instant. */
const firstAfter = (times: number[], instant: number) => times.find((time) => time > instant) ?? Infinity;

/**
 * Whether KEDA's cron scaler holds a trigger's replicas at an instant of the
 * checked week: it takes the next start and the next end after now, and is
 * active while the end comes first (kedacore/keda v2.21,
 * pkg/scalers/cron_scaler.go, GetMetricsAndActivity).
 */
function kedaActivity(trigger: Trigger): (instant: number) => boolean {
  expect(trigger.metadata.timezone).toBe('Etc/UTC');
  // Ten days after the week: the next start of a cut-off on weekdays can be days away.
  const starts = firings(trigger.metadata.start!, WEEK - DAY, WEEK + 17 * DAY);
  const ends = firings(trigger.metadata.end!, WEEK - DAY, WEEK + 17 * DAY);
  return (instant) => !(firstAfter(starts, instant) < firstAfter(ends, instant));
}

/**
 * Over one week, every minute (sampled at its 30th second) in which the
 * triggers hold the replicas, against every minute within `lead` minutes
 * before a cut-off's minute or `after` minutes from it; returns the minutes
 * where they disagree (none when the windows are exactly right).
 */
function disagreements(triggers: Trigger[], cutoffs: string, lead: number, after: number): string[] {
  const cutoffMinutes = firings(cutoffs, WEEK - DAY, WEEK + 8 * DAY).map(
    (time) => Math.floor(time / MINUTE) * MINUTE,
  );
  const activities = triggers.map(kedaActivity);
  const problems: string[] = [];
  for (let minute = WEEK; minute < WEEK + 7 * DAY; minute += MINUTE) {
    const instant = minute + 30_000;
    const expected = cutoffMinutes.some(
      (cutoff) => cutoff - lead * MINUTE <= minute && minute < cutoff + after * MINUTE,
    );
    const active = activities.some((activity) => activity(instant));
    if (active !== expected)
      problems.push(`${new Date(instant).toISOString()}: ${active ? 'scaled up' : 'not scaled up'}`);
  }
  return problems;
}

describe("settlement's pre-scaling before cut-offs (KEDA cron triggers)", () => {
  it('holds 6 replicas in production from 5 minutes before each hourly cut-off of SETTLEMENT_CUTOFF_CRON (0 0 * * * *) until 15 minutes after, beside the queue-depth trigger', () => {
    const objects = renderChart('values-production.yaml');
    expect(cutoffCron(objects)).toBe('0 0 * * * *');
    const triggers = triggersOf(objects);
    expect(triggers.map((trigger) => trigger.type)).toEqual(['prometheus', 'cron']);
    expect(cronTriggers(objects)).toEqual([
      {
        type: 'cron',
        metadata: { timezone: 'Etc/UTC', start: '55 * * * *', end: '15 * * * *', desiredReplicas: '6' },
      },
    ]);
    const { minReplicaCount, maxReplicaCount } = scaledObject(objects).spec as Record<string, number>;
    expect(minReplicaCount! < 6 && 6 <= maxReplicaCount!).toBe(true);
  });

  it("is scaled up, as KEDA's cron scaler decides, in exactly the minutes from 5 before to 15 after each production cut-off over a week, so every cut-off falls inside a window", () => {
    const objects = renderChart('values-production.yaml');
    const triggers = cronTriggers(objects);
    const cutoffs = cutoffCron(objects);
    expect(disagreements(triggers, cutoffs, 5, 15)).toEqual([]);
    // A window opening a minute late is found, once before each of the week's 168 cut-offs.
    const late = triggers.map((trigger) => ({
      ...trigger,
      metadata: { ...trigger.metadata, start: '56 * * * *' },
    }));
    expect(disagreements(late, cutoffs, 5, 15)).toHaveLength(7 * 24);
    const week = firings(cutoffs, WEEK, WEEK + 7 * DAY);
    expect(week).toHaveLength(7 * 24);
    const activities = triggers.map(kedaActivity);
    const missed = week.filter((cutoff) => !activities.some((activity) => activity(cutoff)));
    expect(missed.map((cutoff) => new Date(cutoff).toISOString())).toEqual([]);
  });

  it.each([
    ['twice an hour', '0 0,30 * * * *', 1],
    ['at 17:00 on weekdays, the window starting in the hour before', '0 0 17 * * 1-5', 1],
    [
      'at 06:00, 06:50, 18:00 and 18:50, windows crossing into the hours before and after',
      '0 0,50 6,18 * * *',
      2,
    ],
    ['at 23:58, the window ending after midnight', '0 58 23 * * *', 1],
    ['every 4 hours from 09:00 to 17:00, five fields', '0 9-17/4 * * *', 1],
  ])(
    'derives windows KEDA holds in exactly the minutes around each cut-off of another schedule: %s (%s), in %d trigger(s) kubeconform accepts',
    (_, cron, count) => {
      const objects = withCutoffs(cron);
      expect(cutoffCron(objects)).toBe(cron);
      const triggers = cronTriggers(objects);
      expect(triggers).toHaveLength(count);
      expect(disagreements(triggers, cron, 5, 15)).toEqual([]);
      expect(kubeconform([scaledObject(objects)]).problems).toEqual([]);
    },
  );

  it('follows a longer lead and hold time from values: 10 minutes before, 30 after', () => {
    const objects = renderChart('values-production.yaml', [
      'services.settlement.keda.preScale.leadMinutes=10',
      'services.settlement.keda.preScale.afterMinutes=30',
    ]);
    expect(cronTriggers(objects).map(({ metadata }) => [metadata.start, metadata.end])).toEqual([
      ['50 * * * *', '30 * * * *'],
    ]);
    expect(disagreements(cronTriggers(objects), cutoffCron(objects), 10, 30)).toEqual([]);
  });

  it.each([
    [
      "windows that would overlap (staging's cut-offs every 15 minutes)",
      '0 */15 * * * *',
      ': "0 */15 * * * *" fires 15 minutes apart, so windows of 5 minutes before and 15 after would overlap',
    ],
    [
      'a window crossing midnight into a day the cut-off does not run on',
      '0 0 0 * * 1-5',
      ': a window around "0 0 0 * * 1-5" crosses midnight, and the day fields "* * 1-5" would have to move with it',
    ],
    [
      'cut-offs more than once a minute',
      '*/10 0 * * * *',
      ': "*/10 0 * * * *" fires more than once a minute (seconds "*/10")',
    ],
    ['an hour field it cannot read', '0 0 L * * *', ', hours: "L" is not a value, a range or a step'],
  ])('refuses to render %s, naming the variable', (_, cron, message) => {
    expect(() => withCutoffs(cron)).toThrow(`services.settlement.config.SETTLEMENT_CUTOFF_CRON${message}`);
  });

  it('refuses desiredReplicas outside (minReplicas, maxReplicas], and a cron variable the config does not set', () => {
    for (const replicas of [2, 13])
      expect(() =>
        renderChart('values-production.yaml', [
          `services.settlement.keda.preScale.desiredReplicas=${replicas}`,
        ]),
      ).toThrow(
        `services.settlement.keda.preScale.desiredReplicas (${replicas}) must be above minReplicas (2) and at most maxReplicas (12)`,
      );
    expect(() =>
      renderChart('values-production.yaml', ['services.settlement.keda.preScale.cronVariable=CUTOFF_CRON']),
    ).toThrow('services.settlement.keda.preScale: services.settlement.config.CUTOFF_CRON is not set');
  });

  it('adds no cron trigger where pre-scaling is off, nor a ScaledObject where KEDA is', () => {
    expect(
      cronTriggers(
        renderChart('values-production.yaml', ['services.settlement.keda.preScale.enabled=false']),
      ),
    ).toEqual([]);
    for (const valuesFile of ['values.yaml', 'values-staging.yaml', 'values-local.yaml'])
      expect(renderChart(valuesFile).filter((object) => object.kind === 'ScaledObject')).toEqual([]);
  });
});
