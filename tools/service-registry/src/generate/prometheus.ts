import { isSeq, parseDocument, Scalar, type YAMLSeq } from 'yaml';
import { type Registry } from '../registry';
import { composeServiceNames, replaceLeadingComment } from './compose';

/** host:port quoted, as YAML 1.1 readers could take some unquoted ones for numbers. */
const quoted = (value: string) => Object.assign(new Scalar(value), { type: Scalar.QUOTE_SINGLE });

/**
 * docker/observability/prometheus.yml: the template plus a scrape job per
 * service, on its management port: each replica of a StatefulSet by its own
 * name (its metrics are its own: the partitions it owns), not by the name
 * they share, which would answer from any one of them.
 */
export function renderPrometheus(registry: Registry, template: string, notice: string): string {
  const document = parseDocument(replaceLeadingComment(template, notice));
  const jobs = document.get('scrape_configs');
  if (!isSeq(jobs)) throw new Error('prometheus template: scrape_configs is not a list');
  for (const service of registry.services) {
    const job = document.createNode({
      job_name: service.name,
      static_configs: [
        {
          targets: composeServiceNames(service).map((name) => quoted(`${name}:${service.managementPort}`)),
          labels: { service: service.name },
        },
      ],
    });
    (job.get('static_configs') as YAMLSeq).flow = true;
    jobs.items.push(job);
  }
  jobs.flow = false;
  return document.toString({ lineWidth: 0 });
}
