/** Parses `--flag value`, `--flag=value` and bare `--switch` arguments; the rest are positionals. */
export interface ParsedArgs {
  readonly flags: ReadonlyMap<string, string | true>;
  readonly positionals: readonly string[];
}

const SWITCHES = new Set(['json', 'help', 'temporary', 'unencrypted', 'password-stdin']);

export function parseArgs(argv: readonly string[]): ParsedArgs {
  const flags = new Map<string, string | true>();
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (!arg.startsWith('--')) {
      positionals.push(arg);
      continue;
    }
    const body = arg.slice(2);
    const eq = body.indexOf('=');
    if (eq >= 0) {
      flags.set(body.slice(0, eq), body.slice(eq + 1));
    } else if (SWITCHES.has(body) || i + 1 >= argv.length || (argv[i + 1] ?? '').startsWith('--')) {
      flags.set(body, true);
    } else {
      flags.set(body, argv[++i] ?? '');
    }
  }
  return { flags, positionals };
}

export function stringFlag(args: ParsedArgs, name: string): string | undefined {
  const value = args.flags.get(name);
  return typeof value === 'string' ? value : undefined;
}
