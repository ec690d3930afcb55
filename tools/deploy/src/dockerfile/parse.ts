/**
 * A Dockerfile as data: its global build arguments and its stages of
 * instructions, for the static tests of docker/Dockerfile (the real build is
 * BuildKit's: `./meridian images`). Only what docker/Dockerfile uses is
 * understood; anything else is an error rather than silently skipped, so the
 * tests can never drift from the real file unnoticed.
 */

export type Keyword =
  'ARG' | 'COPY' | 'ENTRYPOINT' | 'CMD' | 'ENV' | 'EXPOSE' | 'FROM' | 'LABEL' | 'RUN' | 'USER' | 'WORKDIR';

const KEYWORDS = new Set<Keyword>([
  'ARG',
  'COPY',
  'ENTRYPOINT',
  'CMD',
  'ENV',
  'EXPOSE',
  'FROM',
  'LABEL',
  'RUN',
  'USER',
  'WORKDIR',
]);

export interface Instruction {
  keyword: Keyword;
  /** `--name=value` options before the arguments (`--from`, `--mount`, ...). */
  flags: Record<string, string>;
  /** Every --mount of a RUN, in order (a RUN may have several; `flags` keeps the last). */
  mounts: string[];
  /** The rest of the line, continuations joined. */
  args: string;
  line: number;
}

export interface Stage {
  name: string;
  image: string;
  instructions: Instruction[];
}

export interface Dockerfile {
  /** ARGs before the first FROM, with their defaults. */
  globalArgs: Record<string, string | undefined>;
  stages: Stage[];
}

/** Joins continuation lines and drops comments and the parser directive. */
function logicalLines(text: string): { text: string; line: number }[] {
  const lines: { text: string; line: number }[] = [];
  let current: { text: string; line: number } | undefined;
  text.split('\n').forEach((raw, index) => {
    const trimmed = raw.trim();
    if (!current && (trimmed === '' || trimmed.startsWith('#'))) return;
    if (current && trimmed.startsWith('#')) return; // comments inside a continuation
    const continues = trimmed.endsWith('\\');
    const part = continues ? trimmed.slice(0, -1) : trimmed;
    current = current ? { ...current, text: `${current.text} ${part}` } : { text: part, line: index + 1 };
    if (!continues) {
      lines.push(current);
      current = undefined;
    }
  });
  if (current) lines.push(current);
  return lines;
}

function parseInstruction(text: string, line: number): Instruction {
  const match = /^(\S+)\s*(.*)$/s.exec(text);
  const keyword = match?.[1]?.toUpperCase() as Keyword;
  if (!KEYWORDS.has(keyword))
    throw new Error(`Dockerfile line ${line}: unsupported instruction ${match?.[1]}`);
  let rest = match?.[2] ?? '';
  const flags: Record<string, string> = {};
  const mounts: string[] = [];
  for (let flag = /^--([a-z-]+)=(\S+)\s+/.exec(rest); flag; flag = /^--([a-z-]+)=(\S+)\s+/.exec(rest)) {
    flags[flag[1]!] = flag[2]!;
    if (flag[1] === 'mount') mounts.push(flag[2]!);
    rest = rest.slice(flag[0].length);
  }
  return { keyword, flags, mounts, args: rest.trim(), line };
}

export function parseDockerfile(text: string): Dockerfile {
  const globalArgs: Record<string, string | undefined> = {};
  const stages: Stage[] = [];
  for (const { text: lineText, line } of logicalLines(text)) {
    const instruction = parseInstruction(lineText, line);
    if (instruction.keyword === 'FROM') {
      const [image, as, name, ...extra] = instruction.args.split(/\s+/);
      if (!image || extra.length > 0 || (as !== undefined && (as.toUpperCase() !== 'AS' || !name))) {
        throw new Error(`Dockerfile line ${line}: FROM <image> [AS <name>] expected`);
      }
      stages.push({ name: name ?? String(stages.length), image, instructions: [] });
    } else if (stages.length === 0) {
      if (instruction.keyword !== 'ARG')
        throw new Error(`Dockerfile line ${line}: only ARG may precede FROM`);
      Object.assign(globalArgs, parseAssignments(instruction.args, true));
    } else {
      stages.at(-1)!.instructions.push(instruction);
    }
  }
  if (stages.length === 0) throw new Error('Dockerfile has no FROM');
  return { globalArgs, stages };
}

/** `A=1 B="two words"` (ENV, LABEL) or, for ARG, a bare `NAME`. */
export function parseAssignments(args: string, allowBare = false): Record<string, string | undefined> {
  const result: Record<string, string | undefined> = {};
  const pattern = /([A-Za-z_][\w.-]*)(?:=("(?:[^"\\]|\\.)*"|\S*))?/g;
  for (const match of args.matchAll(pattern)) {
    const [, key, raw] = match;
    if (raw === undefined) {
      if (!allowBare) throw new Error(`"${key}" needs a value`);
      result[key!] = undefined;
    } else {
      result[key!] = raw.startsWith('"') ? (JSON.parse(raw) as string) : raw;
    }
  }
  return result;
}
