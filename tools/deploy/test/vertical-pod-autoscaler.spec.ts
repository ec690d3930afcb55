import { renderChart, valuesFiles } from '../src/kubernetes/helm';
import { kubeconform } from '../src/kubernetes/kubeconform';
import { componentObjects, type KubeObject } from '../src/kubernetes/manifests';
import { readServiceRegistry } from '../src/service-registry';

const registry = readServiceRegistry();
const vpas = (objects: KubeObject[]) => objects.filter((object) => object.kind === 'VerticalPodAutoscaler');

describe('VerticalPodAutoscalers (verticalPodAutoscaler.enabled)', () => {
  it('are on in staging only', () => {
    expect(valuesFiles().filter((valuesFile) => vpas(renderChart(valuesFile)).length > 0)).toEqual([
      'values-staging.yaml',
    ]);
  });

  it("recommend for every service of the registry in staging, each targeting its service's workload, and never act on a pod (updateMode Off), which kubeconform accepts against VPA's CRD", () => {
    const objects = renderChart('values-staging.yaml');
    for (const service of registry) {
      const [workload] = componentObjects(objects, service.kind, service.name);
      const [vpa] = componentObjects(objects, 'VerticalPodAutoscaler', service.name);
      expect(vpa!.spec).toEqual({
        targetRef: { apiVersion: 'apps/v1', kind: service.kind, name: workload!.metadata.name },
        updatePolicy: { updateMode: 'Off' },
        resourcePolicy: {
          containerPolicies: [{ containerName: service.name, controlledResources: ['cpu', 'memory'] }],
        },
      });
    }
    expect(vpas(objects)).toHaveLength(registry.length);
    expect(kubeconform(vpas(objects)).problems).toEqual([]);
  });

  it('cannot be switched to a mode that acts: values.schema.json has no key for it', () => {
    expect(() => renderChart('values-staging.yaml', ['verticalPodAutoscaler.updateMode=Auto'])).toThrow(
      "additional properties 'updateMode' not allowed",
    );
  });
});
