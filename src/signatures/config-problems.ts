/** An error carrying every problem found while validating one part of the config. */
export class ConfigProblemsError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('; '));
    this.name = 'ConfigProblemsError';
  }
}
