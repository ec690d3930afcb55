import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { kubeconform, kubeconformSchemaFolder } from '../src/kubernetes/kubeconform';
import { type KubeObject } from '../src/kubernetes/manifests';
import { toolchain } from '../src/toolchain';

const deployment = (): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web' },
  spec: {
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: {
        containers: [
          {
            name: 'web',
            image: 'web:1.0.0',
            ports: [{ name: 'http', containerPort: 3000 }],
            readinessProbe: { httpGet: { path: '/ready', port: 'http' } },
            resources: { limits: { cpu: '500m', memory: 1024 } },
          },
        ],
      },
    },
  },
});
const containerOf = (object: KubeObject) =>
  (object.spec!.template as { spec: { containers: Record<string, unknown>[] } }).spec.containers[0]!;

describe('the schema folder kubeconform reads', () => {
  const version = toolchain.kubernetesVersion();

  it(`holds one strict schema per built-in kind of Kubernetes ${version} as v${version}-standalone-strict/<kind>-<group>-<version>.json, and one per CRD version as crds/<group>/<kind>_<version>.json`, () => {
    const folder = kubeconformSchemaFolder();
    const builtIns = readdirSync(join(folder, `v${version}-standalone-strict`));
    expect(builtIns).toEqual(
      expect.arrayContaining([
        'deployment-apps-v1.json',
        'statefulset-apps-v1.json',
        'service-v1.json',
        'configmap-v1.json',
        'horizontalpodautoscaler-autoscaling-v2.json',
        'networkpolicy-networking-v1.json',
        'poddisruptionbudget-policy-v1.json',
      ]),
    );
    for (const crd of [
      'keda.sh/scaledobject_v1alpha1.json',
      'keda.sh/triggerauthentication_v1alpha1.json',
      'argoproj.io/application_v1alpha1.json',
      'monitoring.coreos.com/prometheusrule_v1.json',
      'monitoring.coreos.com/servicemonitor_v1.json',
      'autoscaling.k8s.io/verticalpodautoscaler_v1.json',
      'policies.kyverno.io/namespacedimagevalidatingpolicy_v1.json',
    ]) {
      expect([crd, existsSync(join(folder, 'crds', crd))]).toEqual([crd, true]);
    }
    const schema = JSON.parse(
      readFileSync(join(folder, `v${version}-standalone-strict`, 'deployment-apps-v1.json'), 'utf8'),
    ) as { additionalProperties: unknown; definitions: Record<string, { additionalProperties?: unknown }> };
    expect(schema.additionalProperties).toBe(false);
    expect(schema.definitions['io.k8s.api.core.v1.Container']!.additionalProperties).toBe(false);
  });
});

describe('kubeconform -strict', () => {
  it('accepts a valid Deployment (a Quantity given as a number, a port by name)', () => {
    expect(kubeconform([deployment()])).toEqual({
      problems: [],
      summary: { valid: 1, invalid: 0, errors: 0, skipped: 0 },
    });
  });

  it('rejects an unknown field, naming the object and where the field is', () => {
    const object = deployment();
    containerOf(object).imagePullPolice = 'Always';
    const { problems } = kubeconform([object]);
    expect(problems).toEqual([
      expect.objectContaining({ object: 'Deployment/web', status: 'statusInvalid' }),
    ]);
    expect(problems[0]!.message).toContain(
      "at '/spec/template/spec/containers/0': additional properties 'imagePullPolice' not allowed",
    );
  });

  it('rejects a wrong type and a missing required field', () => {
    const object = deployment();
    object.spec!.replicas = 'two';
    delete object.spec!.selector;
    const [problem] = kubeconform([object]).problems;
    expect(problem!.message).toContain("at '/spec/replicas': got string, want integer");
    expect(problem!.message).toContain("at '/spec': missing property 'selector'");
  });

  it('rejects a kind the release does not serve', () => {
    expect(
      kubeconform([{ apiVersion: 'apps/v1beta1', kind: 'Deployment', metadata: { name: 'old' } }]).problems,
    ).toEqual([
      {
        object: 'Deployment/old',
        status: 'statusError',
        message: 'could not find schema for Deployment',
        errors: [],
      },
    ]);
  });

  it('rejects a key given twice in YAML', () => {
    const [problem] = kubeconform(
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: twice\ndata:\n  A: "1"\n  A: "2"\n',
    ).problems;
    expect(problem).toMatchObject({ object: 'ConfigMap/twice', status: 'statusError' });
    expect(problem!.message).toContain('line 7: key "A" already set in map');
  });

  it("rejects unknown fields in KEDA's ScaledObject, against its CRD, and in its metadata, as an ObjectMeta", () => {
    const scaledObject: KubeObject = {
      apiVersion: 'keda.sh/v1alpha1',
      kind: 'ScaledObject',
      metadata: { name: 'workers', labelz: {} } as KubeObject['metadata'],
      spec: {
        scaleTargetRef: { name: 'workers' },
        triggers: [{ type: 'prometheus', metadata: { query: 'up' }, treshold: 1 }],
      },
    };
    const [problem] = kubeconform([scaledObject]).problems;
    expect(problem).toMatchObject({ object: 'ScaledObject/workers', status: 'statusInvalid' });
    expect(problem!.message).toContain("at '/metadata': additional properties 'labelz' not allowed");
    expect(problem!.message).toContain("at '/spec/triggers/0': additional properties 'treshold' not allowed");
  });

  it("rejects a VerticalPodAutoscaler's unknown updateMode and a Kyverno image policy's unknown field, against their CRDs", () => {
    const vpa: KubeObject = {
      apiVersion: 'autoscaling.k8s.io/v1',
      kind: 'VerticalPodAutoscaler',
      metadata: { name: 'web' },
      spec: { targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, updatePolicy: {} },
    };
    const policy: KubeObject = {
      apiVersion: 'policies.kyverno.io/v1',
      kind: 'NamespacedImageValidatingPolicy',
      metadata: { name: 'signed' },
      spec: {
        validationActions: ['Deny'],
        matchImageReferences: [{ glob: 'ghcr.io/example/*' }],
        attestors: [{ name: 'ci', cosign: { keyless: { identities: [{ issuer: 'x', subject: 'y' }] } } }],
        validations: [{ expression: 'true' }],
      },
    };
    expect(kubeconform([vpa, policy]).problems).toEqual([]);
    (vpa.spec!.updatePolicy as Record<string, unknown>).updateMode = 'Sometimes';
    (policy.spec as Record<string, unknown>).validationFailureAction = 'Enforce';
    const problems = kubeconform([vpa, policy]).problems;
    expect(problems.map((problem) => problem.object)).toEqual([
      'VerticalPodAutoscaler/web',
      'NamespacedImageValidatingPolicy/signed',
    ]);
    expect(problems[0]!.message).toContain('/spec/updatePolicy/updateMode');
    expect(problems[1]!.message).toContain("additional properties 'validationFailureAction' not allowed");
  });
});
