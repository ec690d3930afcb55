/**
 * Writes the JSON schemas kubeconform validates with, from sources fetched at
 * pinned releases (nothing is downloaded): Kubernetes' OpenAPI v3 documents
 * (api/openapi-spec/v3 of the kubernetes source) and CustomResourceDefinitions.
 *
 * The folder has the layout of yannh/kubernetes-json-schema (what
 * openapi2jsonschema writes), strict variant only, plus the CRD layout
 * kubeconform documents:
 *
 *   v<release>-standalone-strict/<kind>-<group>-<version>.json   a built-in kind, e.g. deployment-apps-v1.json
 *   crds/<group>/<kind>_<version>.json                           a CRD version, e.g. keda.sh/scaledobject_v1alpha1.json
 *
 * Each file stands alone: the kind's schema with the definitions it refers to
 * under `definitions`. Strict: an object schema that lists its properties
 * refuses any other, unless it keeps unknown fields
 * (x-kubernetes-preserve-unknown-fields), as the API server does with field
 * validation Strict (kubectl's default). A custom resource's metadata is
 * checked as an ObjectMeta, as the API server does. Descriptions are left out:
 * kubeconform never shows them, and they are most of the bytes.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

type Schema = Record<string, unknown>;

export interface SchemaSources {
  /** Kubernetes' api/openapi-spec/v3 folder. */
  openapiDir: string;
  /** The release those documents are from, e.g. 1.37.2. */
  kubernetesVersion: string;
  /** YAML files holding CustomResourceDefinitions (other documents in them are passed over). */
  crdFiles: string[];
}

const COMPONENTS = '#/components/schemas/';
const OBJECT_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';

/**
 * kubeconform's -schema-location templates for a folder written here. CRDs come
 * first: under the built-in layout, a custom resource of group apps.example.com
 * would be looked up as <kind>-apps-<version>.json, a built-in's name.
 */
export const schemaLocations = (folder: string) => [
  `${folder}/crds/{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json`,
  `${folder}/{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json`,
];

/** kubeconform's {{ .KindSuffix }}: -<first label of the group>-<version>, or -<version> for the core group. */
const kindSuffix = (group: string, version: string) =>
  group ? `-${group.split('.')[0]!.toLowerCase()}-${version.toLowerCase()}` : `-${version.toLowerCase()}`;

const isSchema = (value: unknown): value is Schema =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** One schema made strict, its references pointed at `#/definitions/`, its descriptions dropped. */
function strict(schema: Schema): Schema {
  const result: Schema = {};
  for (const [keyword, value] of Object.entries(schema)) {
    switch (keyword) {
      case 'description':
        break;
      case '$ref':
        result.$ref = (value as string).replace(COMPONENTS, '#/definitions/');
        break;
      case 'properties':
      case 'patternProperties':
        result[keyword] = Object.fromEntries(
          Object.entries(value as Record<string, Schema>).map(([name, property]) => [name, strict(property)]),
        );
        break;
      case 'items':
      case 'additionalProperties':
      case 'not':
        result[keyword] = isSchema(value)
          ? strict(value)
          : Array.isArray(value)
            ? (value as Schema[]).map(strict)
            : value;
        break;
      case 'allOf':
      case 'anyOf':
      case 'oneOf':
        result[keyword] = (value as Schema[]).map(strict);
        break;
      default:
        // enum, default, required, type, format, x-kubernetes-*: kept as they are.
        result[keyword] = value;
    }
  }
  if (result['x-kubernetes-int-or-string'] === true && !result.anyOf && !result.oneOf) {
    result.anyOf = [{ type: 'integer' }, { type: 'string' }];
  }
  if (
    result.properties !== undefined &&
    result.additionalProperties === undefined &&
    result['x-kubernetes-preserve-unknown-fields'] !== true
  ) {
    result.additionalProperties = false;
  }
  return result;
}

/** The definitions a schema refers to, directly or through others. */
function closure(root: Schema, definitions: Map<string, Schema>): Record<string, Schema> {
  const found: Record<string, Schema> = {};
  const visit = (node: unknown) => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (!isSchema(node)) return;
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string' && value.startsWith('#/definitions/')) {
        const name = value.slice('#/definitions/'.length);
        if (found[name]) continue;
        const definition = definitions.get(name);
        if (!definition) throw new Error(`${value} is referred to but not defined`);
        found[name] = definition;
        visit(definition);
      } else if (key !== 'enum' && key !== 'default') visit(value);
    }
  };
  visit(root);
  return Object.fromEntries(Object.entries(found).sort(([a], [b]) => a.localeCompare(b)));
}

