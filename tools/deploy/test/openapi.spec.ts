import { join } from 'node:path';
import { type KubeObject } from '../src/kubernetes/manifests';
import { KubernetesSchemas } from '../src/kubernetes/openapi';
import { toolchain } from '../src/toolchain';

describe('strict validation against the Kubernetes OpenAPI schemas', () => {
  const schemas = KubernetesSchemas.load(toolchain.kubernetesOpenApiDir(), [
    join(toolchain.kedaCrdDir(), 'keda.sh_scaledobjects.yaml'),
  ]);
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
            { name: 'web', image: 'web:1.0.0', resources: { limits: { cpu: '500m', memory: 1024 } } },
          ],
        },
      },
    },
  });

  it('accepts a valid object', () => {
    expect(schemas.validate(deployment())).toEqual([]);
  });

  it('refuses a misspelt field, naming the object and where it is', () => {
    const object = deployment();
    (
      object.spec!.template as { spec: { containers: Record<string, unknown>[] } }
    ).spec.containers[0]!.imagePullPolice = 'Always';
    expect(schemas.validate(object)).toEqual([
      {
        object: 'Deployment/web',
        path: 'spec.template.spec.containers.0',
        message: 'unknown field "imagePullPolice"',
      },
    ]);
  });

  it('refuses a wrong type and a missing required field', () => {
    const object = deployment();
    object.spec!.replicas = 'two';
    delete object.spec!.selector;
    const findings = schemas.validate(object);
    expect(findings).toContainEqual(
      expect.objectContaining({ path: 'spec.replicas', message: 'must be integer' }),
    );
    expect(findings).toContainEqual(
      expect.objectContaining({ path: 'spec', message: "must have required property 'selector'" }),
    );
  });

  it('refuses a kind the cluster does not serve', () => {
    expect(
      schemas.validate({ apiVersion: 'apps/v1beta1', kind: 'Deployment', metadata: { name: 'old' } }),
    ).toEqual([expect.objectContaining({ message: 'apps/v1beta1 Deployment is not a known kind' })]);
  });

  it("validates KEDA's ScaledObject against its CRD, metadata against ObjectMeta", () => {
    const scaledObject: KubeObject = {
      apiVersion: 'keda.sh/v1alpha1',
      kind: 'ScaledObject',
      metadata: { name: 'workers', labelz: {} } as KubeObject['metadata'],
      spec: {
        scaleTargetRef: { name: 'workers' },
        triggers: [{ type: 'prometheus', metadata: { query: 'up' }, treshold: 1 }],
      },
    };
    expect(schemas.validate(scaledObject)).toEqual([
      { object: 'ScaledObject/workers', path: 'metadata', message: 'unknown field "labelz"' },
      { object: 'ScaledObject/workers', path: 'spec.triggers.0', message: 'unknown field "treshold"' },
    ]);
  });
});
