/** Command dispatch. Each command lives in its own module and returns an exit code. */
import { UsageError } from './args.js';
import { ConfigError } from '../config/load.js';

const USAGE = `usage: portcullis <command> [options]

commands:
  serve [--config FILE]                      run the gateway
  config validate [--config FILE]            check a config file; print every problem
  scan TARGET [--db DIR] [--format table|json|sarif|cyclonedx] [--fail-on SEVERITY]
  db import SRC... [--db DIR] | db update [--config FILE] | db status [--db DIR]
  token create --name N --scope S [--scope S…] [--ttl 30d] [--config FILE] [--tokens-file F]
  token list [--config FILE] | token revoke --name N [--config FILE]
  check IMAGE --server URL [--token T]
  verify IMAGE [--config FILE] [--insecure]

config: --config, else $PORTCULLIS_CONFIG, else config/portcullis.yaml
exit codes: 0 ok/allowed, 1 denied, 2 usage or runtime error`;

type Command = (argv: string[]) => Promise<number>;

const COMMANDS: Record<string, () => Promise<Command>> = {
  serve: async () => (await import('./serve.js')).serveCommand,
  config: async () => (await import('./config-validate.js')).configCommand,
  token: async () => (await import('./token.js')).tokenCommand,
  scan: async () => (await import('./scan.js')).scanCommand,
  db: async () => (await import('./db.js')).dbCommand,
  check: async () => (await import('./check.js')).checkCommand,
  verify: async () => (await import('./verify.js')).verifyCommand,
};

export async function runCli(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(USAGE + '\n');
    return name ? 0 : 2;
  }
  const load = COMMANDS[name];
  if (!load) {
    process.stderr.write(`portcullis: unknown command ${JSON.stringify(name)}\n\n${USAGE}\n`);
    return 2;
  }
  try {
    return await (await load())(rest);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`portcullis ${name}: ${e.message}\n\n${USAGE}\n`);
      return 2;
    }
    if (e instanceof ConfigError) {
      process.stderr.write(e.message + '\n');
      return 2;
    }
    throw e;
  }
}
