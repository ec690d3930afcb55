/**
 * Scores manifests with kube-score (its checks: `kube-score list`, README_CHECKS.md).
 * Every test it runs must be graded OK: warnings count, since each of its
 * warnings (anti-affinity, one-sided network policies, few replicas) is
 * something the chart means to get right.
 */
import { spawnSync } from 'node:child_process';
import { toolchain } from '../toolchain';
import { type KubeObject } from './manifests';

/** kube-score's optional tests the chart is held to as well, and why each applies. */
export const KUBE_SCORE_OPTIONAL_TESTS: Record<string, string> = {
  'container-seccomp-profile':
    'every pod runs under a seccomp profile (RuntimeDefault: the restricted Pod Security Standard)',
  'container-ports-check':
    'Services and probes name container ports (http, management): names must be valid and unique',
};

/**
 * kube-score's tests left out on one values file's render, and why each does
 * not apply there. The other optional tests stay off by design:
 * requests-equal-limits would make every pod Guaranteed, and the chart gives
 * CPU and ephemeral storage room to burst above what it requests.
 */
export const KUBE_SCORE_IGNORED_TESTS: Record<string, Record<string, string>> = {
  'values-local.yaml': {
    'container-image-pull-policy':
      'images are loaded into the kind node (kind load docker-image) and are in no registry: Always would fail every pull',
  },
};

export interface KubeScoreFinding {
  /** The kube-score test, e.g. container-resources. */
  check: string;
  /** kind/name. */
  object: string;
  grade: 'CRITICAL' | 'WARNING' | 'ALMOST_OK';
  /** What kube-score said, each prefixed with the container it is about. */
  comments: string[];
}

interface ScoredObject {
  type_meta: { kind: string };
  object_meta: { name: string };
  checks: {
    check: { id: string };
    grade: number;
    skipped: boolean;
    comments: { path: string; summary: string }[] | null;
  }[];
}

const GRADES: Record<number, KubeScoreFinding['grade']> = { 1: 'CRITICAL', 5: 'WARNING', 7: 'ALMOST_OK' };
const ALL_OK = 10;

/**
 * Runs `kube-score score` over objects (each written as a JSON document) for
 * the pinned Kubernetes release; returns every test graded below OK, sorted.
 * `valuesFile` selects the ignores of KUBE_SCORE_IGNORED_TESTS.
 */
export function kubeScore(objects: KubeObject[], valuesFile?: string): KubeScoreFinding[] {
  const [major, minor] = toolchain.kubernetesVersion().split('.');
  const args = [
    'score',
    '--output-format',
    'json',
    '--kubernetes-version',
    `v${major}.${minor}`,
    ...Object.keys(KUBE_SCORE_OPTIONAL_TESTS).flatMap((test) => ['--enable-optional-test', test]),
    ...Object.keys(KUBE_SCORE_IGNORED_TESTS[valuesFile ?? ''] ?? {}).flatMap((test) => [
      '--ignore-test',
      test,
    ]),
    '-',
  ];
  const result = spawnSync(toolchain.kubeScore(), args, {
    input: objects.map((object) => JSON.stringify(object)).join('\n---\n'),
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.error) throw result.error;
  let scored: ScoredObject[];
  try {
    scored = JSON.parse(result.stdout) as ScoredObject[];
  } catch {
    throw new Error(
      `kube-score exited ${result.status} without a report:\n${result.stderr || result.stdout}`,
    );
  }
  // 1: a test graded critical; 0: none. Anything else is no verdict.
  if (result.status !== 0 && result.status !== 1) {
    throw new Error(`kube-score exited ${result.status}:\n${result.stderr}`);
  }
  return scored
    .flatMap((object) =>
      object.checks
        .filter((check) => !check.skipped && check.grade < ALL_OK)
        .map((check) => ({
          check: check.check.id,
          object: `${object.type_meta.kind}/${object.object_meta.name}`,
          grade: GRADES[check.grade] ?? 'CRITICAL',
          comments: (check.comments ?? []).map((comment) =>
            comment.path ? `${comment.path}: ${comment.summary}` : comment.summary,
          ),
        })),
    )
    .sort((a, b) => `${a.object} ${a.check}`.localeCompare(`${b.object} ${b.check}`));
}

export const formatKubeScoreFinding = (finding: KubeScoreFinding) =>
  `[${finding.check}] ${finding.object} (${finding.grade}): ${finding.comments.join('; ')}`;
