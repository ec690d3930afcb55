/**
 * Validates rendered objects against Kubernetes' own OpenAPI v3 documents
 * (api/openapi-spec/v3 of the kubernetes source at a pinned release) and, for
 * custom resources, against their CRDs' openAPIV3Schema. Strictly: an object
 * schema rejects fields it does not declare, as the API server does with
 * field validation Strict (kubectl's default).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import { parseAllDocuments } from 'yaml';
import { objectRef, type KubeObject } from './manifests';

type Schema = Record<string, unknown>;

const BASE = 'https://kubernetes.openapi.local/';
const OBJECT_META = `${BASE}api__v1_openapi.json#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta`;

/** Adds `additionalProperties: false` wherever an object lists its properties and does not keep unknown fields. */
function strict(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(strict);
  if (node === null || typeof node !== 'object') return node;
  const schema: Schema = Object.fromEntries(Object.entries(node).map(([key, value]) => [key, strict(value)]));
  if (schema['x-kubernetes-int-or-string'] === true && !schema.anyOf && !schema.oneOf) {
    schema.anyOf = [{ type: 'integer' }, { type: 'string' }];
  }
  if (
    schema.properties !== undefined &&
    schema.additionalProperties === undefined &&
    schema['x-kubernetes-preserve-unknown-fields'] !== true
  ) {
    schema.additionalProperties = false;
  }
  return schema;
}

export interface SchemaFinding {
  object: string;
  path: string;
  message: string;
}

export class KubernetesSchemas {
  readonly #ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
  /** `apiVersion/kind` -> schema reference. */
  readonly #kinds = new Map<string, string>();
  readonly #compiled = new Map<string, ValidateFunction>();

  /** Loads every `*_openapi.json` of a Kubernetes release's api/openapi-spec/v3 folder. */
  static load(openapiDir: string, crdFiles: string[] = []): KubernetesSchemas {
    const schemas = new KubernetesSchemas();
    for (const file of readdirSync(openapiDir).filter((name) => name.endsWith('_openapi.json'))) {
      schemas.#addOpenApi(file, JSON.parse(readFileSync(join(openapiDir, file), 'utf8')) as Schema);
    }
    for (const file of crdFiles) schemas.#addCrds(file);
    return schemas;
  }

  #addOpenApi(file: string, document: Schema) {
    const components = (document.components ?? {}) as { schemas?: Record<string, Schema> };
    const id = `${BASE}${file}`;
    this.#ajv.addSchema({ $id: id, components: strict(components) as Schema });
    for (const [name, schema] of Object.entries(components.schemas ?? {})) {
      const kinds = schema['x-kubernetes-group-version-kind'] as
        { group: string; version: string; kind: string }[] | undefined;
      for (const { group, version, kind } of kinds ?? []) {
        const key = `${group ? `${group}/${version}` : version}/${kind}`;
        if (!this.#kinds.has(key)) this.#kinds.set(key, `${id}#/components/schemas/${name}`);
      }
    }
  }

  #addCrds(file: string) {
    for (const document of parseAllDocuments(readFileSync(file, 'utf8'))) {
      const crd = document.toJS() as {
        kind?: string;
        spec?: {
          group: string;
          names: { kind: string };
          versions: { name: string; schema?: { openAPIV3Schema: Schema } }[];
        };
      };
      if (crd.kind !== 'CustomResourceDefinition' || !crd.spec) continue;
      for (const version of crd.spec.versions) {
        if (!version.schema) continue;
        const schema = strict(version.schema.openAPIV3Schema) as Schema & { properties: Schema };
        schema.properties = { ...schema.properties, metadata: { $ref: OBJECT_META } };
        const apiVersion = `${crd.spec.group}/${version.name}`;
        const id = `${BASE}crd/${apiVersion}/${crd.spec.names.kind}`;
        this.#ajv.addSchema({ ...schema, $id: id });
        this.#kinds.set(`${apiVersion}/${crd.spec.names.kind}`, id);
      }
    }
  }

  knows(object: KubeObject): boolean {
    return this.#kinds.has(`${object.apiVersion}/${object.kind}`);
  }

  validate(object: KubeObject): SchemaFinding[] {
    const ref = this.#kinds.get(`${object.apiVersion}/${object.kind}`);
    const name = objectRef(object);
    if (!ref)
      return [{ object: name, path: '', message: `${object.apiVersion} ${object.kind} is not a known kind` }];
    let validate = this.#compiled.get(ref);
    if (!validate) {
      validate = this.#ajv.getSchema(ref)!;
      this.#compiled.set(ref, validate);
    }
    if (validate(object)) return [];
    return (validate.errors ?? []).map((error: ErrorObject) => ({
      object: name,
      path: error.instancePath.replace(/^\//, '').replace(/\//g, '.') || '(root)',
      message:
        error.keyword === 'additionalProperties'
          ? `unknown field "${(error.params as { additionalProperty: string }).additionalProperty}"`
          : (error.message ?? error.keyword),
    }));
  }
}
