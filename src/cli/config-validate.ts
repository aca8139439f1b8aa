/** `portcullis config validate [--config FILE]`: prints every problem (path, expected, got) and exits 2, or prints `ok`. */
import { flag, parseArgs, UsageError } from './args.js';
import { ConfigError, loadConfig, resolveConfigPath } from '../config/load.js';

export async function configCommand(argv: string[]): Promise<number> {
  const p = parseArgs(argv, { values: ['config'] });
  if (p.positional[0] !== 'validate' || p.positional.length > 1) throw new UsageError('expected: config validate [--config FILE]');
  const file = resolveConfigPath(flag(p, 'config'));
  try {
    loadConfig(file);
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stdout.write(e.message + '\n');
      return 2;
    }
    throw e;
  }
  process.stdout.write('ok\n');
  return 0;
}
