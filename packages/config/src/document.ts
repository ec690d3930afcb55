import { isSecret } from './fields';
import { fieldsOf, type ConfigSchema } from './load';

export interface VariableDoc {
  name: string;
  required: boolean;
  secret: boolean;
  default: string | undefined;
  description: string;
}

/** Describes every variable a schema reads; the README's tables and deployment checks are built from this. */
export function describeVariables(schema: ConfigSchema): VariableDoc[] {
  return Object.entries(fieldsOf(schema)).map(([name, field]) => {
    const fallback = field.safeParse(undefined);
    const value: unknown = fallback.success ? fallback.data : undefined;
    return {
      name,
      required: !fallback.success,
      secret: isSecret(field),
      default:
        value === undefined
          ? undefined
          : typeof value === 'object'
            ? JSON.stringify(value)
            : `${value as string}`,
      description: field.description ?? '',
    };
  });
}

/** A Markdown table of a schema's variables, as kept in the README. */
export function variablesTable(schema: ConfigSchema): string {
  const rows = describeVariables(schema).map((v) => {
    const requirement = v.required ? 'required' : v.default === undefined ? 'optional' : `\`${v.default}\``;
    const name = v.secret ? `\`${v.name}\` (or \`${v.name}_FILE\`)` : `\`${v.name}\``;
    return `| ${name} | ${requirement} | ${v.description} |`;
  });
  return ['| Variable | Default | Meaning |', '| --- | --- | --- |', ...rows].join('\n');
}
