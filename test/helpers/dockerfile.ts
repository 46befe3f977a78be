// A Dockerfile read into its stages and instructions, enough for test/unit/compose.test.ts to
// check the image by construction (no Docker engine runs here): comments dropped, `\`
// continuation lines joined, each instruction split into its keyword and its arguments.
export interface Instruction {
  keyword: string;
  args: string;
}

export interface Stage {
  /** The `FROM` image. */
  image: string;
  /** The `AS` name, or "" for an unnamed stage. */
  name: string;
  instructions: Instruction[];
}

export function parseDockerfile(text: string): Stage[] {
  const logical = text
    .split('\n')
    .filter((line) => !/^\s*#/.test(line))
    .join('\n')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  const stages: Stage[] = [];
  for (const line of logical) {
    const [, keyword, args] = /^(\S+)\s+(.*)$/.exec(line) ?? [];
    if (!keyword) throw new Error(`not an instruction: ${line}`);
    if (keyword.toUpperCase() === 'FROM') {
      const [image, as, name] = args.split(/\s+/);
      stages.push({ image, name: as?.toUpperCase() === 'AS' ? name : '', instructions: [] });
      continue;
    }
    if (stages.length === 0) throw new Error(`${keyword} before any FROM`);
    stages[stages.length - 1].instructions.push({ keyword: keyword.toUpperCase(), args: args.replace(/\s+/g, ' ') });
  }
  return stages;
}

/** The arguments of every instruction of a stage with this keyword. */
export function argsOf(stage: Stage, keyword: string): string[] {
  return stage.instructions.filter((i) => i.keyword === keyword).map((i) => i.args);
}