const standalone = (root: Schema, definitions: Map<string, Schema>): Schema => ({
  $schema: 'http://json-schema.org/draft-04/schema#',
  ...root,
  definitions: closure(root, definitions),
});

const write = (file: string, schema: Schema) => writeFileSync(file, `${JSON.stringify(schema)}\n`);

/** Writes the schema folder for `sources` into `folder` (created; it must not exist yet). */
export function writeSchemaFolder(folder: string, sources: SchemaSources) {
  const builtIns = join(folder, `v${sources.kubernetesVersion}-standalone-strict`);
  mkdirSync(builtIns, { recursive: true });
  let objectMeta: Map<string, Schema> | undefined;
  const documents = readdirSync(sources.openapiDir)
    .filter((name) => name.endsWith('_openapi.json'))
    .sort();
  for (const name of documents) {
    const document = JSON.parse(readFileSync(join(sources.openapiDir, name), 'utf8')) as {
      components?: { schemas?: Record<string, Schema> };
    };
    const raw = document.components?.schemas ?? {};
    const definitions = new Map(Object.entries(raw).map(([key, schema]) => [key, strict(schema)]));
    if (definitions.has(OBJECT_META) && !objectMeta) objectMeta = definitions;
    for (const [key, schema] of Object.entries(raw)) {
      const kinds = (schema['x-kubernetes-group-version-kind'] ?? []) as {
        group: string;
        version: string;
        kind: string;
      }[];
      for (const { group, version, kind } of kinds) {
        const file = join(builtIns, `${kind.toLowerCase()}${kindSuffix(group, version)}.json`);
        // A kind listed by several documents (meta kinds, subresources) is the same schema in each.
        if (!existsSync(file)) write(file, standalone(definitions.get(key)!, definitions));
      }
    }
  }
  if (!objectMeta) throw new Error(`no document in ${sources.openapiDir} defines ${OBJECT_META}`);
  for (const file of sources.crdFiles) {
    for (const document of parseAllDocuments(readFileSync(file, 'utf8'))) {
      const crd = document.toJS() as {
        kind?: string;
        spec?: {
          group: string;
          names: { kind: string };
          versions: { name: string; schema?: { openAPIV3Schema: Schema } }[];
        };
      };
      if (crd?.kind !== 'CustomResourceDefinition' || !crd.spec) continue;
      const groupDir = join(folder, 'crds', crd.spec.group);
      mkdirSync(groupDir, { recursive: true });
      for (const version of crd.spec.versions) {
        if (!version.schema) continue;
        const schema = strict(version.schema.openAPIV3Schema) as Schema & { properties: Schema };
        schema.properties = { ...schema.properties, metadata: { $ref: `#/definitions/${OBJECT_META}` } };
        write(
          join(groupDir, `${crd.spec.names.kind.toLowerCase()}_${version.name}.json`),
          standalone(schema, objectMeta),
        );
      }
    }
  }
}

/**
 * The schema folder for `sources` in `cacheRoot`, written once: its name is a
 * hash of the sources and of this module's code, so a new release or a change
 * here writes a new one. Written aside and renamed into place, so a reader
 * never sees half a folder.
 */
export function cachedSchemaFolder(cacheRoot: string, sources: SchemaSources): string {
  const key = createHash('sha256')
    .update(JSON.stringify(sources))
    .update(readFileSync(__filename))
    .digest('hex')
    .slice(0, 16);
  const folder = join(cacheRoot, 'kubeconform-schemas', key);
  if (existsSync(folder)) return folder;
  const partial = `${folder}.${process.pid}.partial`;
  rmSync(partial, { recursive: true, force: true });
  writeSchemaFolder(partial, sources);
  try {
    renameSync(partial, folder);
  } catch (error) {
    // Another process finished first: its folder is the same.
    rmSync(partial, { recursive: true, force: true });
    if (!existsSync(folder)) throw error;
  }
  return folder;
}
